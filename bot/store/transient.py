"""Short-lived records beside the requests: the trigger ids of the slash commands already taken
(a second delivery of one command is a replay, whichever replica it reaches), and what a request
form collected between its steps. Neither outlives its use by long: each write also forgets
what has grown old, at most once a minute per process (`SWEEP_EVERY`).

The work functions here run inside the store's write transactions (`Store._write`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.schema import forms, seen_triggers

#: How long a trigger id is remembered: Bolt takes a signature for 5 minutes, so a replay of a
#: signed command is refused by Bolt before its trigger id is forgotten here.
TRIGGER_MEMORY = dt.timedelta(minutes=10)
#: How long a form's state is kept after its first step.
FORM_MEMORY = dt.timedelta(days=1)
SWEEP_EVERY = dt.timedelta(minutes=1)
#: A form's id as Steward makes them (`secrets.token_urlsafe(12)`): anything else is no form.
FORM_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")
_TRIGGER_MAX = 128  # the column's width; a longer id (Slack's are ~55) is kept as its digest


@dataclass(frozen=True)
class StoredForm:
    """A request form's state between its steps: whose form it is and what it collected."""

    id: str
    user: str
    state: dict[str, Any]
    created_at: dt.datetime


def trigger_key(trigger_id: str) -> str:
    if len(trigger_id) <= _TRIGGER_MAX:
        return trigger_id
    return "sha256:" + hashlib.sha256(trigger_id.encode()).hexdigest()


def _insert_absent(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True when this call inserted the row. Of several callers
    at once, on any replica, exactly one gets True (the database decides)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    # RETURNING rather than the row count, which psycopg leaves at -1 for this statement
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return conn.execute(statement).first() is not None


def remember_trigger(conn: sa.Connection, key: str, now: dt.datetime, sweep: bool) -> bool:
    """Remember a trigger id; False when it was remembered already."""
    if sweep:
        c = seen_triggers.c
        conn.execute(seen_triggers.delete().where(c.seen_at < now - TRIGGER_MEMORY))
    return _insert_absent(conn, seen_triggers, {"trigger_id": key, "seen_at": now})


def new_form_id() -> str:
    return secrets.token_urlsafe(12)


def save_form(
    conn: sa.Connection, form_id: str, user: str, state: dict[str, Any], now: dt.datetime, sweep: bool
) -> None:
    if sweep:
        conn.execute(forms.delete().where(forms.c.created_at < now - FORM_MEMORY))
    conn.execute(forms.insert().values(id=form_id, user_id=user, state=state, created_at=now))


def _fresh(form_id: str, now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(forms.c.id == form_id, forms.c.created_at >= now - FORM_MEMORY)


def load_form(conn: sa.Connection, form_id: str, now: dt.datetime) -> StoredForm | None:
    row = conn.execute(forms.select().where(_fresh(form_id, now))).first()
    return None if row is None else _stored(row)


def take_form(conn: sa.Connection, form_id: str, now: dt.datetime) -> StoredForm | None:
    """Delete the form's state and return it; None when it is gone (or another caller took it)."""
    row = conn.execute(forms.delete().where(_fresh(form_id, now)).returning(*forms.c)).first()
    return None if row is None else _stored(row)


def _stored(row: sa.Row[Any]) -> StoredForm:
    state = row.state if isinstance(row.state, dict) else {}
    return StoredForm(str(row.id), str(row.user_id), dict(state), row.created_at)
