"""Steward's own Slack calls (bot/slack.py) against the fake Slack Web API over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import FieldChange, Place, RequestCard, TargetCard, Undeliverable, messages
from bot.slack.notifier import SlackNotifier
from tests.rig.fake_slack import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN).start()
    try:
        yield slack
    finally:
        slack.stop()


def notifier(fake: FakeSlack) -> SlackNotifier:
    return SlackNotifier(AsyncWebClient(token=TOKEN, base_url=fake.url))


async def test_a_requesters_direct_messages_open_their_conversation_once(fake: FakeSlack) -> None:
    slack = notifier(fake)

    for n in range(3):
        await slack.direct("U0ANNA", messages.reply(f"Your request {n} is done."))

    assert len(fake.calls("conversations.open")) == 1
    posts = fake.calls("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["D0U0ANNA"] * 3
    assert "Your request 2 is done." in posts[-1].args["text"]


async def test_a_refused_direct_message_opens_the_conversation_afresh_next_time(fake: FakeSlack) -> None:
    slack = notifier(fake)
    await slack.direct("U0ANNA", messages.reply("first"))
    fake.fail("chat.postMessage", status=500)  # this client has no retry handlers

    with pytest.raises(SlackApiError):
        await slack.direct("U0ANNA", messages.reply("second"))
    await slack.direct("U0ANNA", messages.reply("third"))

    assert len(fake.calls("conversations.open")) == 2
    assert "third" in fake.calls("chat.postMessage")[-1].args["text"]


def _card() -> RequestCard:
    change = FieldChange("theme", "auto", "dark")
    return RequestCard(
        id="R7K3QF2M",
        vendor="kaiten",
        vendor_name="Kaiten",
        obj="user",
        action="set",
        requester="U0ADMIN",
        reason="",
        targets=(TargetCard("2", "Anna Petrova", (change,)),),
        state="done",
        approvals_required=0,
    )


async def test_an_answer_no_retry_can_change_is_undeliverable_and_left_to_the_caller_to_log(
    fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack = notifier(fake)
    fake.not_in.add("C0GONE")  # Steward was removed from the channel after its card was posted

    with pytest.raises(Undeliverable) as thread:
        await slack.post_outcome(_card(), Place("C0GONE", "1700000000.000001"))
    with pytest.raises(Undeliverable) as update:
        await slack.show(_card(), "C0OPS", Place("C0OPS", "1700000000.999999"))  # a deleted card

    assert (thread.value.channel, thread.value.error) == ("C0GONE", "not_in_channel")
    assert (update.value.channel, update.value.error) == ("C0OPS", "message_not_found")
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []  # the pipeline logs it, once
