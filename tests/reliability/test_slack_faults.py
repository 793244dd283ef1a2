"""Slack that throttles, fails, hangs or is down: the outcome still reaches the card and its
thread after retries, or is kept with the request in its true state and posted once Slack
answers again. Steward is `python -m bot`; the faults are the fake Slack's."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.slack import messages
from tests.e2e.conftest import BOSS, CHANNEL, Rig
from tests.reliability.conftest import audit_of
from tests.rig.workspace import Message

UPKEEP = 5.0  # seconds between two upkeep rounds of a Steward process
QA = "00000000-0000-4000-8000-000000000001"


def card_of(rig: Rig, timeout: float = 30.0) -> Message:
    """The one card in the channel, once it is there."""
    deadline = time.monotonic() + timeout
    while not (cards := [m for m in rig.slack.cards() if m.channel == CHANNEL]):
        assert time.monotonic() < deadline, f"no card; Slack saw {[c.method for c in rig.slack.calls()]}"
        time.sleep(0.05)
    assert len(cards) == 1, [c.text for c in cards]
    return cards[0]


def settled(rig: Rig, card: Message, timeout: float = 40.0) -> list[Message]:
    """The thread under `card` once it has an outcome and the card shows Done; the DM sent."""
    deadline = time.monotonic() + timeout
    while not (
        (thread := rig.slack.thread(CHANNEL, card.ts))
        and "Done" in rig.slack.message(CHANNEL, card.ts).text
        and direct_messages(rig)
    ):
        assert time.monotonic() < deadline, f"not settled; Slack saw {[c.method for c in rig.slack.calls()]}"
        time.sleep(0.05)
    return thread


def direct_messages(rig: Rig) -> list[str]:
    return [
        str(c.args["text"])
        for c in rig.slack.calls("chat.postMessage")
        if c.status == 200 and str(c.args["channel"]).startswith("D")
    ]


def served_once(rig: Rig) -> None:
    """One command answered while Slack is up: Bolt checks the token (auth.test) at the first
    request after start and remembers it; until then a Slack that is down refuses everything."""
    rig.command("help")
    rig.slack.wait_for("response_url")


def no_errors_logged(rig: Rig) -> None:
    log = rig.log.read_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]


FAULTS = {
    "chat.postMessage throttled (429, Retry-After)": ("chat.postMessage", 429),
    "chat.update throttled (429, Retry-After)": ("chat.update", 429),
    "chat.postMessage failing with 500": ("chat.postMessage", 500),
    "chat.update failing with 500": ("chat.update", 500),
}


@pytest.mark.parametrize(("method", "status"), FAULTS.values(), ids=FAULTS.keys())
def test_slack_refusing_a_few_calls_is_waited_out_and_every_message_arrives_once(
    rig: Rig, method: str, status: int
) -> None:
    rig.slack.fail(method, status=status, times=2, retry_after=1)

    assert rig.command("kaiten user 2 set theme=dark").status == 200
    card = card_of(rig)
    [outcome] = settled(rig, card)

    assert "`theme` is now dark" in outcome.text
    assert [c.status for c in rig.slack.calls(method)][:2] == [status, status]  # it was refused, then retried
    assert len(direct_messages(rig)) == 1
    assert len([p for p in rig.kaiten.requests("PATCH") if p.status == 200]) == 1
    no_errors_logged(rig)


def test_a_card_update_slack_does_not_answer_in_time_is_made_again_at_the_next_upkeep(rig: Rig) -> None:
    rig.slack.hang("chat.update", 12)  # past the Slack client's 10 s timeout

    rig.command("kaiten user 2 set theme=dark")
    card = card_of(rig)
    [outcome] = settled(rig, card, timeout=12 + 3 * UPKEEP + 10)

    assert "`theme` is now dark" in outcome.text
    assert len(rig.slack.calls("chat.update")) >= 2  # the hung one, and the one after it
    assert len(direct_messages(rig)) == 1
    assert len(rig.kaiten.requests("PATCH")) == 1


def test_an_outcome_slack_does_not_answer_in_time_still_reaches_the_thread(rig: Rig) -> None:
    rig.kaiten.slow(1.0)  # time to put the hang on the thread's message, not the card's
    rig.command("kaiten user 2 set theme=dark")
    card = card_of(rig)
    rig.slack.hang("chat.postMessage", 12)

    thread = settled(rig, card, timeout=12 + 3 * UPKEEP + 10)

    # Slack kept the message it answered too late, and Steward, not knowing, posted it again:
    # the outcome is there at least once, at most twice, never lost.
    assert 1 <= len(thread) <= 2 and all("`theme` is now dark" in m.text for m in thread)
    assert len(rig.kaiten.requests("PATCH")) == 1


def test_when_slack_stays_down_the_request_ends_truly_and_its_card_and_outcome_come_when_slack_is_back(
    rig: Rig, steward_env: dict[str, str]
) -> None:
    served_once(rig)
    rig.slack.down()

    assert rig.command("kaiten user 2 set theme=dark").status == 200
    deadline = time.monotonic() + 30
    while "done" not in [e.to_state for e in asyncio.run(audit_of(steward_env["DATABASE_URL"]))]:
        assert time.monotonic() < deadline, "the change did not run while Slack was down"
        time.sleep(0.2)
    time.sleep(UPKEEP + 1)  # an upkeep round with Slack still down changes nothing
    assert rig.slack.cards() == [] and rig.kaiten.requests("PATCH")[0].json() == {"theme": "dark"}
    [told] = [t for t in rig.replies() if "Slack did not take its card" in t]
    assert "ran at once" in told and "as soon as Slack answers again" in told

    rig.slack.up()
    card = card_of(rig, timeout=3 * UPKEEP)
    [outcome] = settled(rig, card, timeout=3 * UPKEEP)

    assert "Done" in card.text and "`theme` is now dark" in outcome.text
    assert len(direct_messages(rig)) == 1 and len(rig.kaiten.requests("PATCH")) == 1
    moves = [
        (e.from_state, e.to_state) for e in asyncio.run(audit_of(steward_env["DATABASE_URL"])) if e.to_state
    ]
    assert moves == [(None, "pending"), ("pending", "approved"), ("approved", "running"), ("running", "done")]
    no_errors_logged(rig)


def test_a_sensitive_request_made_while_slack_is_down_gets_its_card_later_and_can_be_approved(
    rig: Rig,
) -> None:
    served_once(rig)
    rig.slack.down()
    rig.command(f"kaiten group {QA} grant tags reason=audit")
    deadline = time.monotonic() + 30
    while not [t for t in rig.replies() if "waiting for approval" in t]:
        assert time.monotonic() < deadline, rig.replies()
        time.sleep(0.1)
    assert "it cannot be approved before" in rig.replies()[-1]

    rig.slack.up()
    card = card_of(rig, timeout=3 * UPKEEP)
    request_id = card.text.rsplit(" · ", 1)[-1]  # the card's text ends with the request id
    assert rig.click(messages.APPROVE, request_id, BOSS, card.ts).status == 200
    [outcome] = settled(rig, card)

    assert "permissions" in outcome.text
    assert len([p for p in rig.kaiten.requests("PATCH") if p.status == 200]) == 1
    no_errors_logged(rig)
