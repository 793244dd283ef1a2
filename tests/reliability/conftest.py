"""Reliability rig: the end-to-end rig (fake Slack, sandbox vendors, `python -m bot`) with
several Steward processes sharing one PostgreSQL schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.audit import AuditEntry
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.e2e.conftest import Launcher, Rig, fake_slack, free_port, launcher, rig, steward_env

__all__ = ["fake_slack", "launcher", "rig", "steward_env"]  # fixtures reused from the e2e rig


async def audit_of(url: str) -> list[AuditEntry]:
    """Every audit entry in the database at `url`, read as another process would."""
    store = await Store.open(url, migrate=False)
    try:
        return [entry async for entry in store.iter_audit()]
    finally:
        await store.close()


@pytest.fixture
def replicas(
    launcher: Launcher,
    pg_url: str,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
    tmp_path: Path,
) -> list[Rig]:
    """Two Steward processes on one fresh PostgreSQL schema, each with its own port and log.
    Started one after the other so that only the first one runs the migrations."""
    rigs: list[Rig] = []
    for n in (1, 2):
        home = tmp_path / f"replica{n}"
        home.mkdir()
        rigs.append(launcher({"DATABASE_URL": pg_url, "PORT": str(free_port())}, home))
    for sandbox in (kaiten_sandbox, onlyoffice_sandbox, hub_sandbox):
        sandbox.app.state.clear_log()
    return rigs
