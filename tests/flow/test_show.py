"""`/steward <vendor> user <target>` and `/steward kaiten group <target>` with no action: the
target as Steward reads it, for an admin of that vendor only (issue 15, point 20)."""

from __future__ import annotations

from bot.flow import reports
from bot.flow.pipeline import Pipeline
from bot.language import Show, parse
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, STRANGER

ANNA = "anna.petrova@acme.test"
QA = "00000000-0000-4000-8000-000000000001"


def test_a_target_alone_is_a_request_to_see_it() -> None:
    assert parse(f"kaiten user {ANNA}") == Show("kaiten", "user", ANNA)
    assert parse(f"youtrack user {ANNA}") == Show("hub", "user", ANNA)
    assert parse(f"kaiten group {QA}") == Show("kaiten", "group", QA)


async def test_an_admin_sees_every_field_steward_can_set_with_its_current_value(
    pipeline: Pipeline, kaiten_sandbox: Sandbox
) -> None:
    text = await reports.show(pipeline, ADMIN, "kaiten", "user", ANNA)

    lines = text.splitlines()
    assert lines[0] == "Anna Petrova (anna.petrova@acme.test) · Kaiten user 2"
    assert lines[1] == "state: active"
    assert any(line.split() == ["theme", "auto"] for line in lines)
    assert any(line.startswith("full_name ") and line.endswith("Anna Petrova") for line in lines)
    assert not any(line.startswith("password") for line in lines)  # never a secret


async def test_a_group_shows_its_permissions_by_name(pipeline: Pipeline) -> None:
    text = await reports.show(pipeline, ADMIN, "kaiten", "group", QA)

    assert any(line.split(None, 1) == ["permissions", "members, billing (3)"] for line in text.splitlines())


async def test_a_banned_hub_user_says_so(pipeline: Pipeline, hub_sandbox: Sandbox) -> None:
    await pipeline.submit(parse(f"hub user {ANNA} ban reason=test"), ADMIN, "C0OPS")  # type: ignore[arg-type]
    await pipeline.decide((await pipeline.store.audit())[-1].request_id or "", "U0BOSS", "approve")

    hub = await reports.show(pipeline, ADMIN, "hub", "user", ANNA)

    assert hub.splitlines()[1] == "state: banned"


async def test_anyone_but_an_admin_of_the_vendor_is_told_so_and_the_vendor_is_not_asked(
    pipeline: Pipeline, kaiten_sandbox: Sandbox
) -> None:
    text = await reports.show(pipeline, STRANGER, "kaiten", "user", ANNA)

    assert text == "Only Steward's admins of Kaiten may look up its users."
    assert kaiten_sandbox.requests() == []
