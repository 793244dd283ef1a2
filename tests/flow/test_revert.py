"""Revert (issue 17, point 1): a finished request's changes set back by a new request that goes
through the same policy, card and approval, whose card links the request it reverts, and whose
drift check compares against what the first request wrote. Passwords are never reverted."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.flow import reports
from bot.flow.execute import groups
from bot.flow.pipeline import Pipeline
from bot.language import Membership, Offboard, parse
from bot.slack import messages
from bot.store import SecretBox, Store
from bot.store.audit import export
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, STRANGER, RecordingNotifier, change

QA = "00000000-0000-4000-8000-000000000001"  # Kaiten's QA engineers: permissions 3, members 2 and 4


async def finished(pipeline: Pipeline, store: Store, text: str) -> str:
    """Submit `text` as ADMIN, approve it when it waits, and return its id once it has run."""
    parsed = parse(text)
    if isinstance(parsed, Membership):
        answer = await pipeline.submit_membership(parsed, ADMIN, "C0OPS")
    elif isinstance(parsed, Offboard):
        answer = await pipeline.submit_offboard(parsed, ADMIN, "C0OPS")
    else:
        answer = await pipeline.submit(parsed, ADMIN, "C0OPS")  # type: ignore[arg-type]
    assert answer.request_id, answer.text
    row = await store.get(answer.request_id)
    if row is not None and row.state == "pending":
        await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done", (row and row.state, row and row.outcome)
    return answer.request_id


async def reverted(pipeline: Pipeline, store: Store, request_id: str) -> Any:
    answer = await pipeline.submit_revert(request_id, ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    row = await store.get(answer.request_id)
    if row is not None and row.state == "pending":
        await pipeline.decide(answer.request_id, BOSS, "approve")
    return await store.get(answer.request_id)


async def test_a_set_is_reverted_to_the_values_before_and_its_card_links_the_request_it_reverts(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    before = kaiten_sandbox.app.users[2]["theme"]  # type: ignore[attr-defined]
    first = await finished(pipeline, store, "kaiten user 2 set theme=dark")
    assert kaiten_sandbox.app.users[2]["theme"] == "dark"  # type: ignore[attr-defined]

    row = await reverted(pipeline, store, first)
    assert row.state == "done" and row.reverts == first and row.action == "set"
    assert kaiten_sandbox.app.users[2]["theme"] == before  # type: ignore[attr-defined]
    card = notifier.last(row.id)
    assert card.reverts == first and f"(reverts request {first})" in messages.summary(card)
    assert messages.card_message(card).blocks[0]["text"]["text"].startswith("Revert request")
    assert "revert_requested" in [e.event for e in await store.audit(request_id=first)]


async def test_a_grant_is_reverted_by_revoking_what_it_added_with_approval(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    first = await finished(pipeline, store, f"kaiten group {QA} grant tags")
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3 | 512  # type: ignore[attr-defined]

    answer = await pipeline.submit_revert(first, ADMIN, "C0OPS")
    assert "waiting for approval" in answer.text  # group.permissions is sensitive, a revert too
    row = await store.get(answer.request_id or "")
    assert row is not None and row.action == "revoke"
    await pipeline.decide(row.id, BOSS, "approve")
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]


async def test_a_group_add_is_reverted_by_a_remove(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    first = await finished(pipeline, store, f"kaiten group {QA} add boris.ivanov@acme.test")
    row = await reverted(pipeline, store, first)
    assert row.action == "remove" and row.state == "done", row.outcome
    assert [r.path.rsplit("/", 1)[1] for r in kaiten_sandbox.requests("DELETE", "/groups/")] == ["3"]


async def test_switching_off_is_reverted_by_switching_on_on_each_vendor(
    pipeline: Pipeline,
    store: Store,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
) -> None:
    for text, action in (
        ("kaiten user 3 deactivate", "reactivate"),
        ("onlyoffice user julia.meyer@acme.test disable", "enable"),
        ("hub user chen.wei@acme.test ban reason=left", "unban"),
    ):
        first = await finished(pipeline, store, text)
        row = await reverted(pipeline, store, first)
        assert (row.action, row.state) == (action, "done"), row.outcome
    assert kaiten_sandbox.app.users[3]["role"] != 3  # type: ignore[attr-defined]


async def test_an_offboarding_is_reverted_by_a_reinstatement_on_the_vendors_it_reached(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier, kaiten_sandbox: Sandbox
) -> None:
    first = await finished(pipeline, store, "offboard julia.meyer@acme.test reason=left")
    row = await reverted(pipeline, store, first)
    assert (row.action, row.state, row.vendor) == ("reinstate", "done", "kaiten,onlyoffice,hub"), row.outcome
    assert kaiten_sandbox.app.users[10]["role"] != 3  # type: ignore[attr-defined]
    assert sorted(vendor for vendor, card in notifier.parts if card.id == row.id) == [
        "hub",
        "kaiten",
        "onlyoffice",
    ]
    assert messages.summary(notifier.last(row.id)).startswith(
        f"<@{ADMIN}> asks to reinstate julia.meyer@acme.test"
    )


async def test_a_target_changed_since_the_first_request_wrote_it_is_not_reverted_and_the_thread_says_so(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    first = await finished(pipeline, store, "kaiten user 2,4 set theme=dark")
    kaiten_sandbox.app.users[4]["theme"] = "light"  # type: ignore[attr-defined]  # someone else, since

    row = await reverted(pipeline, store, first)
    assert row.state == "partly_done"
    by_id = {o["id"]: o for o in row.outcome}
    assert by_id["2"]["ok"] and not by_id["4"]["ok"] and by_id["4"]["kind"] == "drift"
    assert "changed in Kaiten after" in by_id["4"]["message"]
    assert kaiten_sandbox.app.users[4]["theme"] == "light"  # type: ignore[attr-defined]


async def test_a_request_that_set_a_password_has_no_revert_button_and_cannot_be_reverted(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier
) -> None:
    pipeline = make_pipeline(secret_box=SecretBox(SecretStr(Fernet.generate_key().decode())))
    change_ = dataclasses.replace(
        change("kaiten user 2 set lng=en"), fields={"password": SecretStr("Sup3r-secret!")}
    )
    answer = await pipeline.submit(change_, ADMIN, "C0OPS")
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    card = notifier.last(answer.request_id)
    assert not card.revertible and messages.REVERT not in str(messages.card_message(card).blocks)

    refused = await pipeline.submit_revert(answer.request_id, ADMIN, "C0OPS")
    assert refused.request_id is None and "keeps no password to go back to" in refused.text


async def test_a_done_card_offers_revert_and_a_failed_or_pending_one_does_not(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    done = await finished(pipeline, store, "kaiten user 2 set theme=dark")
    assert messages.REVERT in str(messages.card_message(notifier.last(done)).blocks)

    pending = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    assert messages.REVERT not in str(messages.card_message(notifier.last(pending.request_id or "")).blocks)
    answer = await pipeline.submit_revert(pending.request_id or "", ADMIN, "C0OPS")
    assert "only a request that is done or partly done can be reverted" in answer.text


async def test_someone_who_may_not_read_a_request_cannot_revert_it_nor_learn_it_exists(
    pipeline: Pipeline, store: Store
) -> None:
    done = await finished(pipeline, store, "kaiten user 2 set theme=dark")
    answer = await pipeline.submit_revert(done, STRANGER, "C0OPS")
    assert answer.text == f"There is no request {done} that you may see." and answer.request_id is None
    assert [e.event for e in await store.audit(request_id=done)].count("revert_requested") == 0


OFFICE_ENGINEERING = "0362549a-087f-5171-83c9-1ad3dcd7757b"  # chen.wei, dana.kim, julia.meyer
HUB_ENGINEERING = "74467f72-cf9d-5632-9e3b-7e25918712d1"  # boris.ivanov, chen.wei


async def values_of(pipeline: Pipeline, vendor: str, person: str) -> dict[str, Any]:
    [record] = await pipeline.look_up(vendor, "user", [person])
    return dict(record.values)


async def member_ids(pipeline: Pipeline, vendor: str, group: str) -> set[str]:
    found = await groups(pipeline.vendors[vendor]).members(await pipeline.group_of(vendor, group))
    return {r.id for r in found}


@pytest.mark.parametrize(
    ("vendor", "person", "name", "value"),
    [
        ("onlyoffice", "hana.sato@acme.test", "title", "QA lead"),
        ("hub", "hana.sato@acme.test", "name", "Hana S."),
    ],
)
async def test_a_set_is_reverted_on_onlyoffice_and_hub(
    pipeline: Pipeline, store: Store, vendor: str, person: str, name: str, value: str
) -> None:
    before = (await values_of(pipeline, vendor, person))[name]
    first = await finished(pipeline, store, f"{vendor} user {person} set {name}='{value}'")
    assert (await values_of(pipeline, vendor, person))[name] == value

    row = await reverted(pipeline, store, first)
    assert (row.action, row.state) == ("set", "done"), row.outcome
    assert (await values_of(pipeline, vendor, person))[name] == before


@pytest.mark.parametrize(
    ("vendor", "group", "person", "action", "undo"),
    [
        ("kaiten", QA, "boris.ivanov@acme.test", "add", "remove"),
        ("kaiten", QA, "chen.wei@acme.test", "remove", "add"),
        ("onlyoffice", OFFICE_ENGINEERING, "hana.sato@acme.test", "add", "remove"),
        ("onlyoffice", OFFICE_ENGINEERING, "chen.wei@acme.test", "remove", "add"),
        ("hub", HUB_ENGINEERING, "hana.sato@acme.test", "add", "remove"),
        ("hub", HUB_ENGINEERING, "chen.wei@acme.test", "remove", "add"),
    ],
)
async def test_a_group_add_or_remove_is_reverted_on_each_vendor(
    pipeline: Pipeline, store: Store, vendor: str, group: str, person: str, action: str, undo: str
) -> None:
    before = await member_ids(pipeline, vendor, group)
    [who] = await pipeline.look_up(vendor, "user", [person])
    assert (who.id in before) == (action == "remove")
    first = await finished(pipeline, store, f"{vendor} group {group} {action} {person}")

    row = await reverted(pipeline, store, first)
    assert (row.action, row.state, row.reverts) == (undo, "done", first), row.outcome
    assert await member_ids(pipeline, vendor, group) == before


async def test_a_revoke_is_reverted_by_granting_what_it_took(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    first = await finished(pipeline, store, f"kaiten group {QA} revoke billing")
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 1  # type: ignore[attr-defined]

    row = await reverted(pipeline, store, first)
    assert (row.action, row.state) == ("grant", "done"), row.outcome
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "vendor", "person", "undo", "off"),
    [
        (
            "onlyoffice user gleb.orlov@acme.test enable",
            "onlyoffice",
            "gleb.orlov@acme.test",
            "disable",
            "disable",
        ),
        ("hub user emil.novak@acme.test unban", "hub", "emil.novak@acme.test", "ban", "banned"),
    ],
)
async def test_switching_on_is_reverted_by_switching_off_again(
    pipeline: Pipeline, store: Store, text: str, vendor: str, person: str, undo: str, off: str
) -> None:
    assert (await values_of(pipeline, vendor, person))[off] is True
    first = await finished(pipeline, store, text)
    assert (await values_of(pipeline, vendor, person))[off] is False

    row = await reverted(pipeline, store, first)
    assert (row.action, row.state) == (undo, "done"), row.outcome
    assert (await values_of(pipeline, vendor, person))[off] is True


async def test_history_and_the_audit_export_show_a_revert_with_the_request_it_reverts(
    pipeline: Pipeline, store: Store
) -> None:
    first = await finished(pipeline, store, "kaiten user 2 set theme=dark")
    row = await reverted(pipeline, store, first)

    lines = (await reports.history(store, pipeline.policy, ADMIN, "kaiten", None)).splitlines()
    assert any(f"{first} revert_requested by {ADMIN} → {row.id}" in line for line in lines), lines
    assert any(f"{row.id} created by {ADMIN}" in line and f"(reverts {first})" in line for line in lines)

    exported = [json.loads(line) async for line in export(store, None, "jsonl")]
    [asked] = [e for e in exported if e["event"] == "revert_requested"]
    assert (asked["request_id"], asked["detail"]["request"]) == (first, row.id)
    [created] = [e for e in exported if e["event"] == "created" and e["request_id"] == row.id]
    assert created["detail"]["reverts"] == first
    csv_text = "".join([line async for line in export(store, None, "csv")])
    assert f'""request"": ""{row.id}""' in csv_text and f'""reverts"": ""{first}""' in csv_text
