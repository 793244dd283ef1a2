"""The schema is versioned: opening the store upgrades it in place, keeping the data, and
replicas starting together do not trip over each other."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.errors import ConfigError
from bot.store import migrations
from bot.store.core import Store
from bot.store.engine import async_url, create_engine
from bot.store.schema import metadata

from .conftest import Clock

OLD_ROW = {
    "id": "OLDR2345",
    "state": "pending",
    "vendor": "onlyoffice",
    "object": "user",
    "action": "disable",
    "targets": [{"id": "6f2e", "label": "Oleg"}],
    "target_keys": "\n6f2e\noleg\n",
    "fields": {"disable": True},
    "reason": "left the company",
    "requester": "U0ANNA",
    "approvals_required": 1,
    "runs": 0,
}


async def test_upgrading_from_the_first_revision_keeps_the_data(db_url: str, clock: Clock) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(migrations.upgrade, "0001")
            when = {
                "created_at": clock(),
                "updated_at": clock(),
                "expires_at": clock() + dt.timedelta(hours=1),
            }
            await conn.execute(metadata.tables["requests"].insert().values(**OLD_ROW, **when))
            assert await conn.run_sync(migrations.current) == "0001"
    finally:
        await engine.dispose()

    store = await Store.open(db_url, clock=clock)
    try:
        async with store.engine.connect() as conn:
            assert await conn.run_sync(migrations.current) == migrations.head() == "0006"
            indexes = await conn.run_sync(
                lambda c: {i["name"] for i in sa.inspect(c).get_indexes("requests")}
            )
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert "ix_requests_state_lease_until" in indexes
        assert {"seen_triggers", "forms"} <= tables  # 0004
        row = await store.get("OLDR2345")
        assert row is not None
        assert (row.state, row.vendor, row.fields, row.reason) == (
            "pending",
            "onlyoffice",
            {"disable": True},
            "left the company",
        )
        assert (row.told, row.deliver_until) == (None, None)  # 0003: nothing told, nobody delivering
        assert (await store.approve("OLDR2345", "U0BOSS")).approved_now
    finally:
        await store.close()


async def test_the_migrations_build_exactly_the_schema_the_code_uses(store: Store) -> None:
    async with store.engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
    assert diff == []


async def test_opening_an_up_to_date_store_again_changes_nothing(db_url: str, store: Store) -> None:
    again = await Store.open(db_url)
    await again.close()
    async with store.engine.connect() as conn:
        assert await conn.run_sync(migrations.current) == migrations.head()


async def test_replicas_opening_a_new_database_together_all_start(db_url: str) -> None:
    stores = await asyncio.gather(*(Store.open(db_url) for _ in range(4)))
    try:
        async with stores[0].engine.connect() as conn:
            assert await conn.run_sync(migrations.current) == migrations.head()
            versions = (await conn.execute(sa.text("SELECT count(*) FROM alembic_version"))).scalar()
        assert versions == 1
        assert all([await s.ping() for s in stores])
    finally:
        for store in stores:
            await store.close()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_path: Path) -> None:
    async def pragmas() -> tuple[str, int, int]:
        store = await Store.open(f"sqlite:///{sqlite_path}")
        try:
            async with store.engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
                timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
                secure = (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar()
                return mode, timeout, secure
        finally:
            await store.close()

    assert asyncio.run(pragmas()) == ("wal", 30_000, 1)


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///steward.db", "sqlite+aiosqlite"),
        ("sqlite:////var/lib/steward/steward.db", "sqlite+aiosqlite"),
        ("postgresql://steward@db.internal/steward", "postgresql+psycopg"),
        ("postgresql+psycopg2://steward@db/steward", "postgresql+psycopg"),
        ("postgres://steward:pw@db:5433/steward?sslmode=require", "postgresql+psycopg"),
    ],
)
def test_database_url_is_taken_as_written(url: str, driver: str) -> None:
    parsed = async_url(url)
    assert parsed.drivername == driver
    assert parsed.database == sa.make_url(url).database and parsed.query == sa.make_url(url).query


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://steward@db/steward",
            "SQLite or PostgreSQL, not 'mysql'; expected a URL such as sqlite:///",
        ),
        ("steward.db", "is not a database URL; expected a URL such as sqlite:///steward.db"),
        ("sqlite://", "is an in-memory database.*expected a file, such as sqlite:///steward.db"),
        ("sqlite:///:memory:", "is an in-memory database"),
    ],
)
def test_a_database_url_steward_cannot_use_is_a_config_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^DATABASE_URL.*{message}"):
        async_url(url)


async def test_many_replicas_opening_new_sqlite_files_together_never_find_the_database_locked(
    tmp_path: Path,
) -> None:
    # CI at e912db1 failed once with "database is locked" in PRAGMA journal_mode = WAL: SQLite
    # may refuse the switch at once, without waiting its busy timeout, when openers race for it
    for round_ in range(5):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        stores = await asyncio.gather(*(Store.open(url) for _ in range(8)))
        try:
            assert all([await s.ping() for s in stores])
        finally:
            for store in stores:
                await store.close()
