"""SQLite's write thread (bot/engine.py `SqliteWriter`): writes handed over together are
committed together, each still all-or-nothing and answered with its own outcome."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.store.engine import SqliteWriter


@pytest.fixture
async def writes(sqlite_path: Path) -> AsyncIterator[SqliteWriter]:
    writer = SqliteWriter(sa.make_url(f"sqlite:///{sqlite_path}"))
    await writer.run(lambda conn: conn.exec_driver_sql("CREATE TABLE notes (n INTEGER PRIMARY KEY)"))
    yield writer
    await writer.close()


def note(conn: sa.Connection, n: int) -> int:
    conn.exec_driver_sql("INSERT INTO notes (n) VALUES (?)", (n,))
    return n


def notes(conn: sa.Connection) -> list[int]:
    return [row[0] for row in conn.exec_driver_sql("SELECT n FROM notes ORDER BY n")]


def slow_note(conn: sa.Connection, n: int) -> int:
    time.sleep(0.3)  # holds the thread while the next writes queue up behind it
    return note(conn, n)


async def test_writes_handed_over_together_each_get_their_own_answer(writes: SqliteWriter) -> None:
    first = asyncio.ensure_future(writes.run(slow_note, 0))
    await asyncio.sleep(0.05)
    answers = await asyncio.gather(*(writes.run(note, n) for n in range(1, 21)))

    assert await first == 0 and answers == list(range(1, 21))
    assert await writes.run(notes) == list(range(21))


async def test_a_failing_write_fails_alone_and_leaves_nothing_behind(writes: SqliteWriter) -> None:
    def half_then_fail(conn: sa.Connection) -> None:
        note(conn, 100)
        note(conn, 1)  # already there: the primary key refuses it

    await writes.run(note, 1)
    blocker = asyncio.ensure_future(writes.run(slow_note, 0))
    await asyncio.sleep(0.05)
    results = await asyncio.gather(
        writes.run(note, 2), writes.run(half_then_fail), writes.run(note, 3), return_exceptions=True
    )

    await blocker
    assert results[0] == 2 and results[2] == 3
    assert isinstance(results[1], sa.exc.IntegrityError)
    assert await writes.run(notes) == [0, 1, 2, 3]  # not 100: the failed write is undone whole


async def test_a_write_given_up_before_its_turn_does_not_run(writes: SqliteWriter) -> None:
    blocker = asyncio.ensure_future(writes.run(slow_note, 0))
    await asyncio.sleep(0.05)
    given_up = asyncio.ensure_future(writes.run(note, 7))
    await asyncio.sleep(0)
    given_up.cancel()

    await blocker
    assert await writes.run(notes) == [0]


async def test_a_closed_writer_takes_no_more_writes_and_finishes_those_it_had(
    writes: SqliteWriter,
) -> None:
    pending = asyncio.ensure_future(writes.run(slow_note, 0))
    await asyncio.sleep(0.05)
    await writes.close()

    assert pending.done() and pending.result() == 0
    with pytest.raises(RuntimeError, match="closed"):
        await writes.run(note, 1)
