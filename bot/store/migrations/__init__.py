"""The store's schema migrations (Alembic), run from Python when the store opens.

The scripts ship inside the package (`versions/`), so no alembic.ini is needed at run time.
`upgrade()` runs inside the caller's transaction: on PostgreSQL it first takes an advisory lock
held to the end of that transaction, so replicas starting together migrate one after another
and the later ones find the schema already at head. On SQLite the store begins every
transaction with BEGIN IMMEDIATE, which serialises openers the same way.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

HERE = Path(__file__).parent

#: pg_advisory_xact_lock key: the bytes of "steward" read as an integer, to stay clear of other apps.
LOCK_KEY = int.from_bytes(b"steward", "big")


def config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: sa.Connection, revision: str = "head") -> None:
    """Bring the schema to `revision` within the connection's open transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    command.upgrade(config(connection), revision)


def current(connection: sa.Connection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None
    return head
