"""The store's state changes, each run inside the caller's transaction.

Each one reads the request under a row lock (PostgreSQL `FOR UPDATE`; SQLite takes its write
lock at BEGIN IMMEDIATE), then makes one conditional UPDATE (`… WHERE id = :id AND state IN
(…)`) whose returned row says who won (and is the request as it now is), and writes the audit
entry only when it won. So counting approvals and deciding "that was the last one" cannot
interleave between replicas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import audit, ends
from bot.store.audit import mask
from bot.store.rows import ApprovalResult, NoSuchRequest
from bot.store.schema import FINAL_STATES, STATES, approvals, requests

#: Columns a transition may set besides the state; JSON ones are masked on the way in.
SETTABLE = frozenset(
    {"outcome", "card", "card_channel", "card_ts", "decided_by", "secret", "announced", "deliver_until"}
)
_JSON_COLUMNS = frozenset({"outcome", "card"})

c = requests.c


# The statements of the common moves, built once; their values go in at execution (`rid` is the
# request id), so that SQLAlchemy neither builds nor keys a statement anew for every request.
_LOCK = (
    sa.select(
        c.state,
        c.vendor,
        c.approvals_required,
        c.lease_owner,
        c.expires_at,
        c.secret.is_not(None).label("has_secret"),
    )
    .where(c.id == sa.bindparam("rid"))
    .with_for_update()
)
_MOVE = requests.update().where(
    c.id == sa.bindparam("rid"), c.state.in_(sa.bindparam("from_states", expanding=True))
)
_MOVE_OWNED = _MOVE.where(c.lease_owner == sa.bindparam("owner"))
_CLAIM = _MOVE.where(
    # A running request is taken up only once its lease has run out (its process died).
    sa.or_(c.state != "running", c.lease_until.is_(None), c.lease_until < sa.bindparam("now"))
).values(runs=c.runs + 1)
_MOVE, _MOVE_OWNED, _CLAIM = (move.returning(*c) for move in (_MOVE, _MOVE_OWNED, _CLAIM))


class Moved(NamedTuple):
    before: sa.Row[Any]  # what `lock` read: state, vendor, lease owner, whether a secret is kept
    after: sa.Row[Any]  # the whole row as the move left it


def lock(conn: sa.Connection, request_id: str) -> sa.Row[Any] | None:
    """The request's state, under a row lock held to the end of the transaction."""
    return conn.execute(_LOCK, {"rid": request_id}).first()


def transition(
    conn: sa.Connection,
    now: dt.datetime,
    request_id: str,
    from_states: tuple[str, ...],
    to_state: str,
    actor: str,
    event: str,
    detail: Mapping[str, Any] | None,
    owner: str | None,
    columns: Mapping[str, Any],
) -> Moved | None:
    """The request before and after, when this call moved it; None when it did not."""
    if to_state not in STATES or not set(from_states) <= STATES:
        raise ValueError(f"unknown state in {from_states} → {to_state}")
    if unknown := set(columns) - SETTABLE:
        raise TypeError(f"transition() cannot set {', '.join(sorted(unknown))}")
    values = {k: (mask(v) if k in _JSON_COLUMNS else v) for k, v in columns.items()}
    values |= {"state": to_state, "updated_at": now}
    if to_state != "running":
        values |= {"lease_owner": None, "lease_until": None}
    if to_state in FINAL_STATES:
        values |= {"finished_at": now, "secret": None}
    if to_state in ("rejected", "cancelled"):
        values.setdefault("decided_by", actor)
    where = {"rid": request_id, "from_states": list(from_states)}
    update = _MOVE if owner is None else _MOVE_OWNED
    if owner is not None:
        where["owner"] = owner
    before = lock(conn, request_id)
    if before is None:
        return None
    if to_state != "expired" and expire_if_due(conn, now, request_id, before):
        return None
    after = conn.execute(update, where | values).first()
    if after is None:
        return None
    if to_state in ends.MADE:  # a change made for a while: when it ends, set as it finishes
        after = ends.set_end(conn, after)
        if after.ends_at is not None:
            detail = {**(detail or {}), "ends_at": after.ends_at}
    move = (before.state, to_state)
    audit.write(conn, request_id, actor, event, detail, at=now, vendor=before.vendor, move=move)
    return Moved(before, after)


def approve(conn: sa.Connection, now: dt.datetime, request_id: str, approver: str) -> ApprovalResult:
    before = lock(conn, request_id)
    if before is None:
        raise NoSuchRequest(request_id)
    required, state, recorded, approved_now = before.approvals_required, before.state, False, False
    if expire_if_due(conn, now, request_id, before):
        state = "expired"
    elif state == "pending":
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        added = (
            insert(approvals)
            .values(request_id=request_id, approver=approver, at=now)
            .on_conflict_do_nothing()
        )
        recorded = conn.execute(added.returning(approvals.c.approver)).first() is not None
    query = sa.select(approvals.c.approver).where(approvals.c.request_id == request_id)
    who = tuple(conn.scalars(query.order_by(approvals.c.at, approvals.c.approver)))
    if recorded and len(who) >= required:
        flip = requests.update().where(c.id == request_id, c.state == "pending")
        approved_now = conn.execute(flip.values(state="approved", updated_at=now)).rowcount == 1
    if approved_now:
        state = "approved"
        detail = {"approvers": list(who), "required": required}
        move = ("pending", "approved")
        audit.write(conn, request_id, approver, "approved", detail, at=now, vendor=before.vendor, move=move)
    elif recorded:
        detail = {"approvals": len(who), "required": required}
        audit.write(conn, request_id, approver, "approval", detail, at=now, vendor=before.vendor)
    return ApprovalResult(recorded, approved_now, who, required, state)


def claim(
    conn: sa.Connection,
    now: dt.datetime,
    request_id: str,
    owner: str,
    lease: dt.timedelta,
    from_states: tuple[str, ...],
    locked: sa.Row[Any] | None = None,
) -> sa.Row[Any] | None:
    """The request as claimed, or None when this call did not claim it. `locked`: the request
    as this transaction already holds it under its lock (it just moved it), read again otherwise."""
    where = {"rid": request_id, "from_states": list(from_states), "now": now}
    values = {"state": "running", "lease_owner": owner, "lease_until": now + lease, "updated_at": now}
    before = locked if locked is not None else lock(conn, request_id)
    if before is None:
        return None
    claimed = conn.execute(_CLAIM, where | values).first()
    if claimed is None:
        return None
    detail = {"owner": owner, "lease_until": now + lease}
    event = "running"
    if before.state == "running":
        event, detail["previous_owner"] = "taken_up", before.lease_owner
    move = (before.state, "running")
    audit.write(conn, request_id, "steward", event, detail, at=now, vendor=before.vendor, move=move)
    return claimed


def expire_if_due(conn: sa.Connection, now: dt.datetime, request_id: str, before: sa.Row[Any]) -> bool:
    """Expire a pending request whose time to live has run out, as a decision on it finds it
    (whether or not upkeep has come by yet): the decision fails in the same transaction that
    would have made it. Its announcement is owed (upkeep, or the decider, delivers it)."""
    if before.state != "pending" or before.expires_at is None or before.expires_at >= now:
        return False
    due = requests.update().where(c.id == request_id, c.state == "pending")
    due = due.values(state="expired", updated_at=now, finished_at=now, secret=None, deliver_until=None)
    if conn.execute(due).rowcount != 1:
        return False
    detail = {"expires_at": before.expires_at, "found_by": "a decision"}
    audit.write(
        conn,
        request_id,
        "steward",
        "expired",
        detail,
        at=now,
        vendor=before.vendor,
        move=("pending", "expired"),
    )
    return True


def expire_due(conn: sa.Connection, now: dt.datetime, deliver_until: dt.datetime | None) -> list[str]:
    """Expire what is due; the caller announces it, holding the delivery until `deliver_until`."""
    due = requests.update().where(c.state == "pending", c.expires_at < now)
    due = due.values(
        state="expired", updated_at=now, finished_at=now, secret=None, deliver_until=deliver_until
    )
    rows = conn.execute(due.returning(c.id, c.vendor, c.expires_at)).all()
    for row in rows:
        detail = {"expires_at": row.expires_at}
        move = ("pending", "expired")
        audit.write(conn, row.id, "steward", "expired", detail, at=now, vendor=row.vendor, move=move)
    return sorted(row.id for row in rows)
