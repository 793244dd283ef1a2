"""Reliability rig: the end-to-end rig (fake Slack, sandbox vendors, `python -m bot`) with
several Steward processes sharing one PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.audit import AuditEntry
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.e2e.conftest import Rig, fake_slack, free_port, launch, rig, steward_env, stop
from tests.rig.fake_slack import FakeSlack

__all__ = ["fake_slack", "rig", "steward_env"]  # fixtures reused from the e2e rig


async def audit_of(url: str) -> list[AuditEntry]:
    """Every audit entry in the database at `url`, read as another process would."""
    store = await Store.open(url, migrate=False)
    try:
        return [entry async for entry in store.iter_audit()]
    finally:
        await store.close()


@pytest.fixture
def replicas(
    steward_env: dict[str, str],
    pg_url: str,
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
    tmp_path: Path,
) -> Iterator[list[Rig]]:
    """Two Steward processes on one fresh PostgreSQL schema, each with its own port and log.
    Started one after the other so that only the first one runs the migrations."""
    rigs: list[Rig] = []
    try:
        for n in (1, 2):
            home = tmp_path / f"replica{n}"
            home.mkdir()
            env = steward_env | {"DATABASE_URL": pg_url, "PORT": str(free_port())}
            rigs.append(launch(env, home, fake_slack, kaiten_sandbox, onlyoffice_sandbox, hub_sandbox))
        for sandbox in (kaiten_sandbox, onlyoffice_sandbox, hub_sandbox):
            sandbox.app.state.clear_log()
        yield rigs
    finally:
        for rig in rigs:
            if rig.process is not None:
                stop(rig.process)
