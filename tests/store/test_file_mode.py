"""The SQLite file holds who asked for what, and encrypted passwords while a change waits: it and
its -wal and -shm files are readable and writable by their owner alone (issue 14, point 12)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a service (022: new files readable by everyone), whatever the test
    runner's own."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def modes(directory: Path) -> dict[str, str]:
    return {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in directory.glob("steward.db*")}


@pytest.mark.usefixtures("open_umask")
async def test_the_sqlite_file_and_its_wal_and_shm_are_created_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "steward.db"
    store = await Store.open(f"sqlite:///{path}")
    try:
        await store.create(
            requester="U0ADMIN", vendor="kaiten", obj="user", action="set", targets=[2], fields={}
        )
        found = modes(tmp_path)
        assert found.keys() >= {"steward.db", "steward.db-wal", "steward.db-shm"}
        assert found == dict.fromkeys(found, "0o600")
    finally:
        await store.close()
