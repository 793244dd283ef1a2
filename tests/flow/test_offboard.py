"""`/steward offboard <person>` through the pipeline, against the sandbox vendors: one request, one
card with each vendor's account, always approved first, the vendors run side by side, each
vendor's outcome in the thread as it ends, and one vendor's failure does not stop the others."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.flow.pipeline import Pipeline
from bot.flow.policy import Policy, VendorPolicy
from bot.language import Offboard, parse
from bot.sandbox.common import Fault
from bot.store import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, STRANGER, RecordingNotifier

JULIA = "julia.meyer@acme.test"  # on Kaiten (10), ONLYOFFICE and Hub
JULIA_OO = "a5ee76ec-d4c2-57ab-8880-b5167a0dfbf1"


def oo_writes(onlyoffice_sandbox: Sandbox) -> list[Any]:
    """ONLYOFFICE's writes that disable Julia: a PUT of her, or of the status of a list."""
    return [
        r for r in onlyoffice_sandbox.requests("PUT") if r.path.endswith(JULIA_OO) or "/status/" in r.path
    ]


DANA = "dana.kim@acme.test"  # on Kaiten (5) and ONLYOFFICE, not on Hub


def offboard(text: str) -> Offboard:
    parsed = parse(f"offboard {text}")
    assert isinstance(parsed, Offboard), parsed
    return parsed


async def test_offboarding_a_person_on_all_three_vendors_waits_for_approval_then_switches_each_off(
    pipeline: Pipeline,
    store: Store,
    notifier: RecordingNotifier,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
) -> None:
    answer = await pipeline.submit_offboard(offboard(f'{JULIA} reason="left the company"'), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    assert "waiting for approval" in answer.text and "offboarding always needs 1 approval" in answer.text
    assert not kaiten_sandbox.requests("PATCH") and not onlyoffice_sandbox.requests("PUT")
    assert not [r for r in hub_sandbox.requests("POST") if "/users/" in r.path]

    card = notifier.last(answer.request_id)
    assert card.offboarding and card.state == "pending"
    assert [t.vendor for t in card.targets] == ["kaiten", "onlyoffice", "hub"]
    assert {c.name: c.requested for t in card.targets for c in t.changes} == {
        "temporarily_inactive": True,
        "disable": True,
        "banned": True,
        "banReason": "left the company",
    }
    assert [p.name for p in card.parts] == ["Kaiten", "ONLYOFFICE", "Hub"]
    assert all(p.account and p.included for p in card.parts)
    groups = {p.vendor: p.groups for p in card.parts}
    assert groups == {"kaiten": ("Support",), "onlyoffice": ("Engineering",), "hub": ("Backend Developers",)}

    approved = await pipeline.decide(answer.request_id, BOSS, "approve")
    assert "approved" in approved.text
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done", (row and row.state, row and row.outcome)
    assert sorted(vendor for vendor, _ in notifier.parts) == ["hub", "kaiten", "onlyoffice"]
    assert all(len(part.outcomes) == 1 and part.outcomes[0].ok for _, part in notifier.parts)
    assert notifier.threads[-1].state == "done" and len(notifier.threads[-1].outcomes) == 3

    assert kaiten_sandbox.app.users[10]["role"] == 3  # type: ignore[attr-defined]  # deactivated
    [hub_write] = [
        r
        for r in hub_sandbox.requests("POST")
        if r.path.endswith("/users/267c24ef-aa88-5764-99b2-4df30f542275")
    ]
    assert hub_write.json() == {"banned": True, "banReason": "left the company"}
    assert len(oo_writes(onlyoffice_sandbox)) == 1


async def test_a_person_without_a_hub_account_is_offboarded_on_the_other_two_and_the_card_says_so(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_offboard(offboard(DANA), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    card = notifier.last(answer.request_id)
    assert [t.vendor for t in card.targets] == ["kaiten", "onlyoffice"]
    [hub] = [p for p in card.parts if p.vendor == "hub"]
    assert hub.note == "no account on Hub" and not hub.account
    row = await store.get(answer.request_id)
    assert row is not None and row.vendor == "kaiten,onlyoffice"

    await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    assert len(row.outcome) == 2


async def test_a_vendor_that_fails_does_not_stop_the_others_and_the_request_ends_partly_done(
    pipeline: Pipeline,
    store: Store,
    notifier: RecordingNotifier,
    hub_sandbox: Sandbox,
    kaiten_sandbox: Sandbox,
) -> None:
    answer = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    hub_sandbox.fail(
        Fault(
            status=403,
            body='{"error":"forbidden","error_description":"no right to ban"}',
            method="POST",
            times=5,
        )
    )
    await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "partly_done"
    by_vendor = {o["vendor"]: o for o in row.outcome}
    assert by_vendor["kaiten"]["ok"] and by_vendor["onlyoffice"]["ok"]
    assert not by_vendor["hub"]["ok"] and "no right to ban" in by_vendor["hub"]["message"]
    assert kaiten_sandbox.app.users[10]["role"] == 3  # type: ignore[attr-defined]  # deactivated

    final = notifier.threads[-1]
    assert final.state == "partly_done"
    from bot.slack import messages

    text = messages.card_message(final).text + str(messages.card_message(final).blocks)
    assert "2 of 3 accounts switched off" in text
    assert "✅ Kaiten: switched off" in text and "❌ Hub: failed" in text
    hub_part = [card for vendor, card in notifier.parts if vendor == "hub"]
    assert "no right to ban" in messages.part_message(hub_part[0], "hub").text


async def test_an_admin_of_only_some_vendors_offboards_only_there_and_the_card_says_why(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier, policy: Policy
) -> None:
    only_kaiten = dataclasses.replace(
        policy, onlyoffice=VendorPolicy(admins=frozenset({BOSS})), hub=VendorPolicy(admins=frozenset({BOSS}))
    )
    pipeline = make_pipeline(policy=only_kaiten)
    answer = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    card = notifier.last(answer.request_id)
    assert [t.vendor for t in card.targets] == ["kaiten"]
    left = {p.vendor: p.note for p in card.parts if not p.included}
    assert set(left) == {"onlyoffice", "hub"}
    assert "not on Steward's admin list for ONLYOFFICE" in left["onlyoffice"]
    row = await store.get(answer.request_id)
    assert row is not None and row.vendor == "kaiten"


async def test_someone_who_administers_no_vendor_is_refused_and_no_vendor_is_asked(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, hub_sandbox: Sandbox
) -> None:
    kaiten_sandbox.app.state.clear_log()  # type: ignore[attr-defined]
    answer = await pipeline.submit_offboard(offboard(JULIA), STRANGER, "C0OPS")
    assert answer.text.startswith("Refused:") and answer.request_id is None
    assert not kaiten_sandbox.requests() and not hub_sandbox.requests()
    [refusal] = await store.audit(refused=True)
    assert refusal.actor == STRANGER


async def test_an_approver_must_be_one_on_every_vendor_the_offboarding_reaches(
    make_pipeline: Any, store: Store, policy: Policy
) -> None:
    narrow = dataclasses.replace(policy, hub=VendorPolicy(approvers=frozenset({BOSS})))
    pipeline = make_pipeline(policy=narrow)
    answer = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    refused = await pipeline.decide(answer.request_id, "U0APP01", "approve")
    assert "not on Steward's approver list for Hub" in refused.text
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "pending"
    await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"


async def test_a_person_already_switched_off_everywhere_is_nothing_to_do(
    pipeline: Pipeline, store: Store
) -> None:
    first = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert first.request_id
    await pipeline.decide(first.request_id, BOSS, "approve")

    again = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert again.request_id is None
    assert "Nothing to do for julia.meyer@acme.test" in again.text
    assert "already deactivated on Kaiten" in again.text and "already banned on Hub" in again.text


async def test_steward_never_offboards_its_own_account(
    pipeline: Pipeline, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_offboard(offboard("steward@acme.test"), ADMIN, "C0OPS")
    assert answer.request_id is None
    assert "the account Steward itself uses on Kaiten" in answer.text


async def test_a_slack_mention_is_offboarded_by_its_e_mail_address(
    pipeline: Pipeline, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_offboard(offboard("<@U0ANNA>"), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    card = notifier.last(answer.request_id)
    assert card.person == "<@U0ANNA> (anna.petrova@acme.test)"
    assert len(card.targets) == 3


async def test_an_offboarding_is_read_only_by_those_who_may_read_every_vendor_it_reaches(
    make_pipeline: Any, store: Store, policy: Policy
) -> None:
    from bot.flow import reports

    kaiten_only = dataclasses.replace(
        policy,
        onlyoffice=VendorPolicy(admins=frozenset({ADMIN}), approvers=frozenset({ADMIN})),
        hub=VendorPolicy(admins=frozenset({ADMIN}), approvers=frozenset({ADMIN})),
    )
    pipeline = make_pipeline(policy=kaiten_only)
    answer = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert answer.request_id is None and "approver" in answer.text  # ADMIN may not approve their own

    pipeline = make_pipeline(policy=policy)
    answer = await pipeline.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    assert answer.request_id
    text, shown = await reports.status(store, pipeline.vendors, kaiten_only, BOSS, answer.request_id)
    assert not shown and "no request" in text
    text, shown = await reports.status(store, pipeline.vendors, policy, BOSS, answer.request_id)
    assert shown and "Offboarding request" in text and "Kaiten, ONLYOFFICE and Hub" in text
    assert answer.request_id in await reports.history(store, policy, BOSS, "kaiten", None)
    assert answer.request_id in await reports.history(store, policy, BOSS, None, JULIA)
    assert answer.request_id not in await reports.history(store, kaiten_only, BOSS, "kaiten", None)


async def test_an_offboarding_taken_up_after_its_process_died_writes_each_vendor_once(
    make_pipeline: Any,
    store: Store,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
) -> None:
    import datetime as dt

    dead = make_pipeline(owner="dead:1")
    answer = await dead.submit_offboard(offboard(JULIA), ADMIN, "C0OPS")
    request_id = answer.request_id or ""
    await store.approve(request_id, BOSS)
    assert await store.claim(request_id, "dead:1", dt.timedelta(seconds=-1))
    # it died after Kaiten had taken its write, before the others
    await dead.vendors["kaiten"].write(
        "user", (await dead.vendors["kaiten"].read("user", ["10"]))["10"], _deactivate()
    )

    await make_pipeline(owner="alive:2").upkeep()

    row = await store.get(request_id)
    assert row is not None and row.state == "done", row and row.outcome
    assert len(kaiten_sandbox.requests("PATCH", "/company/users/10")) == 1  # the dead process's only
    assert len(oo_writes(onlyoffice_sandbox)) == 1
    assert len([r for r in hub_sandbox.requests("POST") if "/users/" in r.path]) == 1
    kaiten = next(o for o in row.outcome if o["vendor"] == "kaiten")
    assert kaiten["ok"] and "already" in kaiten["message"]


def _deactivate() -> Any:
    from bot.vendors import MODELS, build

    return build(MODELS["kaiten"]["user"], {"temporarily_inactive": True})
