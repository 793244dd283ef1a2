"""Approvers are reminded, through the running app and the fake Slack: with STEWARD_REMIND_AFTER
at one second, the upkeep (every 5 s) posts one reminder in a pending request's thread, and with
STEWARD_ESCALATION_CHANNEL the card again in that channel."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.serve import free_port
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, Launcher, Rig
from tests.e2e.test_slack import card_of

QA = "00000000-0000-4000-8000-000000000001"
ESCALATION = "C0ESCALATE"


@pytest.fixture
def reminding(launcher: Launcher) -> Rig:
    return launcher(
        {"STEWARD_REMIND_AFTER": "1s", "STEWARD_ESCALATION_CHANNEL": ESCALATION, "PORT": str(free_port())}
    )


def test_a_pending_requests_thread_gets_one_reminder_and_the_escalation_channel_its_card(
    reminding: Rig,
) -> None:
    rig = reminding
    rig.command(f"kaiten group {QA} grant tags reason=audit")
    request_id, ts = card_of(rig)

    [reminder] = rig.slack.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == ts)
    assert reminder.args["channel"] == CHANNEL and f"<@{BOSS}>" in str(reminder.args["text"])
    assert f"<@{ADMIN}>" not in str(reminder.args["text"])  # the requester may not approve it
    [copy] = rig.slack.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == ESCALATION)
    blocks = json.dumps(copy.args["blocks"])
    assert request_id in blocks and f"<#{CHANNEL}>" in blocks and "steward_approve" in blocks

    approved = rig.click("steward_approve", request_id, BOSS, ts)
    assert approved.status == 200
    rig.slack.wait_for(
        "chat.postMessage", 2, where=lambda c: c.args.get("thread_ts") == ts, timeout=30
    )  # the outcome; the request has ended, so no round reminds again
    thread = rig.slack.thread(CHANNEL, ts)
    assert sum(request_id in m.text and "waiting for approval" in m.text for m in thread) == 1
    assert len([c for c in rig.slack.calls("chat.postMessage") if c.args.get("channel") == ESCALATION]) == 1
