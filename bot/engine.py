"""The store's database engine: DATABASE_URL as PRODUCT.md writes it, turned into an asyncio
engine (`sqlite+aiosqlite`, `postgresql+psycopg`) set up for several concurrent writers, and, for
SQLite, the thread its writes run on (`SqliteWriter`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    # No rollback when a connection goes back to the pool: every connection Steward takes is
    # closed through SQLAlchemy, which has already ended its transaction (committed, or rolled
    # back), so the pool's own rollback was a second round trip to the driver's thread.
    engine = create_async_engine(
        parsed, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, pool_reset_on_return=None
    )
    sa.event.listen(engine.sync_engine, "connect", _on_connect)
    sa.event.listen(engine.sync_engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is deferred: two writers that both read first would then
    # both try to upgrade their lock and one fails at once, busy timeout or not. Steward begins
    # every transaction itself (below), as SQLAlchemy's SQLite docs recommend.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


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
    """SQLite's write transactions, each run whole on a thread of this store's own, over the
    standard library's driver, in one hand-over between threads. Through aiosqlite every
    statement is three or four hand-overs (cursor, execute, fetch, close), each waiting for a
    turn of a busy event loop while SQLite's one write lock is held; and this process's writers
    queue on the thread instead of sleeping at SQLite's lock. Reads stay on the async engine."""

    def __init__(self, url: sa.URL) -> None:
        self.engine = sa.create_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": SQLITE_BUSY_MS / 1000},
            pool_reset_on_return=None,  # as in create_engine: SQLAlchemy has ended each transaction
        )
        sa.event.listen(self.engine, "connect", _on_connect)
        sa.event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(**WRITES)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steward-sqlite-writes")

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in one write transaction (BEGIN IMMEDIATE … COMMIT)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, work, args)

    def _transaction(self, work: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self._writer.begin() as conn:
            return work(conn, *args)

    async def close(self) -> None:
        """Let the writes already handed over finish, then close the connection (on its thread:
        the driver's connections belong to the thread that opened them)."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self.engine.dispose)
        self._thread.shutdown()
