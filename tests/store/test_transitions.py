"""A request's life in the store: every state change is one conditional update with its audit
entry, and a change that loses (wrong state, wrong lease owner) writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.store.core import Store
from bot.store.engine import create_engine
from bot.store.rows import NoSuchRequest

from .conftest import Clock, NewRequest

LEASE = dt.timedelta(seconds=60)


async def test_a_new_request_is_pending_with_a_readable_id_and_a_created_entry(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    row = await new_request()

    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", row.id)
    assert row.state == "pending"
    assert (row.vendor, row.obj, row.action, row.requester) == ("kaiten", "user", "set", "U0ANNA")
    assert row.targets == [{"id": "42", "label": "Boris Petrov <boris@acme.test>"}]
    assert row.fields == {"username": "bpetrov"}
    assert row.created_at == clock() and row.expires_at == clock() + dt.timedelta(hours=24)
    assert row.approvals == () and row.runs == 0 and row.secret is None
    assert await store.get(row.id.lower()) == row  # ids are read back in any case
    [entry] = await store.audit(request_id=row.id)
    assert (entry.actor, entry.event, entry.from_state, entry.to_state) == (
        "U0ANNA",
        "created",
        None,
        "pending",
    )
    assert entry.vendor == "kaiten"
    assert entry.detail is not None and entry.detail["fields"] == {"username": "bpetrov"}


async def test_ids_do_not_repeat(new_request: NewRequest) -> None:
    ids = {(await new_request()).id for _ in range(30)}
    assert len(ids) == 30


async def test_an_unknown_request_is_none_and_approving_it_says_so(store: Store) -> None:
    assert await store.get("R7K3QF2M") is None
    with pytest.raises(NoSuchRequest, match="There is no request R7K3QF2M"):
        await store.approve("R7K3QF2M", "U0BOSS")
    assert await store.transition("R7K3QF2M", "pending", "cancelled", "U0ANNA", "cancelled") is False
    assert await store.claim("R7K3QF2M", "host:1", LEASE) is False


@pytest.mark.parametrize(("decision", "actor"), [("rejected", "U0BOSS"), ("cancelled", "U0ANNA")])
async def test_a_pending_request_is_decided_once(
    store: Store, new_request: NewRequest, clock: Clock, decision: str, actor: str
) -> None:
    row = await new_request(secret=b"sealed-password")
    clock.advance(minutes=5)

    assert await store.transition(row.id, "pending", decision, actor, decision, {"note": "no"}) is True
    assert await store.transition(row.id, "pending", "approved", "steward", "approved") is False

    after = await store.get(row.id)
    assert after is not None
    assert (after.state, after.decided_by, after.finished_at, after.secret) == (
        decision,
        actor,
        clock(),
        None,
    )
    entries = await store.audit(request_id=row.id)
    assert [(e.event, e.from_state, e.to_state, e.actor) for e in entries] == [
        ("created", None, "pending", "U0ANNA"),
        (decision, "pending", decision, actor),
    ]
    assert entries[-1].detail == {"note": "no"} and entries[-1].at == clock()


@pytest.mark.parametrize("final", ["done", "failed", "partly_done"])
async def test_the_whole_way_from_pending_to_a_final_state(
    store: Store, new_request: NewRequest, clock: Clock, final: str
) -> None:
    row = await new_request(secret=b"sealed-password")

    approval = await store.approve(row.id, "U0BOSS")
    assert approval.approved_now and approval.state == "approved"
    assert await store.claim(row.id, "host-a:1", LEASE) is True
    running = await store.get(row.id)
    assert running is not None
    assert (running.state, running.lease_owner, running.lease_until) == (
        "running",
        "host-a:1",
        clock() + LEASE,
    )
    assert running.runs == 1 and running.secret == b"sealed-password"
    outcome = [{"id": "42", "ok": final == "done", "values": {"username": "bpetrov"}}]
    assert await store.transition(
        row.id, "running", final, "steward", final, {"ok": 1}, owner="host-a:1", outcome=outcome
    )

    after = await store.get(row.id)
    assert after is not None
    assert (after.state, after.outcome, after.lease_owner, after.lease_until) == (final, outcome, None, None)
    assert after.secret is None and after.final and after.approvers == ["U0BOSS"]
    moves = [(e.event, e.from_state, e.to_state, e.actor) for e in await store.audit(request_id=row.id)]
    assert moves == [
        ("created", None, "pending", "U0ANNA"),
        ("approved", "pending", "approved", "U0BOSS"),
        ("running", "approved", "running", "steward"),
        (final, "running", final, "steward"),
    ]


async def test_a_change_that_needs_no_approval_runs_straight_from_pending(
    store: Store, new_request: NewRequest
) -> None:
    row = await new_request(approvals_required=0)
    assert await store.claim(row.id, "host-a:1", LEASE, from_states=("pending", "approved")) is True
    [*_, entry] = await store.audit(request_id=row.id)
    assert (entry.event, entry.from_state, entry.to_state) == ("running", "pending", "running")


async def test_a_losing_update_returns_false_and_writes_no_audit_entry(
    store: Store, new_request: NewRequest
) -> None:
    row = await new_request()
    before = await store.audit(request_id=row.id)

    assert await store.transition(row.id, "running", "done", "steward", "done") is False
    assert await store.transition(row.id, ("approved", "running"), "failed", "steward", "failed") is False
    assert await store.claim(row.id, "host-a:1", LEASE) is False  # not approved yet
    await store.transition(row.id, "pending", "approved", "steward", "approved")
    await store.claim(row.id, "host-a:1", LEASE)
    middle = await store.audit(request_id=row.id)
    assert await store.transition(row.id, "running", "done", "host-b:2", "done", owner="host-b:2") is False
    assert await store.claim(row.id, "host-b:2", LEASE, from_states=("running",)) is False  # lease still held
    assert await store.renew(row.id, "host-b:2", LEASE) is False

    assert len(middle) == len(before) + 2
    assert await store.audit(request_id=row.id) == middle
    after = await store.get(row.id)
    assert after is not None and (after.state, after.lease_owner) == ("running", "host-a:1")


async def test_transition_refuses_unknown_states_and_columns(store: Store, new_request: NewRequest) -> None:
    row = await new_request()
    with pytest.raises(ValueError, match="unknown state"):
        await store.transition(row.id, "pending", "finished", "steward", "finished")
    with pytest.raises(TypeError, match="cannot set requester"):
        await store.transition(row.id, "pending", "approved", "steward", "approved", requester="U0EVE")
    assert (await store.audit(request_id=row.id))[-1].event == "created"


async def test_a_refused_request_is_kept_for_the_audit_only(store: Store, new_request: NewRequest) -> None:
    row = await store.refuse(
        why="U0EVE is not on Steward's admin list for Kaiten",
        requester="U0EVE",
        vendor="kaiten",
        obj="group",
        action="grant",
        targets=["g-1"],
        fields={"permissions": 6},
        reason="",
    )
    assert row.state == "refused" and row.final and row.finished_at is not None
    [entry] = await store.audit(request_id=row.id)
    assert (entry.actor, entry.event, entry.to_state) == ("U0EVE", "refused", "refused")
    assert (
        entry.detail is not None and entry.detail["why"] == "U0EVE is not on Steward's admin list for Kaiten"
    )
    assert await store.owed_announcements() == []
    assert await store.transition(row.id, "pending", "approved", "steward", "approved") is False


async def test_card_place_and_announcements(store: Store, new_request: NewRequest) -> None:
    row = await new_request()
    await store.set_place(row.id, "C0APPROVE", "1700000000.000100")
    await store.set_card(row.id, {"targets": [{"id": "42", "current": {"username": "boris"}}]})
    await store.record(row.id, "U0CAROL", "refused_click", {"why": "not an approver"})
    await store.transition(row.id, "pending", "cancelled", "U0ANNA", "cancelled")

    after = await store.get(row.id)
    assert after is not None
    assert (after.card_channel, after.card_ts) == ("C0APPROVE", "1700000000.000100")
    assert after.card == {"targets": [{"id": "42", "current": {"username": "boris"}}]}
    click = (await store.audit(request_id=row.id))[1]
    assert (click.actor, click.event, click.vendor, click.from_state, click.to_state) == (
        "U0CAROL",
        "refused_click",
        "kaiten",
        None,
        None,
    )
    assert await store.owed_announcements() == [row.id]
    await store.mark_announced(row.id, "cancelled")
    assert await store.owed_announcements() == []
    with pytest.raises(NoSuchRequest):
        await store.set_outcome("R7K3QF2M", {})


async def test_ping_says_whether_the_database_answers(store: Store) -> None:
    assert await store.ping() is True
    unreachable = Store(
        create_engine("postgresql://steward@127.0.0.1:1/steward")
    )  # nothing listens on port 1
    try:
        assert await unreachable.ping() is False
    finally:
        await unreachable.close()


async def test_a_change_needing_no_approval_is_approved_claimed_and_placed_in_one_write(
    store: Store, new_request: NewRequest
) -> None:
    row = await new_request()

    taken = await store.take(
        row.id, "host-a:1", LEASE, approving="not sensitive", card_place=("C0OPS", "1.5")
    )

    assert taken is not None and taken == await store.get(row.id)  # the row as it is now
    assert (taken.state, taken.lease_owner, taken.runs) == ("running", "host-a:1", 1)
    assert (taken.card_channel, taken.card_ts) == ("C0OPS", "1.5")
    moves = [(e.event, e.from_state, e.to_state, e.actor) for e in await store.audit(request_id=row.id)]
    assert moves[1:] == [
        ("approved", "pending", "approved", "steward"),
        ("running", "approved", "running", "steward"),
    ]
    assert (await store.audit(request_id=row.id))[1].detail == {"why": "not sensitive"}
    # taken once: a second caller, or one for a request no longer pending, gets None
    assert await store.take(row.id, "host-b:1", LEASE, approving="not sensitive") is None
    assert await store.take(row.id, "host-b:1", LEASE) is None


async def test_a_move_returns_the_request_as_it_is_after_and_none_when_it_lost(
    store: Store, new_request: NewRequest
) -> None:
    row = await new_request()

    moved = await store.move(row.id, "pending", "cancelled", "U0ANNA", "cancelled")

    assert moved is not None and moved.state == "cancelled" and moved.decided_by == "U0ANNA"
    assert moved == await store.get(row.id)
    assert await store.move(row.id, "pending", "rejected", "U0BOSS", "rejected") is None
