"""Secrets in the store: a password, token or secret never reaches a column in clear, and the
encrypted password is gone from the database (file, write-ahead log and all) once erased."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.store.audit import MASK, mask
from bot.store.core import Store

from .conftest import Clock, NewRequest

PASSWORD = "Tr0ub4dor&3-horse"


class Theme(enum.StrEnum):
    dark = "dark"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"password": PASSWORD}, {"password": MASK}),
        ({"old_password": "x", "new_password": "y"}, {"old_password": MASK, "new_password": MASK}),
        (
            {"KAITEN_TOKEN": "t", "api_key": "k", "secret": b"s"},
            {"KAITEN_TOKEN": MASK, "api_key": MASK, "secret": MASK},
        ),
        ({"full_name": SecretStr(PASSWORD)}, {"full_name": MASK}),  # a SecretStr, whatever its name
        ({"password": None}, {"password": None}),  # "not given" stays visible
        ({"username": "bpetrov", "theme": Theme.dark}, {"username": "bpetrov", "theme": "dark"}),
        ({"nested": [{"token": "t", "id": 1}]}, {"nested": [{"token": MASK, "id": 1}]}),
        (
            {"name": "password", "current": None, "requested": PASSWORD, "hidden": True},
            {"name": "password", "current": None, "requested": MASK, "hidden": True},
        ),
        ({"name": "username", "requested": "bpetrov"}, {"name": "username", "requested": "bpetrov"}),
        ({"lead": uuid.UUID(int=1)}, {"lead": "00000000-0000-0000-0000-000000000001"}),
        ({"at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)}, {"at": "2026-01-02T00:00:00+00:00"}),
        ({"bits": {4, 1}}, {"bits": [1, 4]}),
        (b"raw bytes", MASK),
        ("a sentence about passwords", "a sentence about passwords"),  # only keys name secrets
    ],
)
def test_mask(given: Any, stored: Any) -> None:
    assert mask(given) == stored


async def _sensitive_request(store: Store, clock: Clock, sealed: bytes) -> str:
    row = await store.create(
        requester="U0ANNA",
        vendor="kaiten",
        obj="user",
        action="set",
        targets=["42"],
        fields={"password": SecretStr(PASSWORD), "old_password": PASSWORD, "full_name": "Boris"},
        reason="reset",
        approvals_required=1,
        expires_at=clock() + dt.timedelta(hours=1),
        card={"targets": [{"id": "42", "changes": [{"name": "password", "requested": PASSWORD}]}]},
        secret=sealed,
    )
    await store.record(row.id, "steward", "drift", {"token": PASSWORD, "field": "full_name"})
    await store.approve(row.id, "U0BOSS")
    await store.claim(row.id, "host-a:1", dt.timedelta(seconds=60))
    return row.id


async def test_no_column_holds_a_password_in_clear(store: Store, clock: Clock) -> None:
    request_id = await _sensitive_request(store, clock, b"sealed")
    await store.transition(
        request_id,
        "running",
        "done",
        "steward",
        "done",
        {"values": {"password": PASSWORD}},
        outcome=[{"id": "42", "values": {"password": PASSWORD, "full_name": "Boris"}}],
    )

    row = await store.get(request_id)
    assert row is not None
    assert row.fields == {"password": MASK, "old_password": MASK, "full_name": "Boris"}
    assert row.card == {"targets": [{"id": "42", "changes": [{"name": "password", "requested": MASK}]}]}
    assert row.outcome == [{"id": "42", "values": {"password": MASK, "full_name": "Boris"}}]
    entries = await store.audit(request_id=request_id)
    assert PASSWORD not in repr(entries) and PASSWORD not in repr(row)
    assert entries[1].detail == {"token": MASK, "field": "full_name"}
    assert entries[-1].detail == {"values": {"password": MASK}}


def _database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.mark.parametrize("how", ["erase_secret", "final state"])
async def test_an_erased_secret_is_nowhere_in_the_sqlite_files(
    sqlite_path: Path, clock: Clock, how: str
) -> None:
    sealed = Fernet(Fernet.generate_key()).encrypt(PASSWORD.encode())
    store = await Store.open(f"sqlite:///{sqlite_path}", clock=clock)
    try:
        request_id = await _sensitive_request(store, clock, sealed)
        row = await store.get(request_id)
        assert row is not None and row.secret == sealed
        assert sealed in _database_bytes(sqlite_path)  # the scan below can see it

        if how == "erase_secret":
            await store.erase_secret(request_id)
        else:
            await store.transition(request_id, "running", "failed", "steward", "failed")

        row = await store.get(request_id)
        assert row is not None and row.secret is None
        files = _database_bytes(sqlite_path)
        assert sealed not in files
        assert PASSWORD.encode() not in files
    finally:
        await store.close()


async def test_every_way_a_request_ends_erases_its_secret(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    rejected = await new_request(secret=b"sealed-1")
    expired = await new_request(secret=b"sealed-2", expires_at=clock() + dt.timedelta(minutes=1))
    kept = await new_request(secret=b"sealed-3")
    await store.transition(rejected.id, "pending", "rejected", "U0BOSS", "rejected")
    clock.advance(minutes=2)
    await store.expire_due(clock())
    refused = await store.refuse(
        why="passwords are off",
        requester="U0ANNA",
        vendor="kaiten",
        obj="user",
        action="set",
        targets=["42"],
        fields={"password": SecretStr(PASSWORD)},
        secret=b"sealed-4",
    )

    for request_id in (rejected.id, expired.id, refused.id):
        row = await store.get(request_id)
        assert row is not None and row.secret is None
    row = await store.get(kept.id)
    assert row is not None and row.secret == b"sealed-3"
