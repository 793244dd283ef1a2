"""Exactly once: however many Approve clicks arrive at the same moment, on however many
connections, engines or threads, one caller sees `approved_now` and one claim runs the request."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import pytest

from bot.store.core import Store
from bot.store.rows import ApprovalResult

from .conftest import Clock, NewRequest

LEASE = dt.timedelta(seconds=60)
APPROVERS = [f"U0APPR{i:02d}" for i in range(50)]


async def _claims(stores: list[Store], request_id: str, n: int) -> list[bool]:
    return await asyncio.gather(
        *(stores[i % len(stores)].claim(request_id, f"host-{i}:1", LEASE) for i in range(n))
    )


async def _one_each(store: Store, request_id: str) -> None:
    entries = await store.audit(request_id=request_id)
    assert [e.event for e in entries if e.to_state == "approved"] == ["approved"]
    assert [e.event for e in entries if e.to_state == "running"] == ["running"]
    row = await store.get(request_id)
    assert row is not None and row.state == "running" and row.runs == 1


@pytest.mark.parametrize("required", [1, 2])
async def test_fifty_approvals_at_once_approve_and_run_once(
    store: Store, new_request: NewRequest, required: int
) -> None:
    row = await new_request(approvals_required=required)

    results = await asyncio.gather(*(store.approve(row.id, who) for who in APPROVERS))

    [winner] = [r for r in results if r.approved_now]
    assert len(winner.approvers) == required
    assert sum(r.recorded for r in results) == required  # the later clicks found it approved
    assert all(r.state == "approved" for r in results if not r.recorded)
    assert sum(await _claims([store], row.id, 50)) == 1
    await _one_each(store, row.id)


async def test_the_same_approver_clicking_fifty_times_counts_once(
    store: Store, new_request: NewRequest
) -> None:
    row = await new_request(approvals_required=2)

    results = await asyncio.gather(*(store.approve(row.id, "U0BOSS") for _ in range(50)))

    assert sum(r.recorded for r in results) == 1
    assert not any(r.approved_now for r in results)
    after = await store.get(row.id)
    assert after is not None and after.state == "pending" and after.approvers == ["U0BOSS"]
    assert [e.event for e in await store.audit(request_id=row.id)] == ["created", "approval"]


async def test_approvals_from_several_engines_approve_once(
    db_url: str, clock: Clock, store: Store, new_request: NewRequest
) -> None:
    """Several engines on one database stand for several replicas."""
    row = await new_request(approvals_required=2)
    others = [await Store.open(db_url, clock=clock) for _ in range(3)]
    try:
        stores = [store, *others]
        results = await asyncio.gather(
            *(stores[i % len(stores)].approve(row.id, who) for i, who in enumerate(APPROVERS))
        )
        assert sum(r.approved_now for r in results) == 1
        assert sum(await _claims(stores, row.id, 40)) == 1
    finally:
        for other in others:
            await other.close()
    await _one_each(store, row.id)


async def test_sqlite_writers_in_several_threads_wait_for_each_other(sqlite_path: Path, clock: Clock) -> None:
    """Five threads, each with its own event loop and engine, as five processes would be."""
    url = f"sqlite:///{sqlite_path}"
    store = await Store.open(url, clock=clock)
    try:
        row = await store.create(
            requester="U0ANNA",
            vendor="hub",
            obj="user",
            action="ban",
            targets=["me"],
            fields={"banned": True},
            approvals_required=2,
            expires_at=clock() + dt.timedelta(hours=1),
        )
        approvals: list[ApprovalResult] = []
        claims: list[bool] = []
        gate = threading.Barrier(5, timeout=60)  # a thread that fails breaks it, not the run

        async def replica(n: int) -> None:
            mine = await Store.open(url, clock=clock)
            try:
                who = APPROVERS[n * 10 : n * 10 + 10]
                gate.wait()
                approvals.extend(await asyncio.gather(*(mine.approve(row.id, w) for w in who)))
                gate.wait()
                claims.extend(
                    await asyncio.gather(*(mine.claim(row.id, f"t{n}:{i}", LEASE) for i in range(10)))
                )
            finally:
                await mine.close()

        threads = [threading.Thread(target=asyncio.run, args=(replica(n),)) for n in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(approvals) == 50 and len(claims) == 50
        assert sum(r.approved_now for r in approvals) == 1
        assert sum(claims) == 1
        await _one_each(store, row.id)
    finally:
        await store.close()
