"""A vendor that times out, fails, throttles or answers garbage: every request still ends in a
final state, with a readable message in its thread."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.common import Fault
from tests.e2e.conftest import CHANNEL, Rig

PATCH = "PATCH"
PASSING = {  # faults a retry gets past: the change is done
    "one timeout": Fault(status=200, delay=6, method=PATCH),
    "one 500": Fault(status=500, body='{"message":"oops"}', method=PATCH),
    "503 with Retry-After": Fault(status=503, headers={"Retry-After": "1"}, method=PATCH),
    "a burst of 429": Fault(status=429, headers={"Retry-After": "1"}, method=PATCH, times=3),
}
LASTING = {  # faults that outlast the retries: the change fails, and the thread says why
    "500 every time": Fault(status=500, body='{"message":"oops"}', method=PATCH, times=100),
    "malformed JSON": Fault(kind="malformed", method=PATCH, times=100),
    "an HTML page": Fault(status=502, kind="html", method=PATCH, times=100),
}


def outcome(rig: Rig) -> tuple[str, str]:
    """(card text, thread text) once the request has reached its thread."""
    rig.slack.wait_for(
        "chat.postMessage", where=lambda c: "thread_ts" not in c.args and c.args["channel"] == CHANNEL
    )
    ts = next(m.ts for m in rig.slack.cards())
    rig.slack.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == ts, timeout=60)
    thread = "\n".join(m.text + json.dumps(m.blocks) for m in rig.slack.thread(CHANNEL, ts))
    final = rig.slack.wait_for("chat.update", where=lambda c: c.args.get("ts") == ts, timeout=60)[-1]
    return str(final.args.get("text")), thread


@pytest.mark.parametrize("fault", PASSING.values(), ids=PASSING.keys())
def test_a_passing_vendor_fault_is_retried_and_the_change_done(rig: Rig, fault: Fault) -> None:
    rig.kaiten.fail(fault)
    rig.command("kaiten user 2 set theme=dark")
    card, thread = outcome(rig)
    assert "Done" in card and "`theme` is now dark" in thread
    assert len([p for p in rig.kaiten.requests("PATCH") if p.status == 200]) == 1


@pytest.mark.parametrize("fault", LASTING.values(), ids=LASTING.keys())
def test_a_lasting_vendor_fault_ends_the_request_with_a_readable_reason(rig: Rig, fault: Fault) -> None:
    rig.kaiten.fail(fault)
    rig.command("kaiten user 2 set theme=dark")
    card, thread = outcome(rig)
    assert "Kaiten" in thread and "Traceback" not in thread and "<html" not in thread
    assert "Done" not in card
