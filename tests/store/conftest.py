"""The store under test, on SQLite (a file in tmp_path) always and on PostgreSQL when
TEST_DATABASE_URL is set; each PostgreSQL test gets a schema of its own, dropped afterwards."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.store import Store, StoredRequest

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The store's clock, moved by hand: leases and expiry without waiting."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    schema = f"steward_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(postgres_url, schema)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "steward.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, sqlite_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{sqlite_path}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(db_url: str, clock: Clock) -> AsyncIterator[Store]:
    opened = await Store.open(db_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


NewRequest = Callable[..., Awaitable[StoredRequest]]


@pytest.fixture
def new_request(store: Store, clock: Clock) -> NewRequest:
    """Store a Kaiten user change by U0ANNA waiting for `approvals_required` approvals."""

    async def make(**overrides: Any) -> StoredRequest:
        values: dict[str, Any] = {
            "requester": "U0ANNA",
            "vendor": "kaiten",
            "obj": "user",
            "action": "set",
            "targets": [{"id": "42", "label": "Boris Petrov <boris@acme.test>"}],
            "fields": {"username": "bpetrov"},
            "reason": "new login policy",
            "channel": "C0OPS",
            "approvals_required": 1,
            "expires_at": clock() + dt.timedelta(hours=24),
        }
        return await store.create(**(values | overrides))

    return make
