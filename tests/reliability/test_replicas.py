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
        request_id = re.search(r"Change request (\w+)", json.dumps(post.args["blocks"])).group(1)  # type: ignore[union-attr]
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
