"""Targets as people type them, resolved against the sandbox vendors over HTTP."""

from __future__ import annotations

from bot.flow.resolve import resolve
from bot.sandbox.onlyoffice_data import user_id
from bot.vendors.onlyoffice import OnlyofficeClient
from tests.conftest import Sandbox

ANNA, DANA = user_id("anna.petrova"), user_id("dana.kim")


async def no_email(_: str) -> str | None:
    return None


async def test_guids_typed_in_capitals_are_found_in_the_one_batch_read(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    records = await resolve(onlyoffice, "user", [ANNA.upper(), DANA.upper()], no_email)

    assert [r.id for r in records] == [ANNA, DANA]
    assert len(onlyoffice_sandbox.requests("GET")) == 2  # one read each, no second look-up
