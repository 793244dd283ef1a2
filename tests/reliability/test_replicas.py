"""Two Steward replicas on one PostgreSQL database, many Approve clicks at the same moment:
every request runs exactly once and every card ends in one final state.

20 sensitive requests (a Kaiten `username`, sensitive by default), each for another generated
Kaiten user so that no request's change drifts another's; 50 Approve clicks for each, all 1,000
released together and spread evenly over both replicas."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter

import httpx
import pytest

from bot.sandbox.kaiten_data import EXTRA_FROM
from bot.slack import messages
from tests.e2e.conftest import BOSS, CHANNEL, Rig
from tests.reliability.conftest import audit_of

REQUESTS = 20
CLICKS = 50  # for each request, half to each replica


def card_ids(rig: Rig, count: int) -> dict[str, str]:
    """request id → card ts, for the first `count` cards posted."""
    posts = rig.slack.wait_for(
        "chat.postMessage", count, where=lambda c: "thread_ts" not in c.args and c.args["channel"] == CHANNEL
    )
    ids: dict[str, str] = {}
    for post in posts[:count]:
        request_id = re.search(
            r"(?:Change|Offboarding|Reinstatement|Revert) request (\w+)", json.dumps(post.args["blocks"])
        ).group(1)  # type: ignore[union-attr]
        ids[request_id] = next(m.ts for m in rig.slack.cards() if request_id in json.dumps(m.blocks))
    return ids


@pytest.mark.timeout(300)  # 1,000 clicks on 2 cores: about a minute alone, more under load
def test_fifty_simultaneous_approvals_of_each_of_twenty_requests_over_two_replicas_run_each_once(
    replicas: list[Rig], pg_url: str
) -> None:
    first, second = replicas
    first.kaiten.option(extra_users=REQUESTS)
    users = [EXTRA_FROM + n for n in range(REQUESTS)]
    for n, user in enumerate(users):
        (first if n % 2 else second).command(f"kaiten user {user} set username=renamed{n} reason=audit")
    cards = card_ids(first, REQUESTS)
    assert len(cards) == REQUESTS

    clicks = [(request_id, ts, n) for request_id, ts in cards.items() for n in range(CLICKS)]
    start = threading.Barrier(len(clicks))
    statuses: list[int] = []

    def click(request_id: str, ts: str, n: int) -> None:
        start.wait()
        try:
            statuses.append(replicas[n % 2].click(messages.APPROVE, request_id, BOSS, ts).status)
        except httpx.TransportError as err:  # counted as a failure, not lost in a thread
            statuses.append(-1)
            raise AssertionError(f"a click was not answered: {err}") from err

    workers = [threading.Thread(target=click, args=c) for c in clicks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert statuses == [200] * len(clicks)

    for ts in cards.values():  # every thread gets its outcome, and it is Done
        [outcome] = first.slack.wait_for(
            "chat.postMessage", where=lambda c, ts=ts: c.args.get("thread_ts") == ts, timeout=90
        )
        assert str(outcome.args["text"]).startswith("✅ Done"), outcome.args["text"]
    # Each replica paces Kaiten on its own, so together they can exceed Kaiten's rate limit:
    # a PATCH answered 429 was not applied and is retried; only applied ones count.
    patches = [p for p in first.kaiten.requests("PATCH") if p.status == 200]
    twice = {p.path for p in patches if sum(q.path == p.path for q in patches) > 1}
    told = [
        line
        for rig in replicas
        for line in rig.log.read_text().splitlines()
        if any(path.removeprefix("/api/latest") in line for path in twice)
    ]
    history = [(r.time, r.method, r.path, r.status) for r in first.kaiten.requests() if r.path in twice]
    assert sorted(p.path for p in patches) == sorted(f"/api/latest/users/{u}" for u in users), (history, told)

    finals = {m.ts: m for m in first.slack.cards()}
    for ts in cards.values():  # one final state: Done, and no update after it says otherwise
        assert "Done" in finals[ts].text, finals[ts].text
        updates = [c for c in first.slack.calls("chat.update") if c.args.get("ts") == ts and c.status == 200]
        assert "Done" in str(updates[-1].args["text"])
        assert len(first.slack.thread(CHANNEL, ts)) == 1

    entries = asyncio.run(audit_of(pg_url))
    running = Counter(e.request_id for e in entries if e.to_state == "running")
    done = Counter(e.request_id for e in entries if e.to_state == "done")
    approved = Counter(e.request_id for e in entries if e.to_state == "approved")
    assert running == done == approved == Counter(dict.fromkeys(cards, 1))


JULIA = {  # julia.meyer@acme.test on each sandbox vendor
    "kaiten": "/company/users/10",
    "onlyoffice": "/people/a5ee76ec-d4c2-57ab-8880-b5167a0dfbf1",
    "hub": "/users/267c24ef-aa88-5764-99b2-4df30f542275",
}


@pytest.mark.timeout(120)
def test_an_offboarding_approved_on_both_replicas_at_once_writes_once_to_each_vendor(
    replicas: list[Rig], pg_url: str
) -> None:
    first, _ = replicas
    first.command("offboard julia.meyer@acme.test reason=left")
    [(request_id, ts)] = card_ids(first, 1).items()

    start = threading.Barrier(CLICKS)
    statuses: list[int] = []

    def click(n: int) -> None:
        start.wait()
        statuses.append(replicas[n % 2].click(messages.APPROVE, request_id, BOSS, ts).status)

    workers = [threading.Thread(target=click, args=(n,)) for n in range(CLICKS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert statuses == [200] * CLICKS

    first.slack.wait_for("chat.postMessage", 4, where=lambda c: c.args.get("thread_ts") == ts, timeout=60)
    writes = {
        "kaiten": [r for r in first.kaiten.requests("PATCH") if r.path.endswith(JULIA["kaiten"])],
        "onlyoffice": [r for r in first.onlyoffice.requests("PUT") if r.path.endswith(JULIA["onlyoffice"])],
        "hub": [r for r in first.hub.requests("POST") if r.path.endswith(JULIA["hub"])],
    }
    assert {vendor: len(calls) for vendor, calls in writes.items()} == {
        "kaiten": 1,
        "onlyoffice": 1,
        "hub": 1,
    }
    thread = first.slack.thread(CHANNEL, ts)
    assert len(thread) == 4 and str(thread[-1].text).startswith("✅ Done"), [m.text for m in thread]

    entries = asyncio.run(audit_of(pg_url))
    moves = Counter(e.to_state for e in entries if e.request_id == request_id and e.to_state)
    assert moves == Counter({"pending": 1, "approved": 1, "running": 1, "done": 1}), moves


@pytest.mark.timeout(120)
def test_a_change_made_for_two_seconds_ends_once_with_two_replicas(replicas: list[Rig], pg_url: str) -> None:
    first, second = replicas
    group = "00000000-0000-4000-8000-000000000001"
    first.command(f"kaiten group {group} grant tags for 2s reason=audit")
    [(request_id, ts)] = card_ids(first, 1).items()
    second.click(messages.APPROVE, request_id, BOSS, ts)
    first.slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("thread_ts") == ts and "ended" in str(c.args.get("text")),
        timeout=40,
    )
    time.sleep(6)  # another round of both replicas' upkeep: nothing more happens

    patches = [r for r in first.kaiten.requests("PATCH") if r.path.endswith(group) and r.status == 200]
    assert [p.json()["permissions"] for p in patches] == [3 | 512, 3]  # the grant, then one revoke
    reverts = [m for m in first.slack.cards() if "Revert request" in json.dumps(m.blocks)]
    assert len(reverts) == 1
    entries = asyncio.run(audit_of(pg_url))
    assert Counter(e.event for e in entries if e.request_id == request_id)["ended"] == 1
