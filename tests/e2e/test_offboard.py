"""`/steward offboard <person>` end to end (issue 16): a signed command to `python -m bot`, one
card with each vendor's account, an approval click, each vendor's outcome in the thread as it
ends, and the request done, or partly done when one vendor fails."""

from __future__ import annotations

import json

from bot.sandbox.common import Fault
from bot.slack import messages
from tests.e2e.conftest import BOSS, CHANNEL, Rig
from tests.e2e.test_slack import card_of, thread_text


def _card(rig: Rig, ts: str) -> str:
    card = rig.slack.message(CHANNEL, ts)
    return card.text + json.dumps(card.blocks, ensure_ascii=False)


def test_a_person_on_all_three_vendors_is_switched_off_on_each_after_one_approval(rig: Rig) -> None:
    rig.command('offboard julia.meyer@acme.test reason="left the company"')
    request_id, ts = card_of(rig)
    card = _card(rig, ts)
    assert (
        "Offboarding request" in card
        and "asks to offboard julia.meyer@acme.test on Kaiten, ONLYOFFICE and Hub" in card
    )
    assert "Engineering" in card and "Backend Developers" in card and "listed, not removed" in card
    assert not [r for r in rig.kaiten.requests("PATCH")]  # nothing before the approval

    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts, 4)  # one message per vendor as it ends, then the outcome
    assert "✅ Kaiten: done" in thread and "✅ ONLYOFFICE: done" in thread and "✅ Hub: done" in thread
    assert "Done: request" in thread
    card = _card(rig, ts)
    assert "3 of 3 accounts switched off" in card and "✅ Hub: switched off" in card
    assert [r.json() for r in rig.kaiten.requests("PATCH") if "/company/users/" in r.path] == [
        {"temporarily_inactive": True}
    ]
    [ban] = [r.json() for r in rig.hub.requests("POST") if "/users/" in r.path]
    assert ban == {"banned": True, "banReason": "left the company"}


def test_a_person_with_accounts_on_two_vendors_is_offboarded_there_and_the_card_says_no_account_on_hub(
    rig: Rig,
) -> None:
    rig.command("offboard dana.kim@acme.test")
    request_id, ts = card_of(rig)
    assert "no account on Hub" in _card(rig, ts)
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts, 3)
    assert "✅ Kaiten: done" in thread and "✅ ONLYOFFICE: done" in thread and "Hub: done" not in thread
    assert "2 of 2 accounts switched off" in _card(rig, ts)


def test_when_one_vendor_fails_the_others_are_done_and_the_request_ends_partly_done(rig: Rig) -> None:
    rig.command("offboard julia.meyer@acme.test")
    request_id, ts = card_of(rig)
    rig.hub.fail(
        Fault(
            status=403,
            body='{"error":"forbidden","error_description":"no right to ban"}',
            method="POST",
            times=9,
        )
    )
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts, 4)
    assert "❌ Hub: failed" in thread and "no right to ban" in thread
    assert "✅ Kaiten: done" in thread and "✅ ONLYOFFICE: done" in thread
    assert "Partly done" in thread
    card = _card(rig, ts)
    assert (
        "2 of 3 accounts switched off" in card
        and "❌ Hub: failed" in card
        and "✅ Kaiten: switched off" in card
    )
