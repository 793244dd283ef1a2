"""Alembic's environment: migrate on the connection `bot.migrations.upgrade` hands in."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Steward's migrations run through bot.migrations.upgrade(connection), not the alembic CLI"
    )

context.configure(connection=connection, transactional_ddl=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
