"""Steward killed (SIGKILL) in the middle of a change and started again on the same database: the
request is taken up once its lease runs out and finished, its card and thread say so, and the
audit log has every step once."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.slack import messages
from tests.conftest import Sandbox
from tests.e2e.conftest import BOSS, CHANNEL, Launcher, Rig, start_steward, stop
from tests.reliability.conftest import audit_of
from tests.rig.fake_slack import FakeSlack

LEASE = 3  # seconds (STEWARD_LEASE_SECONDS); the default 60 would make the test wait a minute
USERS = [str(n) for n in range(1000, 1006)]  # the Kaiten sandbox's generated users


def until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s")
        time.sleep(0.01)


def two_homes(tmp_path: Path) -> tuple[Path, Path]:
    """Where Steward runs before the kill and after the restart (each keeps its own log)."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    return first, second


def kill_9(rig: Rig) -> None:
    assert rig.process is not None
    os.kill(rig.process.pid, signal.SIGKILL)
    rig.process.wait(timeout=10)


def restart(rig: Rig, env: dict[str, str], home: Path) -> None:
    """Steward started again on the same database, in `home`, as the rig's process."""
    rig.process, rig.log = start_steward(env, home, int(env["PORT"]))


def test_a_change_cut_off_by_kill_9_is_taken_up_after_a_restart_and_finished_once(
    launcher: Launcher,
    steward_env: dict[str, str],
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    env = steward_env | {"STEWARD_LEASE_SECONDS": str(LEASE)}
    kaiten_sandbox.option(extra_users=len(USERS))
    first, second = two_homes(tmp_path)
    rig = launcher(env, first)
    try:
        kaiten_sandbox.slow(0.7)
        assert rig.command(f"kaiten user {','.join(USERS)} set theme=dark").status == 200
        # killed once the first PATCH has reached Kaiten: the run is under way, not over
        until(lambda: len(kaiten_sandbox.requests("PATCH")) >= 1)
        kill_9(rig)
        assert len(kaiten_sandbox.requests("PATCH")) < len(USERS)
        assert not fake_slack.calls("conversations.open")  # nobody was told it ended

        restart(rig, env, second)
        ts = next(m.ts for m in fake_slack.cards())
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == ts, timeout=40)
    finally:
        stop(rig.process)

    card = fake_slack.message(CHANNEL, ts)
    thread = fake_slack.thread(CHANNEL, ts)
    assert "Done" in card.text, card.text
    assert len(thread) == 1 and "✅ Done" in thread[0].text
    assert "taken up again after a restart" in json.dumps(card.blocks)
    for user in USERS:  # every target written and reported, none lost
        assert kaiten_sandbox.app.users[int(user)]["theme"] == "dark"  # type: ignore[attr-defined]
        patched = [p for p in kaiten_sandbox.requests("PATCH") if p.path.endswith(f"/users/{user}")]
        assert 1 <= len(patched) <= 2  # written again after the restart at most: the same value

    entries = asyncio.run(audit_of(env["DATABASE_URL"]))
    moves = Counter((e.event, e.from_state, e.to_state) for e in entries if e.to_state)
    assert moves == Counter(
        {
            ("created", None, "pending"): 1,
            ("approved", "pending", "approved"): 1,
            ("running", "approved", "running"): 1,
            ("taken_up", "running", "running"): 1,
            ("done", "running", "done"): 1,
        }
    ), moves


def test_an_offboarding_cut_off_by_kill_9_is_taken_up_and_writes_once_to_each_vendor(
    launcher: Launcher,
    steward_env: dict[str, str],
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    env = steward_env | {"STEWARD_LEASE_SECONDS": str(LEASE)}
    first, second = two_homes(tmp_path)
    rig = launcher(env, first)
    julia_on_hub = "/users/267c24ef-aa88-5764-99b2-4df30f542275"

    def hub_writes() -> list[object]:
        return [r for r in hub_sandbox.requests("POST") if r.path.endswith(julia_on_hub)]

    try:
        rig.command("offboard julia.meyer@acme.test reason=left")
        fake_slack.wait_for("chat.postMessage", where=lambda c: "thread_ts" not in c.args)
        card = next(m for m in fake_slack.cards())
        request_id = re.search(r"Offboarding request (\w+)", json.dumps(card.blocks)).group(1)  # type: ignore[union-attr]
        hub_sandbox.slow(1.0)  # Hub answers its ban after Steward is gone (and applies it all the same)
        rig.click(messages.APPROVE, request_id, BOSS, card.ts)
        until(lambda: len(hub_writes()) >= 1)
        kill_9(rig)
        assert not fake_slack.calls("conversations.open")  # nobody was told it ended
        hub_sandbox.slow(0)

        restart(rig, env, second)
        fake_slack.wait_for(
            "chat.postMessage",
            where=lambda c: c.args.get("thread_ts") == card.ts and "Done" in str(c.args.get("text")),
            timeout=40,
        )
    finally:
        stop(rig.process)

    writes = {
        "kaiten": [r for r in kaiten_sandbox.requests("PATCH") if r.path.endswith("/company/users/10")],
        "onlyoffice": [
            r
            for r in onlyoffice_sandbox.requests("PUT")
            if r.path.endswith("/people/a5ee76ec-d4c2-57ab-8880-b5167a0dfbf1")
        ],
        "hub": hub_writes(),
    }
    assert {vendor: len(calls) for vendor, calls in writes.items()} == {
        "kaiten": 1,
        "onlyoffice": 1,
        "hub": 1,
    }
    final = fake_slack.message(CHANNEL, card.ts)
    assert "Done" in final.text and "3 of 3 accounts switched off" in json.dumps(final.blocks)
    assert "taken up again after a restart" in json.dumps(final.blocks)
    entries = asyncio.run(audit_of(env["DATABASE_URL"]))
    moves = Counter((e.event, e.to_state) for e in entries if e.request_id == request_id and e.to_state)
    assert moves[("done", "done")] == 1 and moves[("taken_up", "running")] == 1, moves


def test_a_change_made_for_a_while_ends_after_a_kill_9_and_a_restart(
    launcher: Launcher,
    steward_env: dict[str, str],
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    first, second = two_homes(tmp_path)
    group = "00000000-0000-4000-8000-000000000001"
    rig = launcher(steward_env, first)
    try:
        rig.command(f"kaiten group {group} grant tags for 3s")
        fake_slack.wait_for("chat.postMessage", where=lambda c: "thread_ts" not in c.args)
        card = next(m for m in fake_slack.cards())
        request_id = re.search(r"Change request (\w+)", json.dumps(card.blocks)).group(1)  # type: ignore[union-attr]
        rig.click(messages.APPROVE, request_id, BOSS, card.ts)
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == card.ts)
        kill_9(rig)  # before its end: nobody is left to end it
        time.sleep(3)
        assert kaiten_sandbox.app.groups[group]["permissions"] == 3 | 512  # type: ignore[attr-defined]

        restart(rig, steward_env, second)
        fake_slack.wait_for(
            "chat.postMessage",
            where=lambda c: c.args.get("thread_ts") == card.ts and "ended" in str(c.args.get("text")),
            timeout=40,
        )
    finally:
        stop(rig.process)

    assert kaiten_sandbox.app.groups[group]["permissions"] == 3  # type: ignore[attr-defined]
    entries = asyncio.run(audit_of(steward_env["DATABASE_URL"]))
    assert Counter(e.event for e in entries if e.request_id == request_id)["ended"] == 1
