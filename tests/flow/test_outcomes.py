"""What Steward reports is what happened (issue 15): a field the vendor did not take is an error,
a request with nothing to do is not made, a bulk look-up names every bad target, and `history`
finds a request however its target was given. Over the sandbox vendors and a real store."""

from __future__ import annotations

import json
from typing import Any

from bot.flow import reports
from bot.flow.pipeline import Pipeline
from bot.sandbox.common import Fault
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, RecordingNotifier, change

ANNA = "anna.petrova@acme.test"


def patches(sandbox: Sandbox, path: str = "") -> list[Any]:
    return [r for r in sandbox.requests("PATCH") if path in r.path]


async def test_a_field_the_vendor_answers_without_taking_is_an_error_not_a_change(
    pipeline: Pipeline, kaiten_sandbox: Sandbox, notifier: RecordingNotifier, kaiten: Any
) -> None:
    unchanged = (await kaiten.users(ids=[2]))[0].model_dump(mode="json", exclude_none=True)
    assert unchanged["theme"] == "auto"
    kaiten_sandbox.fail(Fault(status=200, body=json.dumps(unchanged), method="PATCH", path="/users/2"))

    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id
    [card] = notifier.finished
    [outcome] = card.outcomes
    assert card.state == "failed" and not outcome.ok
    assert (
        "Kaiten answered without an error but `theme` is still auto. Nothing was changed." in outcome.message
    )
    assert outcome.changed == "no"


async def test_a_change_whose_fields_already_hold_the_values_is_not_made(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=auto"), ADMIN, "C0OPS")

    assert answer.request_id is None and answer.private
    assert answer.text == "Nothing to do: Anna Petrova (anna.petrova@acme.test) already has `theme` auto."
    assert patches(kaiten_sandbox) == [] and notifier.shown == []
    assert await store.audit() == []


async def test_granting_a_permission_the_group_already_has_needs_no_approval_and_writes_nothing(
    pipeline: Pipeline, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    qa = "00000000-0000-4000-8000-000000000001"  # members|billing

    answer = await pipeline.submit(change(f"kaiten group {qa} grant billing"), ADMIN, "C0OPS")

    assert answer.request_id is None and "already has `permissions` members, billing (3)" in answer.text
    assert patches(kaiten_sandbox) == [] and notifier.shown == []


async def test_a_bulk_change_leaves_out_the_targets_already_so_and_says_how_many(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    kaiten_sandbox.app.users[3]["theme"] = "dark"  # type: ignore[attr-defined]

    answer = await pipeline.submit(change("kaiten user 2,3,4 set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    assert [t["id"] for t in row.targets] == ["2", "4"]
    assert sorted(p.path.rsplit("/", 1)[1] for p in patches(kaiten_sandbox)) == ["2", "4"]
    card = notifier.finished[-1]
    assert card.note == "1 of 3 users already had these values and was left out."


async def test_a_bulk_look_up_names_every_unknown_id_at_once(
    pipeline: Pipeline, kaiten_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change("kaiten user 2,99,98 set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id is None
    assert answer.text == "Kaiten has no users with the ids 99 and 98. Nothing was changed."
    assert patches(kaiten_sandbox) == []


async def test_history_finds_a_request_by_id_e_mail_or_login_on_every_vendor(
    pipeline: Pipeline, store: Store
) -> None:
    hub = await pipeline.submit(change(f"hub user {ANNA} set name=Anna2"), ADMIN, "C0OPS")
    kaiten = await pipeline.submit(change("kaiten user 2 set theme=dark"), ADMIN, "C0OPS")
    office = await pipeline.submit(change(f"onlyoffice user {ANNA} set title=QA"), ADMIN, "C0OPS")
    assert hub.request_id and kaiten.request_id and office.request_id

    for vendor, target, rid in [
        ("hub", ANNA, hub.request_id),
        ("hub", "anna.petrova", hub.request_id),
        ("kaiten", ANNA, kaiten.request_id),
        ("kaiten", "2", kaiten.request_id),
        ("onlyoffice", ANNA, office.request_id),
    ]:
        text = await reports.history(store, pipeline.policy, ADMIN, vendor, target)
        assert rid in text, (vendor, target, text)


async def test_emptying_an_onlyoffice_text_field_is_done_though_onlyoffice_reports_it_as_null(
    pipeline: Pipeline, store: Store
) -> None:
    await pipeline.submit(change("onlyoffice user hana.sato@acme.test set title=Lead"), ADMIN, "C0OPS")
    answer = await pipeline.submit(change("onlyoffice user hana.sato@acme.test set title=''"), ADMIN, "C0OPS")
    row = await store.get(answer.request_id or "")
    assert row is not None and row.state == "done", row and row.outcome
