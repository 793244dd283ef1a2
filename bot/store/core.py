"""Requests, approvals and the audit log, in SQLite (one replica) or PostgreSQL (several).

Every state change is one conditional UPDATE (`… WHERE id = :id AND state IN (…)`) whose row
count says who won, written in the same transaction as its audit entry; a losing caller gets
False and writes nothing (bot/transitions.py). Values are masked on the way in (`mask`), so no
password, token or secret reaches a column, except the encrypted password in `secret`, which
is erased when the request ends. Request ids are case-insensitive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import audit as journal
from bot.store import ends, migrations, transient, transitions
from bot.store.audit import AuditEntry, mask
from bot.store.engine import SqliteWriter, T, create_engine, writer
from bot.store.rows import ApprovalResult, ApprovalRow, NoSuchRequest, StoredRequest
from bot.store.schema import FINAL_STATES, approvals, new_request_id, requests, target_keys
from bot.store.transient import StoredForm

__all__ = ["ApprovalResult", "ApprovalRow", "NoSuchRequest", "Store", "StoredRequest"]

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key(request_id: str) -> str:
    return request_id.strip().upper()


_c = requests.c
#: An ended request (not a refused one) whose final state Slack has not been shown yet.
_UNANNOUNCED = sa.and_(
    _c.state.in_(FINAL_STATES - {"refused"}), sa.or_(_c.announced.is_(None), _c.announced != _c.state)
)
# Statements run for every request, built once (their values go in at execution, `rid` being
# the request id), so that SQLAlchemy neither builds nor keys them anew each time.
_INSERT = requests.insert().returning(*requests.c)
_SELECT = requests.select().where(_c.id == sa.bindparam("rid"))
_APPROVALS = (
    sa.select(approvals.c.approver, approvals.c.at)
    .where(approvals.c.request_id == sa.bindparam("rid"))
    .order_by(approvals.c.at, approvals.c.approver)
)
_UPDATE = requests.update().where(_c.id == sa.bindparam("rid"))
#: A pending request whose card Slack has not taken yet.
_UNPOSTED = sa.and_(_c.state == "pending", _c.card_channel.is_not(None), _c.card_ts.is_(None))


class Store:
    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self._writer = writer(engine)
        self.clock = clock
        self._sqlite = SqliteWriter(engine.url) if engine.dialect.name == "sqlite" else None
        self._swept: dict[str, dt.datetime] = {}  # when this process last forgot old transient rows

    async def _write(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in one write transaction, returning what it returns (see
        `bot.engine`: BEGIN IMMEDIATE on SQLite, whose writes run whole on a thread of their own)."""
        if self._sqlite is not None:
            return await self._sqlite.run(work, *args)
        async with self._writer.begin() as conn:
            return await conn.run_sync(work, *args)

    async def _changed(self, statement: sa.Executable, values: Mapping[str, Any] | None = None) -> int:
        """The number of rows one UPDATE changed, in a write transaction of its own."""

        def work(conn: sa.Connection) -> int:
            return int(conn.execute(statement, values).rowcount)

        return await self._write(work)

    @classmethod
    async def open(cls, url: str, *, clock: Clock = utcnow, migrate: bool = True) -> Store:
        """Open the store at DATABASE_URL (`sqlite:///steward.db`, `postgresql://user@host/db`)
        and bring its schema to the newest revision, keeping the data."""
        engine = create_engine(url)
        try:
            if migrate:
                async with writer(engine).begin() as conn:
                    await conn.run_sync(migrations.upgrade)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, clock)

    async def close(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()
        await self.engine.dispose()

    async def ping(self) -> bool:
        """Whether the database answers (for /healthz)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except (sa.exc.SQLAlchemyError, OSError):
            return False
        return True

    # --- creating and reading ------------------------------------------------------------------

    async def create(
        self,
        *,
        requester: str,
        vendor: str,
        obj: str,
        action: str,
        targets: Sequence[Any],
        fields: Mapping[str, Any],
        reason: str = "",
        channel: str | None = None,
        approvals_required: int = 0,
        expires_at: dt.datetime | None = None,
        card: Any = None,
        secret: bytes | None = None,
        state: str = "pending",
        detail: Mapping[str, Any] | None = None,
        card_channel: str | None = None,
        deliver_until: dt.datetime | None = None,
        reverts: str | None = None,
        lasting: dt.timedelta | None = None,
        until: dt.datetime | None = None,
    ) -> StoredRequest:
        """Store a new request (`pending`, or `refused`) with its audit entry by the requester.
        `card_channel` is where its card goes; `deliver_until`, how long the caller holds the
        delivery of that card (see `take_card`). A change made for a while keeps its `lasting`
        or `until` in `card["lasting"]` until it ends done (bot/store/ends.py). A request that
        `reverts` one whose end is being taken carries that end from now on (`ends.carry`)."""
        asked = ends.lasting_of(lasting, until)
        if asked is not None:
            card = {**(card or {}), "lasting": asked}
        if state not in ("pending", "refused"):
            raise ValueError(f"a request is created pending or refused, not {state}")
        now = self.clock()
        row = {
            "state": state,
            "vendor": vendor,
            "object": obj,
            "action": action,
            "targets": mask(list(targets)),
            "target_keys": target_keys(targets),
            "fields": mask(dict(fields)),
            "reason": reason,
            "requester": requester,
            "channel": channel,
            "approvals_required": approvals_required,
            "created_at": now,
            "updated_at": now,
            "expires_at": expires_at,
            "finished_at": now if state in FINAL_STATES else None,
            "runs": 0,
            "card": mask(card),
            "secret": secret if state == "pending" else None,
            "card_channel": card_channel,
            "deliver_until": deliver_until,
            "reverts": reverts,
        }
        entry = {k: row[k] for k in ("vendor", "action", "targets", "fields", "reason", "approvals_required")}
        entry = {"obj": obj} | entry | ({"reverts": reverts} if reverts else {}) | dict(detail or {})
        entry |= {"lasting": asked} if asked is not None else {}
        event = "created" if state == "pending" else state

        def insert(conn: sa.Connection, request_id: str) -> StoredRequest:
            stored = conn.execute(_INSERT, {"id": request_id, **row}).mappings().one()
            at, move = self.clock(), (None, state)
            journal.write(conn, request_id, requester, event, entry, at=at, vendor=vendor, move=move)
            if reverts is not None and state == "pending":
                ends.carry(conn, _key(reverts))
            return StoredRequest.from_row(dict(stored), ())  # a new request has no approvals

        for attempt in range(5):
            try:
                return await self._write(insert, new_request_id())
            except sa.exc.IntegrityError:  # the id was taken (1 in 8.5e11 per pair): draw again
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    async def refuse(self, *, why: str, **request: Any) -> StoredRequest:
        """Keep a refused request for the audit log (state `refused`; the entry's detail has `why`).
        Takes the same keywords as `create`."""
        return await self.create(**request, state="refused", detail={"why": why})

    async def get(self, request_id: str) -> StoredRequest | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(self._find, _key(request_id))

    @classmethod
    def _find(cls, conn: sa.Connection, request_id: str) -> StoredRequest | None:
        row = conn.execute(_SELECT, {"rid": request_id}).first()
        return None if row is None else cls._stored(conn, row)

    @staticmethod
    def _stored(conn: sa.Connection, row: sa.Row[Any]) -> StoredRequest:
        """The request a row of `requests` holds, with its approvals read in the same transaction."""
        rows = conn.execute(_APPROVALS, {"rid": row.id})
        return StoredRequest.from_row(dict(row._mapping), tuple(ApprovalRow(r.approver, r.at) for r in rows))

    # --- state changes (bot/transitions.py) ----------------------------------------------------

    async def transition(
        self,
        request_id: str,
        from_states: str | Iterable[str],
        to_state: str,
        actor: str,
        event: str,
        detail: Mapping[str, Any] | None = None,
        *,
        owner: str | None = None,
        **columns: Any,
    ) -> bool:
        """Move the request from one of `from_states` to `to_state`, with its audit entry, in one
        transaction; False, and nothing written, when it was in none of those states.

        `owner`, when given, must hold the running lease. `columns` sets `outcome`, `card`,
        `card_channel`, `card_ts`, `decided_by`, `secret` or `announced` in the same update.
        Leaving `running` drops the lease; a final state erases the secret and sets
        `finished_at`; `rejected` and `cancelled` record the actor in `decided_by`.
        """
        args = (from_states, to_state, actor, event, detail)
        return await self.move(request_id, *args, owner=owner, **columns) is not None

    async def move(
        self,
        request_id: str,
        from_states: str | Iterable[str],
        to_state: str,
        actor: str,
        event: str,
        detail: Mapping[str, Any] | None = None,
        *,
        owner: str | None = None,
        **columns: Any,
    ) -> StoredRequest | None:
        """`transition`, returning the request as it is after the move (read in the same
        transaction), or None when it did not move."""
        states = (from_states,) if isinstance(from_states, str) else tuple(from_states)
        key = _key(request_id)
        args = (key, states, to_state, actor, event, detail, owner, columns)

        def work(conn: sa.Connection) -> tuple[sa.Row[Any] | None, StoredRequest | None]:
            moved = transitions.transition(conn, self.clock(), *args)
            return (None, None) if moved is None else (moved.before, self._stored(conn, moved.after))

        before, after = await self._write(work)
        if before is not None and before.has_secret and (to_state in FINAL_STATES or "secret" in columns):
            await self._scrub()
        return after

    async def approve(self, request_id: str, approver: str) -> ApprovalResult:
        """Record `approver`'s approval of a pending request; when the distinct approvers reach
        its `approvals_required`, move it pending → approved (`approved_now` for exactly one
        caller). A second click by the same approver records nothing. Raises NoSuchRequest."""
        key = _key(request_id)
        return await self._write(lambda conn: transitions.approve(conn, self.clock(), key, approver))

    async def claim(
        self, request_id: str, owner: str, lease: dt.timedelta, from_states: Iterable[str] = ("approved",)
    ) -> bool:
        """Move the request to `running` under a lease held by `owner` until now + `lease`, if it
        is in one of `from_states`; a `running` one is taken up only once its lease has run out."""
        return await self.take(request_id, owner, lease, from_states) is not None

    async def take(
        self,
        request_id: str,
        owner: str,
        lease: dt.timedelta,
        from_states: Iterable[str] = ("approved",),
        *,
        approving: str | None = None,
        card_place: tuple[str, str] | None = None,
    ) -> StoredRequest | None:
        """`claim`, returning the request as claimed (None when this caller did not claim it).
        With `approving` (why it needs no approval), a pending request is first moved pending →
        approved by "steward", in the same transaction: an immediate change starts in one write,
        which also stores where its card was posted (`card_place`: channel and ts)."""
        key, states = _key(request_id), tuple(from_states)

        def work(conn: sa.Connection) -> StoredRequest | None:
            now, claimable, locked = self.clock(), states, None
            if approving is not None:
                why, place = {"why": approving}, dict[str, Any]()
                if card_place is not None:
                    place = {"card_channel": card_place[0], "card_ts": card_place[1]}
                approved = ("pending",), "approved", "steward", "approved", why, None, place
                moved = transitions.transition(conn, now, key, *approved)
                if moved is None:
                    return None
                claimable, locked = ("approved",), moved.after
            claimed = transitions.claim(conn, now, key, owner, lease, claimable, locked)
            return None if claimed is None else self._stored(conn, claimed)

        return await self._write(work)

    async def renew(self, request_id: str, owner: str, lease: dt.timedelta) -> bool:
        """Extend `owner`'s lease to now + `lease`; False when it is no longer theirs (stop)."""
        c = requests.c
        mine = sa.and_(c.id == _key(request_id), c.state == "running", c.lease_owner == owner)
        update = requests.update().where(mine)
        return await self._changed(update.values(lease_until=self.clock() + lease)) == 1

    async def expire_due(self, now: dt.datetime, deliver_until: dt.datetime | None = None) -> list[str]:
        """Move every pending request past its `expires_at` to `expired`, in one statement, each
        with an audit entry by "steward"; returns the ids this call expired. The caller holds
        their announcement until `deliver_until`."""
        expired = await self._write(transitions.expire_due, now, deliver_until)
        if expired:
            await self._scrub()
        return expired

    # --- finding work --------------------------------------------------------------------------

    async def stale_running(self, now: dt.datetime) -> list[str]:
        """Running requests whose lease ran out (their process died): any live process may
        `claim(id, …, from_states=("running",))` them."""
        c = requests.c
        return await self._ids(sa.and_(c.state == "running", c.lease_until < now), c.lease_until)

    async def unclaimed(self, before: dt.datetime) -> list[str]:
        """Approved requests unclaimed since `before` (a process died between approve and claim)."""
        c = requests.c
        return await self._ids(sa.and_(c.state == "approved", c.updated_at < before), c.updated_at)

    async def owed_announcements(self) -> list[str]:
        """Ended requests (not refused ones) whose final state has not been announced yet, and
        whose announcement nobody is delivering now."""
        return await self._ids(sa.and_(_UNANNOUNCED, self._undelivered()), requests.c.finished_at)

    async def owed_cards(self) -> list[str]:
        """Pending requests whose card Slack has not taken yet (it failed when they were made),
        and which nobody is posting now."""
        return await self._ids(sa.and_(_UNPOSTED, self._undelivered()), requests.c.created_at)

    async def take_announcement(self, request_id: str, until: dt.datetime) -> bool:
        """Hold the delivery of a request's owed announcement until `until`; False when it is no
        longer owed or another process holds it. Exactly one of several callers gets True."""
        return await self._take(request_id, _UNANNOUNCED, until)

    async def take_card(self, request_id: str, until: dt.datetime) -> bool:
        """Hold the posting of a request's owed card until `until`, as `take_announcement`."""
        return await self._take(request_id, _UNPOSTED, until)

    async def _take(self, request_id: str, owed: sa.ColumnElement[bool], until: dt.datetime) -> bool:
        free = sa.and_(requests.c.id == _key(request_id), owed, self._undelivered())
        update = requests.update().where(free).values(deliver_until=until)
        return await self._changed(update) == 1

    def _undelivered(self) -> sa.ColumnElement[bool]:
        c = requests.c
        return sa.or_(c.deliver_until.is_(None), c.deliver_until < self.clock())

    async def count_pending(self) -> int:
        """Requests waiting for approval, whichever process created them."""
        async with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(requests).where(requests.c.state == "pending")
            return int(await conn.scalar(query) or 0)

    async def _ids(self, where: sa.ColumnElement[bool], order: sa.ColumnElement[Any]) -> list[str]:
        async with self.engine.connect() as conn:
            query = sa.select(requests.c.id).where(where).order_by(order, requests.c.id)
            return list(await conn.scalars(query))

    # --- reminders (bot/flow/reminders.py) ----------------------------------------------------

    async def waiting(
        self, remind_before: dt.datetime, escalate_before: dt.datetime | None
    ) -> list[StoredRequest]:
        """Requests waiting for approval, their card out, made before `remind_before` and whose
        approvers were not reminded yet, or made before `escalate_before` and not escalated yet."""
        c = requests.c
        due = sa.and_(c.reminded_at.is_(None), c.created_at <= remind_before)
        if escalate_before is not None:
            due = sa.or_(due, sa.and_(c.escalated_at.is_(None), c.created_at <= escalate_before))
        waiting = sa.and_(c.state == "pending", c.approvals_required > 0, c.card_ts.is_not(None))
        query = requests.select().where(waiting, due).order_by(c.created_at, c.id)

        def read(conn: sa.Connection) -> list[StoredRequest]:
            return [self._stored(conn, row) for row in conn.execute(query)]

        async with self.engine.connect() as conn:
            return await conn.run_sync(read)

    async def take_reminder(self, request_id: str, now: dt.datetime) -> bool:
        """Claim the reminder of a pending request's approvers: True for exactly one caller, and
        for none once the request has ended or was reminded."""
        return await self._once(request_id, "reminded_at", now)

    async def take_escalation(self, request_id: str, now: dt.datetime) -> bool:
        """Claim the re-posting of a pending request's card in the escalation channel, as `take_reminder`."""
        return await self._once(request_id, "escalated_at", now)

    async def give_back(self, request_id: str, what: Literal["reminder", "escalation"]) -> None:
        """Slack did not take the reminder (or escalation) claimed: a later round claims it again."""
        column = "reminded_at" if what == "reminder" else "escalated_at"
        await self._changed(requests.update().where(requests.c.id == _key(request_id)).values({column: None}))

    async def _once(self, request_id: str, column: str, now: dt.datetime) -> bool:
        c = requests.c
        first = sa.and_(c.id == _key(request_id), c.state == "pending", c[column].is_(None))
        return await self._changed(requests.update().where(first).values({column: now})) == 1

    # --- other writes --------------------------------------------------------------------------

    async def record(
        self,
        request_id: str | None,
        actor: str,
        event: str,
        detail: Mapping[str, Any] | None = None,
        *,
        vendor: str | None = None,
    ) -> None:
        """An audit entry that is not a transition (a refused click, drift, a run taken up).
        The vendor is the request's when not given."""
        request_id = request_id and _key(request_id)

        def work(conn: sa.Connection) -> None:
            of = vendor
            if of is None and request_id is not None:
                of = conn.execute(sa.select(requests.c.vendor).where(requests.c.id == request_id)).scalar()
            journal.write(conn, request_id, actor, event, detail, at=self.clock(), vendor=of)

        await self._write(work)

    async def set_card(self, request_id: str, card: Any) -> None:
        """Replace the card snapshot (current → requested values per target); masked."""
        await self._set(request_id, card=mask(card))

    async def set_place(self, request_id: str, channel: str, ts: str) -> None:
        """Where the card was posted (the command's channel or the approval channel) and its ts.
        A delivery held stays held: the card may be the first part of an announcement."""
        await self._set(request_id, card_channel=channel, card_ts=ts)

    async def set_outcome(self, request_id: str, outcome: Any) -> None:
        await self._set(request_id, outcome=mask(outcome))

    async def mark_announced(self, request_id: str, state: str) -> None:
        """`state` has been shown in Slack; `owed_announcements` stops listing the request."""
        await self._set(request_id, announced=state, told=None, deliver_until=None)

    async def mark_told(self, request_id: str, told: str) -> None:
        """A part of an announcement is out (`"done:thread"`): a retry leaves it out."""
        await self._set(request_id, told=told)

    async def release_delivery(self, request_id: str) -> None:
        """The delivery failed (Slack did not answer): upkeep may try again at its next round."""
        await self._set(request_id, deliver_until=None)

    async def erase_secret(self, request_id: str) -> None:
        await self._set(request_id, secret=None)
        await self._scrub()

    async def _set(self, request_id: str, **values: Any) -> None:
        values = {"rid": _key(request_id), "updated_at": self.clock(), **values}
        if await self._changed(_UPDATE, values) != 1:
            raise NoSuchRequest(request_id)

    async def _scrub(self) -> None:
        """SQLite keeps an erased value's old page in the write-ahead log until a checkpoint has
        copied the page over (secure_delete zeroes the value there): checkpoint and truncate now."""
        if self.engine.dialect.name == "sqlite":
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(steward_no_begin=True)
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- changes made for a while (bot/store/ends.py) ------------------------------------------

    async def due_ends(self, now: dt.datetime) -> list[str]:
        """Changes made for a while (done or partly done) whose end is due and not taken, or was
        taken by a process whose hold ran out; soonest first. `take_end` one before ending it."""
        return await self._ids(ends.due(now), requests.c.ends_at)

    async def take_end(
        self, request_id: str, now: dt.datetime, lease: dt.timedelta = ends.ENDING_HOLD
    ) -> bool:
        """Take the end of a change made for a while (end_state NULL → "ending", held until now +
        `lease`), due or not (End now): True for exactly one caller, on any replica. A hold that
        ran out (its process died before it made the request that ends the change) is taken up
        again; once that request exists, never."""
        key = _key(request_id)
        return await self._write(lambda conn: ends.take(conn, now, key, lease))

    async def finish_end(
        self,
        request_id: str,
        state: str,
        detail: Mapping[str, Any] | None = None,
        actor: str = "steward",
    ) -> bool:
        """Settle a taken end ("ending" → `state`) with its audit entry on the request that ended
        (`detail`: the request that ended it, why not); False when it was not "ending". `state`
        is "ended" or "not_ended" (ValueError otherwise)."""
        key = _key(request_id)
        return await self._write(lambda conn: ends.finish(conn, self.clock(), key, state, detail, actor))

    async def due_warnings(self, now: dt.datetime) -> list[str]:
        """Changes made for a while whose requester should hear now that it ends soon (an hour
        before, or at 9/10 of a shorter time: `ends.warning_at`), not told yet; soonest first."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(ends.due_warnings, now)

    async def take_warning(self, request_id: str, now: dt.datetime) -> bool:
        """Take the heads-up of a change's end (sets `end_warned_at`): True for exactly one caller."""
        key = _key(request_id)
        return await self._write(lambda conn: ends.take_warning(conn, now, key))

    async def extend(self, request_id: str, ends_at: dt.datetime, actor: str = "steward") -> bool:
        """Move the end of a change made for a while to `ends_at`, asking for a new heads-up,
        while its end has not been taken; False otherwise (nothing written)."""
        key = _key(request_id)
        return await self._write(lambda conn: ends.extend(conn, self.clock(), key, ends_at, actor))

    # --- replays and forms (bot/store/transient.py) --------------------------------------------

    async def first_delivery(self, trigger_id: str) -> bool:
        """Remember a slash command's trigger id: True at its first delivery, False when this or
        any other replica has taken it in the last `TRIGGER_MEMORY` (one insert-if-absent)."""
        now = self.clock()
        key = transient.trigger_key(trigger_id)
        return await self._write(transient.remember_trigger, key, now, self._sweep("triggers", now))

    async def save_form(self, user: str, state: Mapping[str, Any]) -> str:
        """Keep what `user`'s request form collected; returns the short random id it is kept
        under (for the view's `private_metadata`). Kept for `FORM_MEMORY`."""
        now, form_id = self.clock(), transient.new_form_id()
        sweep = self._sweep("forms", now)
        await self._write(transient.save_form, form_id, user, dict(state), now, sweep)
        return form_id

    async def load_form(self, form_id: str) -> StoredForm | None:
        """A form's state by its id; None for an id Steward did not make, or has forgotten."""
        if not isinstance(form_id, str) or not transient.FORM_ID.match(form_id):
            return None
        async with self.engine.connect() as conn:
            return await conn.run_sync(transient.load_form, form_id, self.clock())

    async def take_form(self, form_id: str) -> StoredForm | None:
        """`load_form`, forgetting it in the same step: of two submissions of one form, one
        gets it."""
        if not isinstance(form_id, str) or not transient.FORM_ID.match(form_id):
            return None
        return await self._write(transient.take_form, form_id, self.clock())

    def _sweep(self, what: str, now: dt.datetime) -> bool:
        """Whether this write should also forget the old rows of `what` (once a minute)."""
        last = self._swept.get(what)
        if last is not None and now - last < transient.SWEEP_EVERY:
            return False
        self._swept[what] = now
        return True

    # --- audit ---------------------------------------------------------------------------------

    async def audit(
        self,
        request_id: str | None = None,
        since: dt.datetime | None = None,
        vendor: str | Collection[str] | None = None,
        target: str | None = None,
        limit: int | None = None,
        refused: bool | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every filter given, oldest first; with `limit`, the latest `limit`.
        `vendor` is one vendor or several; `target` matches a request's target id, e-mail or
        label exactly (any case); `refused` True keeps only refusals, False leaves them out."""
        return await journal.read(self.engine, request_id, since, vendor, target, limit, refused)

    def iter_audit(self, since: dt.datetime | None = None, batch: int = 500) -> AsyncIterator[AuditEntry]:
        """Every entry from `since` on, oldest first, read `batch` at a time."""
        return journal.iterate(self.engine, since, batch)
