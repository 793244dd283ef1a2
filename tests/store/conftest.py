"""The store under test, on SQLite (a file in tmp_path) always and on PostgreSQL when
TEST_DATABASE_URL is set; each PostgreSQL test gets a schema of its own, dropped afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.store.core import Store, StoredRequest

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
