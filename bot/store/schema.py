"""The store's tables, as SQLAlchemy Core. The migrations in `bot/migrations/versions/` build
exactly this schema (a test compares them); change both together, with a new revision.

    requests   one row per request, its state, where its card is, its lease while running
    approvals  one row per (request, approver): a second click by the same person adds nothing
    audit      append-only: every transition and decision, with secrets masked
    seen_triggers  the trigger ids of slash commands taken in the last minutes (replays)
    forms      what a request form collected between its steps, for a day
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

#: Request ids: 8 characters without the look-alikes 0/O, 1/I/L, so they can be read aloud and typed.
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ID_LENGTH = 8

STATES = frozenset(
    {
        "pending",
        "approved",
        "running",
        "done",
        "failed",
        "partly_done",
        "rejected",
        "cancelled",
        "expired",
        "refused",
    }
)
FINAL_STATES = frozenset({"done", "failed", "partly_done", "rejected", "cancelled", "expired", "refused"})


_EMAIL = re.compile(r"[^\s<>()@,;]+@[^\s<>()@,;]+")


def new_request_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


#: What a stored target may carry that `history <target>` finds it by.
TARGET_KEYS = ("id", "email", "login", "username", "label")


def target_keys(targets: Iterable[Any]) -> str:
    """The `target_keys` column: each target's id, e-mail, login and label (and any e-mail in
    the label), lower-cased, each between newlines, so `history <target>` matches one exactly."""
    keys: list[str] = []
    for target in targets:
        if isinstance(target, Mapping):
            keys += [str(target[k]) for k in TARGET_KEYS if target.get(k) is not None]
            keys += _EMAIL.findall(str(target.get("label", "")))
        else:
            keys.append(str(target))
    return "\n" + "".join(f"{key.strip().lower()}\n" for key in keys if key.strip())


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    SQLite keeps no time zone, so values are stored as naive UTC; its fixed-width text form
    then compares in time order, which `expires_at < now` relies on.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store takes aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True)


metadata = sa.MetaData()

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    # one vendor's key, or an offboarding's several joined with commas ("kaiten,onlyoffice,hub")
    sa.Column("vendor", sa.String(64), nullable=False),
    sa.Column("object", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("targets", _json(), nullable=False),
    # Lower-cased target ids, e-mails and labels, each between newlines, for `history <target>`.
    sa.Column("target_keys", sa.Text(), nullable=False),
    sa.Column("fields", _json(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("requester", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(32)),
    sa.Column("card_channel", sa.String(32)),
    sa.Column("card_ts", sa.String(32)),
    sa.Column("approvals_required", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("decided_by", sa.String(32)),
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_until", UTCDateTime()),
    sa.Column("runs", sa.Integer(), nullable=False),
    sa.Column("outcome", _json()),
    sa.Column("card", _json()),
    # Fernet-encrypted password, the only place one may live; NULL once the request has ended.
    sa.Column("secret", sa.LargeBinary()),
    sa.Column("announced", sa.String(16)),
    # The parts of the current state's announcement already out ("done:thread"), so that a
    # retry after Slack failed half-way does not post the thread message twice.
    sa.Column("told", sa.String(32)),
    # Whoever delivers a card or an announcement holds it until then: a second replica's upkeep
    # does not post the same message while the first one is still at it.
    sa.Column("deliver_until", UTCDateTime()),
    # The request this one reverts (a Revert, or the scheduled end of a change made for a while).
    sa.Column("reverts", sa.String(16)),
    # A change made `for`/`until`: when it ends by itself (set as it finishes), how that end
    # stands ("ending" while one process takes it, "ended", "not_ended"), and when its
    # requester was told the end is near.
    sa.Column("ends_at", UTCDateTime()),
    sa.Column("end_state", sa.String(16)),
    sa.Column("end_warned_at", UTCDateTime()),
    # While `end_state` is "ending": the process that took the end holds it until then (another
    # takes it up after); NULL once the request that ends it exists, which carries it from there.
    sa.Column("ending_until", UTCDateTime()),
    # A pending request's approvers were reminded (in its card's thread), and its card re-posted
    # in the escalation channel: set by the one process that claims each, so each happens once.
    sa.Column("reminded_at", UTCDateTime()),
    sa.Column("escalated_at", UTCDateTime()),
    sa.Index("ix_requests_state_expires_at", "state", "expires_at"),
    sa.Index("ix_requests_reverts", "reverts"),
    sa.Index("ix_requests_ends_at", "ends_at"),
    sa.Index("ix_requests_state_lease_until", "state", "lease_until"),
)

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column(
        "request_id", sa.String(16), sa.ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("approver", sa.String(32), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("request_id", sa.String(16)),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("vendor", sa.String(64)),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16)),
    sa.Column("to_state", sa.String(16)),
    sa.Column("detail", _json()),
    sa.Index("ix_audit_request_id", "request_id"),
    sa.Index("ix_audit_at", "at"),
    sa.Index("ix_audit_vendor", "vendor"),
)

#: Slack trigger ids of the slash commands already taken, kept a while (`TRIGGER_MEMORY` in
#: bot/store/transient.py): a second delivery of the same command is recognised by its trigger id.
seen_triggers = sa.Table(
    "seen_triggers",
    metadata,
    sa.Column("trigger_id", sa.String(128), primary_key=True),
    sa.Column("seen_at", UTCDateTime(), nullable=False),
    sa.Index("ix_seen_triggers_seen_at", "seen_at"),
)

#: What the request form collected between its steps, under the short random id its view carries
#: in `private_metadata` (Slack keeps at most 3,000 characters there); forgotten after a day.
forms = sa.Table(
    "forms",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("state", _json(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index("ix_forms_created_at", "created_at"),
)
