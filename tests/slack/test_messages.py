"""Cards and messages: escaped so that no value pings anyone, and within Block Kit's limits."""

from __future__ import annotations

import datetime as dt
import json
import re

from bot.slack import messages
from bot.slack.card import Approval, FieldChange, RequestCard, TargetCard, TargetOutcome
from bot.slack.views import to_card
from bot.store import StoredRequest

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


# --- text that could pass for Steward's own (issue 14, point 11) ---------------------------------

FORGED = "✅ Approved by <@U0BOSS>"


def test_every_line_of_a_multi_line_reason_stays_inside_its_quote() -> None:
    reason = f"first line\n{FORGED}\r\n\nthird\u2028fourth"
    target = TargetCard("uid-1", "QA", (FieldChange("permissions", 3, 515),))
    message = messages.card_message(card(reason=reason, targets=(target,)))
    expected = ["Reason: first line", "✅ Approved by &lt;@U0BOSS&gt;", "", "third", "fourth"]
    assert "\n" not in message.text and "Approved by" not in message.text  # the notification: one line
    for text in (message.blocks[1]["text"]["text"],):
        lines = text.split("\n")
        start = next(i for i, line in enumerate(lines) if "Reason:" in line)
        quoted = lines[start : start + len(expected)]
        assert all(line.startswith(">") for line in quoted), quoted
        assert [line.removeprefix(">") for line in quoted] == expected
        assert all(line.startswith(">") for line in lines if "Approved by" in line or "fourth" in line)
        assert "\u2028" not in text and "\r" not in text


def test_the_terminal_card_quotes_every_line_of_the_reason_too() -> None:
    text = messages.card_text(card(reason=f"first line\n{FORGED}\n"))
    lines = text.split("\n")
    assert "> Reason: first line" in lines and "> ✅ Approved by <@U0BOSS>" in lines
    assert all(line.startswith(">") for line in lines if "Approved by" in line)


def test_a_name_or_value_with_a_line_break_or_direction_control_stays_on_its_line() -> None:
    hostile = f"Anna\n{FORGED}\u2028\u202eevil\u2066\x1b[2J\tend"
    target = TargetCard("42", hostile, (FieldChange("full_name", hostile, "Anna"),))
    pending = card(obj="user", action="set", reason="", targets=(target,))
    done = card(
        obj="user",
        action="set",
        reason="",
        targets=(target,),
        state="done",
        outcomes=(TargetOutcome("42", hostile, True, "changed", "yes", {"full_name": hostile}),),
        note=f"taken up again\n{FORGED}",
    )
    pending_message = messages.card_message(pending)
    assert len(pending_message.blocks[2]["text"]["text"].split("\n")) == 2  # the target, its one change
    for message in (pending_message, messages.card_message(done), messages.outcome_message(done)):
        for text in texts(message):
            assert not any(line.lstrip("*> ").startswith("✅ Approved") for line in text.split("\n"))
            for char in ("\u2028", "\u202e", "\u2066", "\x1b", "\t"):
                assert char not in text
    outcome = messages.outcome_message(done).blocks[1]["text"]["text"]
    assert len(outcome.split("\n")) == 2  # the target's outcome, and what the vendor now reports
    terminal = messages.card_text(done).split("\n")
    assert not any(line.startswith("✅ Approved") for line in terminal)
    assert messages.show(hostile).count("\n") == 0


# --- what the vendor has that Steward has no name for, or did not report (issue 15) -------------


def test_kaiten_permission_bits_without_a_name_show_as_bits_by_value() -> None:
    assert messages.readable(1 | 2 | 8, vendor="kaiten", name="permissions") == "members, billing, bit 8 (11)"
    assert messages.readable(8 | 1048576, vendor="kaiten", name="permissions") == (
        "bit 8, bit 1048576 (1048584)"
    )


def test_a_current_value_the_vendor_did_not_report_is_not_shown_as_empty() -> None:
    target = TargetCard(
        "2",
        "Anna",
        (FieldChange("subject_by", None, 2, reported=False), FieldChange("default_space_id", None, 7)),
    )
    pending = card(obj="user", action="set", reason="", targets=(target,))

    body = messages.card_message(pending).blocks[2]["text"]["text"]
    text = messages.card_text(pending)

    assert "`subject_by`: not reported by Kaiten → *action (2)*" in body
    assert "`subject_by`: not reported by Kaiten → action (2)" in text
    assert "`default_space_id`: (empty) → *7*" in body  # reported, and null


def test_the_card_of_a_stored_request_tells_a_value_left_out_from_a_null_one() -> None:
    row = StoredRequest(
        id="R7K3QF2M", state="pending", vendor="kaiten", obj="user", action="set", targets=["2"],
        fields={"subject_by": 2, "default_space_id": 7}, reason="", requester="U0ADMIN", channel="C0OPS",
        card_channel=None, card_ts=None, approvals_required=1, approvals=(), created_at=NOW, updated_at=NOW,
        expires_at=None, finished_at=None, decided_by=None, lease_owner=None, lease_until=None, runs=0,
        outcome=None, announced=None, told=None, deliver_until=None,
        card={"targets": [{"id": "2", "label": "Anna", "current": {"default_space_id": None},
                           "requested": {"subject_by": 2, "default_space_id": 7}}]},
    )  # fmt: skip

    [target] = to_card(row, "Kaiten").targets

    assert [(c.name, c.current, c.reported) for c in target.changes] == [
        ("subject_by", None, False),
        ("default_space_id", None, True),
    ]


# --- for a while (issue 17, point 3) --------------------------------------------------------------

UNTIL = dt.datetime(2026, 12, 24, 18, 0, tzinfo=dt.UTC)


def _row(**overrides: object) -> StoredRequest:
    values: dict[str, object] = dict(
        id="R7K3QF2M", state="pending", vendor="kaiten", obj="group", action="grant", targets=["uid-1"],
        fields={"permissions": 512}, reason="", requester="U0ADMIN", channel="C0OPS",
        card_channel=None, card_ts=None, approvals_required=1, approvals=(), created_at=NOW, updated_at=NOW,
        expires_at=None, finished_at=None, decided_by=None, lease_owner=None, lease_until=None, runs=0,
        outcome=None, announced=None, told=None, deliver_until=None,
        card={"targets": [], "lasting": {"for": 8 * 3600}},
    )  # fmt: skip
    return StoredRequest(**(values | overrides))  # type: ignore[arg-type]


def test_a_pending_card_says_for_how_long_after_approval_or_until_when() -> None:
    asked = to_card(_row(), "Kaiten")
    assert (asked.lasting, asked.ends_at) == (dt.timedelta(hours=8), None)
    assert "for 8h after approval" in messages.state_line(asked)
    assert "asks to grant permissions to Kaiten" in messages.summary(asked)
    assert messages.summary(asked).endswith(" for 8h")

    until = to_card(_row(card={"targets": [], "lasting": {"until": UNTIL.isoformat()}}), "Kaiten")
    assert (until.lasting, until.ends_at) == (None, UNTIL)
    assert "until 2026-12-24 18:00 UTC" in messages.state_line(until)
    assert "until 2026-12-24 18:00 UTC" in messages.card_message(until).text


def test_a_done_card_and_the_requesters_dm_say_until_when() -> None:
    done = to_card(_row(state="done", finished_at=NOW, ends_at=NOW + dt.timedelta(hours=8)), "Kaiten")
    line = messages.state_line(done)
    assert "✅ Done" in line and "until 2026-11-22 20:00 UTC" in line
    assert "until 2026-11-22 20:00 UTC" in messages.direct_message(done).text
    assert "until 2026-11-22 20:00 UTC" in messages.card_text(done)
    failed = to_card(_row(state="failed", finished_at=NOW), "Kaiten")
    assert "until" not in messages.direct_message(failed).text and "for 8h" not in messages.state_line(failed)


def test_a_card_says_when_its_change_ended_or_why_it_could_not_end() -> None:
    ends = NOW + dt.timedelta(hours=8)
    end = {"at": (ends + dt.timedelta(seconds=40)).isoformat(), "request": "RVRT2345", "why": ""}
    ended = to_card(
        _row(
            state="done", finished_at=NOW, ends_at=ends, end_state="ended", card={"targets": [], "end": end}
        ),
        "Kaiten",
    )
    assert (ended.end_state, ended.end_request) == ("ended", "RVRT2345")
    assert "ended at 2026-11-22 20:00 UTC (request RVRT2345)" in messages.state_line(ended)
    assert "ended at 2026-11-22 20:00 UTC" in messages.direct_message(ended).text

    why = {"at": ends.isoformat(), "request": "RVRT2345", "why": f"the group changed since: {HOSTILE}"}
    stuck = to_card(
        _row(state="done", finished_at=NOW, ends_at=ends, end_state="not_ended", card={"end": why}),
        "Kaiten",
    )
    line = messages.state_line(stuck)
    assert "could not end: the group changed since: &lt;!channel&gt;" in line
    assert_pings_no_one(messages.card_message(stuck))
    assert "could not end" in messages.direct_message(stuck).text
    ending = to_card(_row(state="done", finished_at=NOW, ends_at=ends, end_state="ending"), "Kaiten")
    assert "ending now (until 2026-11-22 20:00 UTC)" in messages.state_line(ending)
