"""Two Steward replicas on one PostgreSQL database, many Approve clicks at the same moment:
every request runs exactly once and every card ends in one final state."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter

from bot import messages
from tests.e2e.conftest import BOSS, CHANNEL, Rig
from tests.reliability.conftest import audit_of

QA = "00000000-0000-4000-8000-000000000001"
REQUESTS = 5
CLICKS = 50  # in all, spread evenly over the requests and over both replicas


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


def test_fifty_simultaneous_approvals_over_two_replicas_run_each_request_once(
    replicas: list[Rig], pg_url: str
) -> None:
    first, second = replicas
    for n in range(REQUESTS):
        (first if n % 2 else second).command(f"kaiten group {QA} grant tags reason=audit-{n}")
    cards = card_ids(first, REQUESTS)
    assert len(cards) == REQUESTS

    start = threading.Barrier(CLICKS)
    statuses: list[int] = []

    def click(n: int) -> None:
        request_id, ts = list(cards.items())[n % REQUESTS]
        start.wait()
        statuses.append(replicas[n % 2].click(messages.APPROVE, request_id, BOSS, ts).status)

    workers = [threading.Thread(target=click, args=(n,)) for n in range(CLICKS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert statuses == [200] * CLICKS

    for ts in cards.values():  # every thread gets its outcome
        first.slack.wait_for("chat.postMessage", where=lambda c, ts=ts: c.args.get("thread_ts") == ts)
    # Each replica paces Kaiten on its own, so together they can exceed Kaiten's rate limit:
    # a PATCH answered 429 was not applied and is retried; only applied ones count.
    patches = [p for p in first.kaiten.requests("PATCH") if p.status == 200]
    assert len(patches) == REQUESTS and {p.path for p in patches} == {f"/api/latest/company/groups/{QA}"}

    finals = {m.ts: m.text for m in first.slack.cards()}
    for ts in cards.values():
        assert "Done" in finals[ts], finals[ts]

    entries = asyncio.run(audit_of(pg_url))
    running = Counter(e.request_id for e in entries if e.to_state == "running")
    done = Counter(e.request_id for e in entries if e.to_state == "done")
    assert running == Counter(dict.fromkeys(cards, 1))
    assert done == Counter(dict.fromkeys(cards, 1))
