"""The store's database engine: DATABASE_URL as PRODUCT.md writes it, turned into an asyncio
engine (`sqlite+aiosqlite`, `postgresql+psycopg`) set up for several concurrent writers, and, for
SQLite, the thread its writes run on (`SqliteWriter`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import ConfigError

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}
EXPECTED = "a URL such as sqlite:///steward.db or postgresql://user@host/db"

#: How long a writer waits for SQLite's write lock before failing, in milliseconds.
SQLITE_BUSY_MS = 30_000
_PRAGMAS = (
    f"busy_timeout = {SQLITE_BUSY_MS}",  # first: switching to WAL itself may wait for a lock
    "journal_mode = WAL",  # readers never block the writer, nor the writer them
    "synchronous = NORMAL",  # with WAL: durable at each checkpoint, never corrupt
    "secure_delete = ON",  # an erased password is overwritten with zeros, not left in a free page
    "foreign_keys = ON",
)


def async_url(url: str) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(f"DATABASE_URL {url!r} is not a database URL; expected {EXPECTED}.") from None
    backend = parsed.drivername.partition("+")[0]
    if backend not in _DRIVERS:
        raise ConfigError(
            f"DATABASE_URL: Steward keeps its data in SQLite or PostgreSQL, not {backend!r}; "
            f"expected {EXPECTED}."
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            f"DATABASE_URL {url!r} is an in-memory database, which forgets every request at a restart "
            "and cannot take concurrent writers; expected a file, such as sqlite:///steward.db."
        )
    return parsed.set(drivername=_DRIVERS[backend])


def create_engine(url: str) -> AsyncEngine:
    parsed = async_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True)
    _create_private(parsed)
    # No rollback when a connection goes back to the pool: every connection Steward takes is
    # closed through SQLAlchemy, which has already ended its transaction (committed, or rolled
    # back), so the pool's own rollback was a second round trip to the driver's thread.
    engine = create_async_engine(
        parsed, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, pool_reset_on_return=None
    )
    sa.event.listen(engine.sync_engine, "connect", _on_connect)
    sa.event.listen(engine.sync_engine, "begin", _on_begin)
    return engine


#: The database file's mode when Steward creates it: it holds who asked for what, and encrypted
#: passwords while their changes wait. SQLite gives the -wal, -shm and -journal files it makes
#: beside it the same mode (unixOpenSharedMemory and findCreateFileMode in its os_unix.c).
SQLITE_FILE_MODE = 0o600


def _create_private(url: sa.URL) -> None:
    """Create the SQLite file, empty (which SQLite takes as a new database), readable and
    writable by its owner only, before SQLite would create it with 0644 under the usual umask.
    A file already there keeps the mode its operator gave it."""
    if not url.database or "uri" in url.query:  # a `file:` URI is SQLite's to read, not a path
        return
    try:
        fd = os.open(url.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE)
    except OSError:  # there already; or no such directory, which SQLite's own error will say
        return
    try:
        os.fchmod(fd, SQLITE_FILE_MODE)  # exactly, whatever the umask took away from it
    finally:
        os.close(fd)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is deferred: two writers that both read first would then
    # both try to upgrade their lock and one fails at once, busy timeout or not. Steward begins
    # every transaction itself (below), as SQLAlchemy's SQLite docs recommend.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _PRAGMAS:
        if pragma.startswith("journal_mode"):
            _to_wal(cursor)
        else:
            cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _to_wal(cursor: Any) -> None:
    """Switch a new database to WAL. Replicas opening a new file together race for it, and
    SQLite may answer "database is locked" at once, without waiting its busy timeout; the
    loser finds the file in WAL already on its next look (the mode is kept in the file)."""
    for attempt in range(100):
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except Exception as err:  # the driver's OperationalError, sync or async
            if "locked" not in str(err) or attempt == 99:
                raise
            time.sleep(0.05)


#: Execution options of a connection that will write (`writer(engine)`).
WRITES = {"steward_writes": True}


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for transactions that write."""
    return engine.execution_options(**WRITES)


def _on_begin(connection: sa.Connection) -> None:
    options = connection.get_execution_options()
    if options.get("steward_no_begin"):
        return
    # A writer takes the write lock up front (IMMEDIATE), so writers queue (busy_timeout) instead
    # of failing; a reader takes none, and with WAL it never waits for a writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("steward_writes") else "BEGIN")


T = TypeVar("T")


class SqliteWriter:
    """SQLite's write transactions, run on a thread of this store's own over the standard
    library's driver, one hand-over between threads each. Through aiosqlite every statement is
    three or four hand-overs (cursor, execute, fetch, close), each waiting for a turn of a busy
    event loop while SQLite's one write lock is held; and this process's writers queue on the
    thread instead of sleeping at SQLite's lock. Reads stay on the async engine.

    The writes waiting when the thread comes to them are committed together (group commit):
    one BEGIN IMMEDIATE … COMMIT for up to `batch` of them, run in the order they were handed
    over, as they would have run one after another. Their callers hear back once that commit is
    done. Should one of them fail, the whole batch is rolled back and each runs again in a
    transaction of its own, so that a failure is only ever its own caller's. A write whose
    caller gave up (cancelled) before the thread came to it does not run.
    """

    def __init__(self, url: sa.URL, batch: int = 64) -> None:
        self.engine = sa.create_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": SQLITE_BUSY_MS / 1000},
            pool_reset_on_return=None,  # as in create_engine: SQLAlchemy has ended each transaction
        )
        sa.event.listen(self.engine, "connect", _on_connect)
        sa.event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(**WRITES)
        self.batch = batch
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="steward-sqlite-writes", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in a write transaction (BEGIN IMMEDIATE … COMMIT), perhaps
        shared with other writes waiting at the same moment; what `work` returns once committed."""
        if self._closed:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(work, args, done, loop))
        return await done

    async def close(self) -> None:
        """Let the writes already handed over finish, then close the connection (on its thread:
        the driver's connections belong to the thread that opened them)."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)
        await asyncio.to_thread(self._thread.join)

    def _serve(self) -> None:
        more = True
        while more:
            job = self._jobs.get()
            jobs = []
            while job is not None:
                if not job.done.cancelled():
                    jobs.append(job)
                if len(jobs) == self.batch:
                    break
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
            more = job is not None
            if jobs:
                _deliver(jobs, self._commit(jobs))
        self.engine.dispose()

    def _commit(self, jobs: list[_Job]) -> list[tuple[bool, Any]]:
        try:
            with self._writer.begin() as conn:
                return [(True, job.work(conn, *job.args)) for job in jobs]
        except Exception as err:
            if len(jobs) == 1:
                return [(False, err)]
        return [self._commit([job])[0] for job in jobs]  # each alone: a failure is its own


@dataclass(frozen=True)
class _Job:
    work: Callable[..., Any]
    args: tuple[Any, ...]
    done: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


def _deliver(jobs: list[_Job], outcomes: list[tuple[bool, Any]]) -> None:
    """Hand each caller its outcome on its own event loop, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
    for job, (ok, value) in zip(jobs, outcomes, strict=True):
        by_loop.setdefault(job.loop, []).append((job.done, ok, value))
    for loop, results in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is waiting
            loop.call_soon_threadsafe(_settle, results)


def _settle(results: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in results:
        if future.done():  # cancelled while its write ran: the write stands, nobody hears of it
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
