"""Changes made for a while end to end (issue 17, points 4 and 5): upkeep in `python -m bot` ends
a change when its time is up and `/metrics` counts it; End now and Extend, clicked as in the
requester's heads-up, set it back at once or ask for the same length again; a stranger's click is
refused in a direct message and changes nothing."""

from __future__ import annotations

import json
import re

import httpx

from bot.slack import messages
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, STRANGER, Rig
from tests.e2e.test_slack import card_of, thread_text

QA = "00000000-0000-4000-8000-000000000001"  # Kaiten's QA engineers: permissions 3 (members, billing)


def _dm(user: str) -> str:
    return f"D0{user[:8]}"  # the fake Slack's direct-message channel with `user`


def _dms_to(rig: Rig, user: str, count: int = 1) -> list[str]:
    calls = rig.slack.wait_for("chat.postMessage", count, where=lambda c: c.args.get("channel") == _dm(user))
    return [str(c.args.get("text", "")) for c in calls]


def _granted_for(rig: Rig, span: str) -> tuple[str, str]:
    rig.command(f"kaiten group {QA} grant tags for {span}")
    request_id, ts = card_of(rig)
    rig.click(messages.APPROVE, request_id, BOSS, ts)
    assert "Done" in thread_text(rig, ts)
    assert rig.kaiten.app.groups[QA]["permissions"] == 3 | 512  # type: ignore[attr-defined]
    return request_id, ts


def test_a_change_for_two_seconds_ends_by_itself_a_strangers_end_now_is_refused_and_metrics_count_it(
    rig: Rig,
) -> None:
    request_id, ts = _granted_for(rig, "2s")
    rig.click(messages.END_NOW, request_id, STRANGER, ts, channel=_dm(STRANGER))
    [told] = _dms_to(rig, STRANGER)
    assert f"no request {request_id} that you may see" in told
    assert rig.kaiten.app.groups[QA]["permissions"] == 3 | 512  # type: ignore[attr-defined]

    thread = thread_text(rig, ts, 2)  # upkeep runs every 5 s
    assert f"Request {request_id} ended" in thread
    assert rig.kaiten.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]
    metrics = httpx.get(f"{rig.url}/metrics", timeout=10).text
    assert 'steward_scheduled_ends_total{state="ended"} 1.0' in metrics


def test_extend_is_approved_and_moves_the_end_then_end_now_sets_it_back_at_once(rig: Rig) -> None:
    request_id, ts = _granted_for(rig, "1h")
    rig.click(messages.EXTEND, request_id, ADMIN, ts, channel=_dm(ADMIN))
    extension, ts2 = card_of(rig, 2)
    [asked] = _dms_to(rig, ADMIN, 2)[1:]  # the first is the outcome of the grant
    until = re.search(r"until (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", asked).group(1)  # type: ignore[union-attr]
    assert f"asks to extend request {request_id} until {until}" in rig.slack.message(CHANNEL, ts2).text

    rig.click(messages.APPROVE, extension, BOSS, ts2)
    assert f"now ends at {until}" in thread_text(rig, ts2)
    card = rig.slack.message(CHANNEL, ts)
    assert f"until {until}" in card.text + json.dumps(card.blocks)  # the first card says the new end

    rig.click(messages.END_NOW, request_id, ADMIN, ts, channel=_dm(ADMIN))
    assert f"Request {request_id} ended" in thread_text(rig, ts, 2)
    assert rig.kaiten.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]
