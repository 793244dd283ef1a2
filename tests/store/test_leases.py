"""Time in the store: a run holds a lease that a live process renews, a dead process's run is
taken up by another once the lease runs out, and a pending request expires after its time."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store.core import Store

from .conftest import Clock, NewRequest

LEASE = dt.timedelta(seconds=60)


async def _running(store: Store, new_request: NewRequest, owner: str = "host-a:1") -> str:
    row = await new_request(approvals_required=0)
    assert await store.claim(row.id, owner, LEASE, from_states=("pending",))
    return row.id


async def test_a_renewed_lease_is_not_stale(store: Store, new_request: NewRequest, clock: Clock) -> None:
    request_id = await _running(store, new_request)
    clock.advance(seconds=50)
    assert await store.renew(request_id, "host-a:1", LEASE) is True
    clock.advance(seconds=50)

    assert await store.stale_running(clock()) == []
    row = await store.get(request_id)
    assert row is not None and row.lease_until == clock() + dt.timedelta(seconds=10)


async def test_a_run_whose_lease_ran_out_is_taken_up_by_another_process(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    request_id = await _running(store, new_request)
    assert await store.claim(request_id, "host-b:2", LEASE, from_states=("running",)) is False

    clock.advance(seconds=61)
    assert await store.stale_running(clock()) == [request_id]
    takers = await asyncio.gather(
        *(store.claim(request_id, f"host-{n}:2", LEASE, from_states=("running",)) for n in "bcdef")
    )

    assert sum(takers) == 1
    new_owner = f"host-{'bcdef'[takers.index(True)]}:2"
    row = await store.get(request_id)
    assert row is not None and (row.lease_owner, row.runs) == (new_owner, 2)
    assert await store.stale_running(clock()) == []
    entry = (await store.audit(request_id=request_id))[-1]
    assert (entry.event, entry.from_state, entry.to_state, entry.actor) == (
        "taken_up",
        "running",
        "running",
        "steward",
    )
    assert entry.detail is not None and entry.detail["previous_owner"] == "host-a:1"
    # The first process, back from the dead, no longer owns the run.
    assert await store.renew(request_id, "host-a:1", LEASE) is False
    assert await store.transition(request_id, "running", "done", "steward", "done", owner="host-a:1") is False
    assert await store.transition(request_id, "running", "done", "steward", "done", owner=new_owner) is True


async def test_an_approved_request_nobody_claimed_is_found(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    row = await new_request()
    await store.approve(row.id, "U0BOSS")
    assert await store.unclaimed(clock()) == []
    clock.advance(minutes=2)
    assert await store.unclaimed(clock() - dt.timedelta(minutes=1)) == [row.id]
    assert await store.claim(row.id, "host-a:1", LEASE)
    assert await store.unclaimed(clock()) == []


async def test_pending_requests_expire_after_their_time(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    soon = await new_request(expires_at=clock() + dt.timedelta(hours=1), secret=b"sealed")
    later = await new_request(expires_at=clock() + dt.timedelta(hours=3))
    approved = await new_request(expires_at=clock() + dt.timedelta(hours=1))
    await store.approve(approved.id, "U0BOSS")

    assert await store.expire_due(clock()) == []
    clock.advance(hours=2)
    assert await store.expire_due(clock()) == [soon.id]
    assert await store.expire_due(clock()) == []

    row = await store.get(soon.id)
    assert row is not None and (row.state, row.finished_at, row.secret) == ("expired", clock(), None)
    entry = (await store.audit(request_id=soon.id))[-1]
    assert (entry.actor, entry.event, entry.from_state, entry.to_state) == (
        "steward",
        "expired",
        "pending",
        "expired",
    )
    for other, state in ((later, "pending"), (approved, "approved")):
        current = await store.get(other.id)
        assert current is not None and current.state == state
    assert await store.owed_announcements() == [soon.id]
    assert (await store.approve(soon.id, "U0BOSS")).recorded is False  # too late


async def test_two_replicas_expiring_at_once_expire_each_request_once(
    db_url: str, store: Store, new_request: NewRequest, clock: Clock
) -> None:
    rows = [await new_request(expires_at=clock() + dt.timedelta(minutes=1)) for _ in range(10)]
    clock.advance(minutes=2)
    other = await Store.open(db_url, clock=clock)
    try:
        first, second = await asyncio.gather(store.expire_due(clock()), other.expire_due(clock()))
    finally:
        await other.close()

    assert sorted(first + second) == sorted(r.id for r in rows)
    assert not set(first) & set(second)
    expired = [e for e in await store.audit() if e.event == "expired"]
    assert len(expired) == 10
