"""Changes made for a while (issue 17, point 3): the store knows when each one ends, from the
moment it finishes, and hands out each due end, and each heads-up, exactly once, across
replicas; an end taken by a process that died is taken up again once its hold runs out."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot.store.core import Store, StoredRequest

from .conftest import START, Clock, NewRequest

LEASE = dt.timedelta(seconds=60)
HOUR = dt.timedelta(hours=1)


async def finish(store: Store, row: StoredRequest, state: str = "done") -> StoredRequest:
    """Approve, run and end `row` in `state` as the pipeline does."""
    assert (await store.approve(row.id, "U0BOSS")).approved_now
    assert await store.claim(row.id, "host-a:1", LEASE)
    ended = await store.move(row.id, "running", state, "steward", state, {"ok": 1}, owner="host-a:1")
    assert ended is not None
    return ended


async def ended_for(store: Store, new_request: NewRequest, clock: Clock, **lasting: Any) -> StoredRequest:
    row = await new_request(**lasting)
    clock.advance(minutes=5)  # approved and run a while after it was asked
    return await finish(store, row)


async def test_a_change_made_for_a_while_ends_its_duration_after_it_finished(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    row = await new_request(lasting=8 * HOUR)
    assert row.card == {"lasting": {"for": 8 * 3600}} and row.ends_at is None
    clock.advance(minutes=5)

    done = await finish(store, row)

    assert done.finished_at == START + dt.timedelta(minutes=5)
    assert done.ends_at == done.finished_at + 8 * HOUR and done.end_state is None
    final = [e for e in await store.audit(request_id=row.id) if e.to_state == "done"]
    assert final[0].detail == {"ok": 1, "ends_at": done.ends_at.isoformat()}
    created = (await store.audit(request_id=row.id))[0]
    assert created.detail is not None and created.detail["lasting"] == {"for": 8 * 3600}


async def test_a_change_made_until_a_time_ends_then_and_a_partly_done_one_ends_too(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    until = START + dt.timedelta(days=2)
    row = await new_request(until=until, card={"targets": []})
    assert row.card == {"targets": [], "lasting": {"until": until.isoformat()}}

    partly = await finish(store, row, "partly_done")

    assert partly.ends_at == until


async def test_a_change_that_failed_or_lasts_has_no_end(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    failed = await finish(store, await new_request(lasting=HOUR), "failed")
    lasting = await finish(store, await new_request())
    assert failed.ends_at is None and lasting.ends_at is None
    clock.advance(days=3)
    assert await store.due_ends(clock()) == []


async def test_due_ends_are_the_finished_changes_whose_time_is_up_and_each_is_taken_once(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    first = await ended_for(store, new_request, clock, lasting=HOUR)
    second = await ended_for(store, new_request, clock, lasting=2 * HOUR)
    pending = await new_request(lasting=HOUR)  # not run yet: nothing to end
    assert await store.due_ends(clock()) == []

    clock.now = first.ends_at  # type: ignore[assignment]
    assert await store.due_ends(clock()) == [first.id]
    clock.now = second.ends_at  # type: ignore[assignment]
    assert await store.due_ends(clock()) == [first.id, second.id]
    assert pending.id not in await store.due_ends(clock() + dt.timedelta(days=9))

    assert await store.take_end(first.id, clock())
    assert not await store.take_end(first.id, clock())  # taken: nobody takes it again
    assert await store.due_ends(clock()) == [second.id]
    taken = await store.get(first.id)
    assert taken is not None and taken.end_state == "ending" and taken.ending_until == clock() + LEASE * 5

    assert await store.finish_end(first.id, "ended", {"request": "RVRT2345"})
    assert not await store.finish_end(first.id, "not_ended", {"why": "twice"})
    after = await store.get(first.id)
    assert after is not None and after.end_state == "ended" and after.ending_until is None
    events = [(e.event, e.detail) for e in await store.audit(request_id=first.id)][-2:]
    assert events[0][0] == "end_taken" and events[0][1] is not None
    assert events[1] == ("ended", {"request": "RVRT2345"})
    clock.advance(days=1)
    assert first.id not in await store.due_ends(clock())


async def test_an_end_not_due_yet_may_be_taken_early_and_one_not_taken_cannot_be_finished(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    done = await ended_for(store, new_request, clock, lasting=HOUR)
    assert not await store.finish_end(done.id, "ended", {})  # not taken
    with pytest.raises(ValueError, match="ended or not_ended"):
        await store.finish_end(done.id, "ending", {})
    assert not await store.take_end("NOSUCH23", clock())
    lasting = await ended_for(store, new_request, clock)
    assert not await store.take_end(lasting.id, clock())  # it never was to end

    assert await store.take_end(done.id, clock())  # End now, before its time
    assert not await store.take_end(done.id, clock())


async def test_an_end_taken_by_a_process_that_died_is_taken_up_once_its_hold_runs_out(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    done = await ended_for(store, new_request, clock, lasting=HOUR)
    clock.now = done.ends_at  # type: ignore[assignment]
    assert await store.take_end(done.id, clock(), lease=LEASE)

    clock.advance(seconds=59)
    assert await store.due_ends(clock()) == [] and not await store.take_end(done.id, clock())
    clock.advance(seconds=2)
    assert await store.due_ends(clock()) == [done.id]
    assert await store.take_end(done.id, clock(), lease=LEASE)
    entries = await store.audit(request_id=done.id)
    assert [e.event for e in entries][-2:] == ["end_taken", "end_taken_up"]


async def test_once_the_request_that_ends_it_exists_the_end_is_not_taken_up_again(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    done = await ended_for(store, new_request, clock, lasting=HOUR)
    clock.now = done.ends_at  # type: ignore[assignment]
    assert await store.take_end(done.id, clock(), lease=LEASE)

    revert = await new_request(reverts=done.id, requester="steward", approvals_required=0)

    carried = await store.get(done.id)
    assert carried is not None and carried.end_state == "ending" and carried.ending_until is None
    clock.advance(days=1)  # however long the revert takes, its own lease covers it
    assert await store.due_ends(clock()) == [] and not await store.take_end(done.id, clock())
    assert await store.finish_end(done.id, "not_ended", {"request": revert.id, "why": "drift"})


async def test_two_replicas_taking_the_same_due_end_one_wins(
    db_url: str, store: Store, new_request: NewRequest, clock: Clock
) -> None:
    done = await ended_for(store, new_request, clock, lasting=HOUR)
    clock.now = done.ends_at  # type: ignore[assignment]
    others = [await Store.open(db_url, clock=clock) for _ in range(3)]
    try:
        stores = [store, *others]
        taken = await asyncio.gather(*(stores[i % 4].take_end(done.id, clock()) for i in range(40)))
        assert sum(taken) == 1
        finished = await asyncio.gather(*(stores[i % 4].finish_end(done.id, "ended", {}) for i in range(40)))
        assert sum(finished) == 1
    finally:
        for other in others:
            await other.close()
    events = [e.event for e in await store.audit(request_id=done.id)]
    assert events.count("end_taken") == 1 and events.count("ended") == 1


async def test_the_heads_up_comes_an_hour_before_the_end_or_at_nine_tenths_of_a_shorter_time(
    db_url: str, store: Store, new_request: NewRequest, clock: Clock
) -> None:
    long = await ended_for(store, new_request, clock, lasting=dt.timedelta(hours=12))
    short = await ended_for(store, new_request, clock, lasting=dt.timedelta(minutes=50))
    assert long.ends_at is not None and short.ends_at is not None and short.finished_at is not None

    clock.now = short.finished_at + dt.timedelta(minutes=44, seconds=59)
    assert await store.due_warnings(clock()) == []
    clock.now = short.finished_at + dt.timedelta(minutes=45)  # 90% of 50 minutes
    assert await store.due_warnings(clock()) == [short.id]
    clock.now = short.ends_at
    assert await store.due_warnings(clock()) == []  # due to end now: the end itself says it
    clock.now = long.ends_at - HOUR - dt.timedelta(seconds=1)
    assert await store.due_warnings(clock()) == []
    clock.now = long.ends_at - HOUR
    assert await store.due_warnings(clock()) == [long.id]

    other = await Store.open(db_url, clock=clock)
    try:
        taken = await asyncio.gather(*(s.take_warning(long.id, clock()) for s in [store, other] * 10))
    finally:
        await other.close()
    assert sum(taken) == 1
    assert await store.due_warnings(clock()) == []
    warned = await store.get(long.id)
    assert warned is not None and warned.end_warned_at == clock()
    assert [e.event for e in await store.audit(request_id=long.id)][-1] == "end_warned"


async def test_extending_moves_the_end_and_asks_for_a_new_heads_up_while_it_has_not_begun(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    done = await ended_for(store, new_request, clock, lasting=2 * HOUR)
    assert done.ends_at is not None
    clock.now = done.ends_at - HOUR
    assert await store.take_warning(done.id, clock())
    later = done.ends_at + dt.timedelta(hours=4)

    assert await store.extend(done.id, later, "U0ANNA")

    moved = await store.get(done.id)
    assert moved is not None and moved.ends_at == later and moved.end_warned_at is None
    entry = (await store.audit(request_id=done.id))[-1]
    assert (entry.event, entry.actor) == ("extended", "U0ANNA")
    assert entry.detail == {"from": done.ends_at.isoformat(), "to": later.isoformat()}
    clock.now = later
    assert await store.take_end(done.id, clock())
    assert not await store.extend(done.id, later + HOUR, "U0ANNA")  # too late: it is ending
    lasting = await ended_for(store, new_request, clock)
    assert not await store.extend(lasting.id, later, "U0ANNA")  # it never was to end
