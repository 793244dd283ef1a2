"""Short-lived records (issue 14, points 9 and 14): a slash command's trigger id is taken once
across replicas, and a request form's state is kept under a short id for a day."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.store.core import Store

from .conftest import Clock

TRIGGER = "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536"


async def test_a_trigger_id_is_a_first_delivery_once(store: Store) -> None:
    assert await store.first_delivery(TRIGGER) is True
    assert await store.first_delivery(TRIGGER) is False
    assert await store.first_delivery(TRIGGER + "0") is True


async def test_of_replicas_taking_one_trigger_id_at_once_one_gets_it(db_url: str, clock: Clock) -> None:
    stores = [await Store.open(db_url, clock=clock) for _ in range(3)]
    try:
        firsts = await asyncio.gather(*(s.first_delivery(TRIGGER) for s in stores for _ in range(4)))
    finally:
        for opened in stores:
            await opened.close()
    assert sorted(firsts) == [False] * 11 + [True]


async def test_a_trigger_id_is_forgotten_after_ten_minutes(store: Store, clock: Clock) -> None:
    assert await store.first_delivery(TRIGGER)
    clock.advance(minutes=5)
    assert not await store.first_delivery(TRIGGER)  # Bolt's whole signature window
    clock.advance(minutes=6)
    assert await store.first_delivery("another")  # forgets what is older than 10 minutes
    assert await store.first_delivery(TRIGGER)


async def test_a_very_long_trigger_id_is_still_taken_once(store: Store) -> None:
    long = "x" * 5000
    assert await store.first_delivery(long) and not await store.first_delivery(long)
    assert await store.first_delivery(long[:-1] + "y")


async def test_a_forms_state_is_kept_under_a_short_id_and_taken_once(store: Store) -> None:
    targets = [str(uuid.uuid4()) for _ in range(500)]
    state = {"vendor": "hub", "obj": "user", "action": "ban", "targets": targets, "channel": "C0OPS"}
    form_id = await store.save_form("U0ADMIN", state)

    assert len(form_id) == 16
    loaded = await store.load_form(form_id)
    assert loaded is not None and (loaded.user, loaded.state) == ("U0ADMIN", state)
    assert await store.load_form(form_id) == loaded  # loading leaves it
    taken = await asyncio.gather(store.take_form(form_id), store.take_form(form_id))
    assert [t for t in taken if t is not None] == [loaded]
    assert await store.load_form(form_id) is None


async def test_a_form_is_forgotten_after_a_day(store: Store, clock: Clock) -> None:
    old = await store.save_form("U0ADMIN", {"vendor": "kaiten"})
    clock.advance(hours=23)
    assert await store.load_form(old) is not None
    clock.advance(hours=2)
    assert await store.load_form(old) is None and await store.take_form(old) is None
    new = await store.save_form("U0ADMIN", {"vendor": "hub"})  # and the old row goes
    assert await store.load_form(new) is not None
    async with store.engine.connect() as conn:
        from sqlalchemy import text

        assert (await conn.execute(text("SELECT count(*) FROM forms"))).scalar() == 1


@pytest.mark.parametrize("form_id", ["", "nope", "F0UNKNOWN0000000", "'; DROP TABLE forms; --", "x" * 3000])
async def test_an_id_steward_did_not_make_finds_no_form(store: Store, form_id: str) -> None:
    await store.save_form("U0ADMIN", {"vendor": "kaiten"})
    assert await store.load_form(form_id) is None
    assert await store.take_form(form_id) is None
