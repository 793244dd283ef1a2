"""The reminder in a pending card's thread and the card re-posted for escalation: who may still
approve, mentioned (and no more than a Slack message should carry), and where the card is."""

from __future__ import annotations

import dataclasses
import json

from bot.slack import messages
from bot.slack.card import Approval
from tests.slack.test_messages import HOSTILE, NOW, card, texts


def test_a_reminder_mentions_who_may_approve_and_says_how_many_approvals_are_in() -> None:
    pending = dataclasses.replace(
        card(), created_at=NOW, approvals_required=2, approvals=(Approval("U0BOSS", NOW),)
    )
    note = messages.reminder_message(pending, ["U0BOSS2", "U0BOSS3"])
    assert note.text.startswith("⏰ <@U0BOSS2>, <@U0BOSS3>: request R7K3QF2M has been waiting for approval")
    assert "(1 of 2 approvals so far)" in note.text and "2026-11-22 12:00 UTC" in note.text
    assert all("<!channel>" not in t and "<@U0VICTIM>" not in t for t in texts(note))  # nothing typed


def test_a_reminder_with_nobody_left_to_approve_says_an_operator_must_act() -> None:
    note = messages.reminder_message(card(created_at=NOW), [])
    assert "nobody on the approver list may approve it now: an operator must add approvers" in note.text
    assert "<@" not in note.text


def test_a_long_approver_list_is_cut_and_counted() -> None:
    many = [f"U0APP{n:03d}" for n in range(75)]
    note = messages.reminder_message(card(created_at=NOW), many)
    assert note.text.count("<@") == messages.MAX_MENTIONS and "and 45 more approvers" in note.text


def test_the_escalated_copy_is_the_card_with_its_buttons_and_where_the_card_is() -> None:
    copy = messages.escalation_message(card(created_at=NOW), "C0OPS")
    blocks = json.dumps(copy.blocks)
    assert "<#C0OPS>" in blocks and messages.APPROVE in blocks and "R7K3QF2M" in copy.text
    assert len(copy.blocks) <= messages.MAX_BLOCKS
    assert HOSTILE not in blocks  # still escaped
