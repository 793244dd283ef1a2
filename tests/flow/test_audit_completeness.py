"""A scripted run of 200 mixed requests: every request ends in a final state with an audit entry
(actor and time) for each transition, and no password or token is anywhere in the database or
in the audit export."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import json
import random
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.flow.pipeline import Pipeline
from bot.flow.policy import Policy
from bot.sandbox import company
from bot.sandbox.common import Fault
from bot.sandbox.kaiten_data import EXTRA_FROM
from bot.store.audit import export
from bot.store.core import Store
from bot.store.secretbox import SecretBox
from bot.vendors.kaiten.client import KaitenClient
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, RecordingNotifier, change, email_of

PASSWORD = "Correct-Horse-Battery-9"
QA = "00000000-0000-4000-8000-000000000001"
FINAL = {"done", "failed", "partly_done", "rejected", "cancelled", "expired", "refused"}
KINDS = ["immediate", "approved", "rejected", "cancelled", "expired", "failed", "bulk", "refused", "password"]


async def _database_text(store: Store, db_url: str) -> str:
    """Every row of every table as text, and on SQLite the raw bytes of its files too."""
    chunks = []
    async with store.engine.connect() as conn:
        for table in ("requests", "approvals", "audit"):
            rows = (await conn.execute(sa.text(f"SELECT * FROM {table}"))).all()  # noqa: S608  # fixed names
            chunks += [repr(tuple(r)) for r in rows]
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if name.exists():
                chunks.append(name.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


async def test_two_hundred_mixed_requests_all_end_with_a_complete_audit_and_no_secret(
    store: Store, db_url: str, kaiten_sandbox: Sandbox, notifier: RecordingNotifier, policy: Policy
) -> None:
    kaiten_sandbox.option(rate_limit=False, extra_users=200)
    kaiten_sandbox.fail(
        Fault(status=400, body='{"message":"user is locked"}', method="PATCH", path="/users/9", times=10_000)
    )
    box = SecretBox(SecretStr(Fernet.generate_key().decode()))
    async with httpx.AsyncClient() as http:
        kaiten = KaitenClient(http, f"{kaiten_sandbox.url}/api/latest", company.KAITEN_TOKEN, rate=10_000)
        common: dict[str, Any] = dict(
            store=store, vendors={"kaiten": kaiten}, notifier=notifier, email_of=email_of, secret_box=box
        )
        main = Pipeline(policy=policy, **common)
        expiring = Pipeline(policy=dataclasses.replace(policy, ttl=dt.timedelta(seconds=-1)), **common)
        rng = random.Random(7)
        kinds = [KINDS[i % len(KINDS)] for i in range(200)]
        rng.shuffle(kinds)

        async def one(kind: str, n: int) -> str | None:
            # a user of its own (the sandbox's generated ones), so that no request drifts another
            # and none is already so; the locked user 9 only on purpose
            user = EXTRA_FROM + n
            if kind == "immediate":
                return (
                    await main.submit(change(f"kaiten user {user} set full_name=Person{n}"), ADMIN, "C0OPS")
                ).request_id
            if kind == "refused":
                await main.submit(change(f"kaiten user {user} set lng=de"), "U0NOBODY", "C0OPS")
                return None
            if kind == "failed":
                return (
                    await main.submit(change(f"kaiten user 9 set full_name=Locked{n}"), ADMIN, "C0OPS")
                ).request_id
            if kind == "bulk":
                return (
                    await main.submit(change(f"kaiten user {user},9 set full_name=Bulk{n}"), ADMIN, "C0OPS")
                ).request_id
            if kind == "password":
                request = dataclasses.replace(
                    change(f"kaiten user {user} set lng=en"), fields={"password": SecretStr(PASSWORD)}
                )
                answer = await main.submit(request, ADMIN, "C0OPS")
                await main.decide(answer.request_id or "", BOSS, "approve")
                return answer.request_id
            pipeline = expiring if kind == "expired" else main
            # a sensitive change that is never already so (every request here must be a real change)
            answer = await pipeline.submit(
                change(f"kaiten user {user} set username=user{n} reason=r{n}"), ADMIN, "C0OPS"
            )
            verb = {
                "approved": ("approve", BOSS),
                "rejected": ("reject", BOSS),
                "cancelled": ("cancel", ADMIN),
            }.get(kind)
            if verb:
                await pipeline.decide(answer.request_id or "", verb[1], verb[0])
            return answer.request_id

        gate = asyncio.Semaphore(10)

        async def bounded(kind: str, n: int) -> str | None:
            async with gate:
                return await one(kind, n)

        ids = await asyncio.gather(*(bounded(k, n) for n, k in enumerate(kinds)))
        await main.upkeep()

    refused = [e for e in await store.audit() if e.event == "refused"]
    assert len(refused) == kinds.count("refused")
    states: dict[str, int] = {}
    for request_id in filter(None, ids):
        row = await store.get(request_id)
        assert row is not None and row.state in FINAL, (request_id, row and row.state)
        states[row.state] = states.get(row.state, 0) + 1
        trail = await store.audit(request_id=request_id)
        moves = [(e.from_state, e.to_state) for e in trail if e.to_state]
        assert moves[0] == (None, "pending")
        assert all(a[1] == b[0] for a, b in itertools.pairwise(moves)), moves  # an unbroken chain
        assert moves[-1][1] == row.state
        assert all(e.actor and e.at for e in trail)
        assert row.secret is None
    assert states == {
        "done": kinds.count("immediate") + kinds.count("approved") + kinds.count("password"),
        "failed": kinds.count("failed"),
        "partly_done": kinds.count("bulk"),
        "rejected": kinds.count("rejected"),
        "cancelled": kinds.count("cancelled"),
        "expired": kinds.count("expired"),
    }
    sent = [r for r in kaiten_sandbox.requests("PATCH") if PASSWORD in r.body]
    assert len(sent) == kinds.count("password")  # the password reached Kaiten, and only Kaiten

    exported = "".join([line async for line in export(store, None, "jsonl")])
    exported += "".join([line async for line in export(store, None, "csv")])
    everything = await _database_text(store, db_url) + exported
    for secret in (PASSWORD, company.KAITEN_TOKEN):
        assert secret not in everything
    assert all(json.loads(line) for line in exported.splitlines() if line.startswith("{"))
