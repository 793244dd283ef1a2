"""Cards and messages: escaped so that no value pings anyone, and within Block Kit's limits."""

from __future__ import annotations

import datetime as dt
import json
import re

from bot.slack import messages
from bot.slack.card import Approval, FieldChange, RequestCard, TargetCard, TargetOutcome

HOSTILE = "<!channel> <!here> <@U0VICTIM> <http://evil.test|click> & co"
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def card(**overrides: object) -> RequestCard:
    values: dict[str, object] = dict(
        id="R7K3QF2M",
        vendor="kaiten",
        vendor_name="Kaiten",
        obj="group",
        action="grant",
        requester="U0ADMIN",
        reason=HOSTILE,
        targets=(
            TargetCard(
                "uid-1", HOSTILE, (FieldChange("permissions", 3, 515), FieldChange("name", HOSTILE, HOSTILE))
            ),
        ),
        state="pending",
        approvals_required=1,
        expires_at=NOW,
    )
    return RequestCard(**(values | overrides))  # type: ignore[arg-type]


def texts(message: messages.Message) -> list[str]:
    found = [message.text]

    def walk(item: object) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(message.blocks)
    return found


def assert_pings_no_one(message: messages.Message) -> None:
    for text in texts(message):
        assert "<!channel>" not in text and "<!here>" not in text and "<http://evil" not in text
        assert "<@U0VICTIM>" not in text
        assert re.findall(r"<@(U\w+)>", text) in ([], ["U0ADMIN"], ["U0ADMIN", "U0BOSS"], ["U0BOSS"])
    for block in message.blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            assert text.get("verbatim") is True


def test_a_card_shows_hostile_names_and_values_literally_and_pings_no_one() -> None:
    message = messages.card_message(card())
    assert_pings_no_one(message)
    body = json.dumps(message.blocks)
    assert "&lt;!channel&gt;" in body and "&amp; co" in body
    assert "members, billing (3)" in body and "members, billing, tags (515)" in body
    assert [e["text"]["text"] for e in message.blocks[-1]["elements"]] == ["Approve", "Reject", "Cancel"]


def test_outcomes_and_direct_messages_escape_what_vendors_said() -> None:
    done = card(
        state="partly_done",
        approvals=(Approval("U0BOSS", NOW),),
        outcomes=(
            TargetOutcome("1", HOSTILE, True, "changed", "yes", {"name": HOSTILE}),
            TargetOutcome("2", "b", False, f"Kaiten did not accept the change: {HOSTILE}"),
        ),
    )
    for message in (
        messages.card_message(done),
        messages.outcome_message(done),
        messages.direct_message(done),
    ):
        assert_pings_no_one(message)
    assert "Approve" not in json.dumps(messages.card_message(done).blocks)  # no buttons once decided
    assert "approved by <@U0BOSS>" in json.dumps(messages.card_message(done).blocks)


def test_a_long_bulk_card_stays_inside_block_kit_limits() -> None:
    many = tuple(TargetCard(str(n), f"user {n}", (FieldChange("theme", "auto", "dark"),)) for n in range(120))
    message = messages.card_message(card(targets=many, obj="user", action="set", reason="x" * 5000))
    assert len(message.blocks) <= 50
    assert "and 80 more targets" in json.dumps(message.blocks)
    assert all(len(t) <= 3000 for t in texts(message)[1:])


def test_a_private_reply_escapes_the_users_own_text() -> None:
    assert_pings_no_one(messages.reply(f"Unknown field `{HOSTILE}`"))
    assert_pings_no_one(messages.preformatted("help", HOSTILE))


def test_the_whole_help_reaches_slack_in_several_sections() -> None:
    from bot.language.commands import help_text

    body = help_text(None)
    message = messages.preformatted("Steward help", body)
    shown = "".join(b["text"]["text"] for b in message.blocks[1:])
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks)
    assert (
        len(message.blocks) > 2
        and "examples" in shown
        and shown.count("```") == 2 * (len(message.blocks) - 1)
    )


def test_a_change_that_needs_no_approval_shows_no_buttons_while_it_starts() -> None:
    starting = messages.card_message(card(approvals_required=0))
    waiting = messages.card_message(card())

    assert "Starting" in starting.text and "Waiting for approval" not in starting.text
    assert not [b for b in starting.blocks if b["type"] == "actions"]
    assert "Waiting for approval" in waiting.text
    assert [b["block_id"] for b in waiting.blocks if b["type"] == "actions"] == ["decide:R7K3QF2M"]
