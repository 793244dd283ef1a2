"""Changes made for a while (`for 8h`, `until …`): when each ends, and handing out each due end
and each heads-up exactly once, across replicas.

The asked time travels in the request's `card` JSON (`card["lasting"]`: `{"for": seconds}` or
`{"until": iso}`) from its creation; as the request ends `done` or `partly_done`, the same
transaction sets `ends_at` (`set_end`). An end then goes NULL → "ending" (one caller wins, held
until `ending_until`) → "ended" | "not_ended". A process that dies holding it leaves the hold to
run out, and the end is handed out again, unless the request that ends it (its `reverts`) was
made meanwhile: creating that request drops the hold in the same transaction (`carry`), and from
then on it, with its own lease, carries the end.

The work functions here run inside the store's write transactions (`Store._write`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from bot.store import audit
from bot.store.schema import requests

#: The states of a change that was made, and so may end.
MADE = ("done", "partly_done")
#: How the end of a change stands once it is settled.
SETTLED = ("ended", "not_ended")
#: How long the process that takes an end holds it before another may take it up.
ENDING_HOLD = dt.timedelta(minutes=5)
#: The heads-up comes this long before the end, or at 9/10 of a shorter time (`warning_at`).
WARNING_LEAD = dt.timedelta(hours=1)

c = requests.c
_MADE = sa.and_(c.state.in_(MADE), c.ends_at.is_not(None))
_RETURNING = (c.id, c.vendor, c.ends_at, c.end_state, c.ending_until)


def lasting_of(lasting: dt.timedelta | None, until: dt.datetime | None) -> dict[str, Any] | None:
    """What `card["lasting"]` keeps of the asked time (None: the change lasts)."""
    if lasting is not None:
        return {"for": int(lasting.total_seconds())}
    if until is not None:
        return {"until": until.astimezone(dt.UTC).isoformat()}
    return None


def end_of(card: Any, finished_at: dt.datetime) -> dt.datetime | None:
    """When a change that finished at `finished_at` ends, by its card's `lasting`."""
    lasting = card.get("lasting") if isinstance(card, dict) else None
    if not isinstance(lasting, dict):
        return None
    if "for" in lasting:
        return finished_at + dt.timedelta(seconds=int(lasting["for"]))
    if "until" in lasting:
        return dt.datetime.fromisoformat(str(lasting["until"])).astimezone(dt.UTC)
    return None


def set_end(conn: sa.Connection, after: sa.Row[Any]) -> sa.Row[Any]:
    """`after`, a request that has just ended done or partly done, with its `ends_at` set when it
    was made for a while (in the transaction that ended it)."""
    if after.state not in MADE or after.ends_at is not None or after.finished_at is None:
        return after
    ends_at = end_of(after.card, after.finished_at)
    if ends_at is None:
        return after
    update = requests.update().where(c.id == after.id).values(ends_at=ends_at).returning(*c)
    return conn.execute(update).one()


def carry(conn: sa.Connection, request_id: str) -> None:
    """A request that reverts `request_id` was just made: if `request_id`'s end is being taken,
    that request carries it now, and its hold no longer runs out."""
    update = requests.update().where(c.id == request_id, c.end_state == "ending")
    conn.execute(update.values(ending_until=None))


def takeable(now: dt.datetime) -> sa.ColumnElement[bool]:
    """Made changes with an end not taken, or taken by a process whose hold ran out."""
    taken_by_the_dead = sa.and_(c.end_state == "ending", c.ending_until < now)
    return sa.and_(_MADE, sa.or_(c.end_state.is_(None), taken_by_the_dead))


def due(now: dt.datetime) -> sa.ColumnElement[bool]:
    """`takeable` ends whose time has come."""
    return sa.and_(takeable(now), c.ends_at <= now)


def take(conn: sa.Connection, now: dt.datetime, request_id: str, hold: dt.timedelta) -> bool:
    update = requests.update().where(c.id == request_id, takeable(now))
    before = conn.execute(sa.select(*_RETURNING).where(c.id == request_id).with_for_update()).first()
    taken = conn.execute(update.values(end_state="ending", ending_until=now + hold).returning(*_RETURNING))
    row = taken.first()
    if row is None or before is None:
        return False
    detail: dict[str, Any] = {"ends_at": row.ends_at, "held_until": row.ending_until}
    event = "end_taken"
    if before.end_state == "ending":
        event, detail["previous_hold"] = "end_taken_up", before.ending_until
    audit.write(conn, request_id, "steward", event, detail, at=now, vendor=row.vendor)
    return True


def finish(
    conn: sa.Connection, now: dt.datetime, request_id: str, state: str, detail: Any, actor: str
) -> bool:
    if state not in SETTLED:
        raise ValueError(f"an end finishes ended or not_ended, not {state}")
    update = requests.update().where(c.id == request_id, c.end_state == "ending")
    update = update.values(end_state=state, ending_until=None, updated_at=now)
    row = conn.execute(update.returning(c.vendor)).first()
    if row is None:
        return False
    audit.write(conn, request_id, actor, state, detail, at=now, vendor=row.vendor)
    return True


def warning_at(ends_at: dt.datetime, finished_at: dt.datetime) -> dt.datetime:
    """When the requester hears that the change ends soon: `WARNING_LEAD` before its end, or at
    9/10 of a time shorter than ten leads (a 50-minute grant: at 45 minutes)."""
    return ends_at - min(WARNING_LEAD, (ends_at - finished_at) / 10)


def due_warnings(conn: sa.Connection, now: dt.datetime) -> list[str]:
    unwarned = sa.and_(_MADE, c.end_state.is_(None), c.end_warned_at.is_(None))
    soon = sa.and_(unwarned, c.ends_at > now, c.ends_at <= now + WARNING_LEAD)
    rows = conn.execute(sa.select(c.id, c.ends_at, c.finished_at).where(soon).order_by(c.ends_at, c.id))
    return [row.id for row in rows if warning_at(row.ends_at, row.finished_at) <= now]


def take_warning(conn: sa.Connection, now: dt.datetime, request_id: str) -> bool:
    unwarned = sa.and_(_MADE, c.end_state.is_(None), c.end_warned_at.is_(None), c.ends_at > now)
    update = requests.update().where(c.id == request_id, unwarned).values(end_warned_at=now)
    row = conn.execute(update.returning(c.vendor, c.ends_at)).first()
    if row is None:
        return False
    audit.write(
        conn, request_id, "steward", "end_warned", {"ends_at": row.ends_at}, at=now, vendor=row.vendor
    )
    return True


def extend(conn: sa.Connection, now: dt.datetime, request_id: str, ends_at: dt.datetime, actor: str) -> bool:
    before = conn.execute(sa.select(c.ends_at).where(c.id == request_id).with_for_update()).first()
    update = requests.update().where(c.id == request_id, _MADE, c.end_state.is_(None))
    update = update.values(ends_at=ends_at, end_warned_at=None, updated_at=now)
    row = conn.execute(update.returning(c.vendor)).first()
    if row is None or before is None:
        return False
    detail = {"from": before.ends_at, "to": ends_at}
    audit.write(conn, request_id, actor, "extended", detail, at=now, vendor=row.vendor)
    return True
