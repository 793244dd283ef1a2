"""Safeguards that hold on every path (issue 14): who may see what, look-ups that stay bounded,
expiry checked where the decision is made, drift on every write, Steward's own accounts, and
state that does not leak between the Slack and terminal fronts. Over the sandbox vendors on
loopback and a real store."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot import metrics
from bot.errors import StewardError
from bot.flow import reports
from bot.flow.pipeline import TERMINAL, Pipeline
from bot.flow.policy import Policy, VendorPolicy
from bot.slack.notify import Place, Undeliverable
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, APPROVERS, BOSS, STRANGER, RecordingNotifier, change

ANNA = "anna.petrova@acme.test"
STEWARD = "steward@acme.test"  # the sandbox's own account on every vendor
QA = "00000000-0000-4000-8000-000000000001"  # "QA engineers", permissions members|billing
APPROVER_ONLY = "U0APP07"  # on the approver list, not an admin


def patches(sandbox: Sandbox, path: str = "") -> list[Any]:
    return [r for r in sandbox.requests("PATCH") if path in r.path]


# --- who may see what -------------------------------------------------------------------------


async def test_status_answers_the_requester_and_the_vendors_admins_and_approvers_and_nobody_else(
    pipeline: Pipeline, store: Store
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags reason=audit"), ADMIN, "C0OPS")
    assert answer.request_id
    rid = answer.request_id

    for reader in (ADMIN, BOSS, APPROVER_ONLY):
        text, shown = await reports.status(store, pipeline.vendors, pipeline.policy, reader, rid)
        assert shown and rid in text and "QA engineers" in text, reader
    stranger, seen = await reports.status(store, pipeline.vendors, pipeline.policy, STRANGER, rid)
    unknown = await reports.status(store, pipeline.vendors, pipeline.policy, STRANGER, "ZZZZ9999")

    assert stranger == f"There is no request {rid} that you may see." and not seen
    assert unknown == ("There is no request ZZZZ9999 that you may see.", False)  # the same: no probing
    assert "QA engineers" not in stranger


async def test_a_refused_requester_may_read_the_status_of_their_own_refused_request(
    pipeline: Pipeline, store: Store
) -> None:
    await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), STRANGER, "C0OPS")
    [entry] = await store.audit(vendor="kaiten")
    assert entry.request_id

    text, _ = await reports.status(store, pipeline.vendors, pipeline.policy, STRANGER, entry.request_id)

    assert entry.request_id in text and "no request" not in text


async def test_history_without_a_vendor_shows_only_the_vendors_the_reader_administers_or_approves(
    make_pipeline: Any, store: Store
) -> None:
    kaiten_admin = "U0KAITEN"
    policy = Policy(
        admins=frozenset({ADMIN}),
        approvers=APPROVERS,
        kaiten=VendorPolicy(admins=frozenset({ADMIN, kaiten_admin}), approvers=frozenset({BOSS})),
    )
    pipeline = make_pipeline(policy=policy)
    await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark reason=kaiten-one"), ADMIN, "C0OPS")
    await pipeline.submit(change(f"hub user {ANNA} set name=Anna2 reason=hub-one"), ADMIN, "C0OPS")

    mine = await reports.history(store, policy, kaiten_admin, None, None)
    everything = await reports.history(store, policy, ADMIN, None, None)
    hub_asked = await reports.history(store, policy, kaiten_admin, "hub", None)

    kaiten_ids = {e.request_id for e in await store.audit(vendor="kaiten")}
    hub_ids = {e.request_id for e in await store.audit(vendor="hub")}
    assert all(rid in mine for rid in kaiten_ids) and not any(rid in mine for rid in hub_ids)
    assert all(rid in everything for rid in kaiten_ids | hub_ids)
    assert hub_asked == "Only Steward's admins and approvers of Hub may read its audit log."


async def test_check_is_for_admins_of_any_vendor_and_asks_no_vendor_for_anyone_else(
    pipeline: Pipeline, kaiten_sandbox: Sandbox, onlyoffice_sandbox: Sandbox, hub_sandbox: Sandbox
) -> None:
    refused, ok = await reports.check_as(pipeline.vendors, pipeline.policy, STRANGER)

    assert not ok and refused == "Only Steward's admins may run check."
    assert kaiten_sandbox.requests() == onlyoffice_sandbox.requests() == hub_sandbox.requests() == []
    allowed, ok = await reports.check_as(pipeline.vendors, pipeline.policy, ADMIN)
    assert ok and "Kaiten" in allowed


async def test_twenty_refusals_from_a_stranger_do_not_push_an_admins_change_out_of_history(
    pipeline: Pipeline, store: Store
) -> None:
    done = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")
    assert done.request_id
    for _ in range(20):
        await pipeline.submit(change(f"kaiten user {ANNA} set theme=light"), STRANGER, "C0OPS")

    accepted = await reports.history(store, pipeline.policy, ADMIN, "kaiten", None)
    refused = await reports.history(store, pipeline.policy, ADMIN, "kaiten", None, refused=True)

    assert done.request_id in accepted and " refused by " not in accepted
    assert refused.count(" refused by U0STRANGER") == 20 and done.request_id not in refused


# --- bounded look-ups ---------------------------------------------------------------------------


@pytest.mark.timeout(60)
async def test_a_150_address_change_failing_on_its_first_address_costs_one_batch_and_holds_up_nobody(
    pipeline: Pipeline, kaiten_sandbox: Sandbox
) -> None:
    unknown = ",".join(f"nobody{n}@acme.test" for n in range(150))
    kaiten_sandbox.app.state.clear_log()

    stranger_like = asyncio.create_task(
        pipeline.submit(change(f"kaiten user {unknown} set theme=dark"), ADMIN, "C1")
    )
    await asyncio.sleep(0.05)  # the bulk look-up is queued at Kaiten's pacer first
    admins = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")
    refused = await stranger_like

    assert (
        "has no user with the e-mail address nobody" in refused.text and "Nothing was changed" in refused.text
    )
    looked_up = [r for r in kaiten_sandbox.requests("GET", "/users") if "nobody" in r.query]
    assert 1 <= len(looked_up) <= 8  # one batch of look-ups, not 150
    log = kaiten_sandbox.requests()
    [patch] = [n for n, r in enumerate(log) if r.method == "PATCH"]
    assert admins.request_id and patch <= 12  # the admin's change was not queued behind 150 look-ups


# --- approvals and writes -----------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["approve", "reject", "cancel"])
async def test_a_decision_after_expiry_fails_in_the_same_update_even_before_upkeep_runs(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier, verb: str
) -> None:
    policy = Policy(admins=frozenset({ADMIN, BOSS}), approvers=APPROVERS, ttl=dt.timedelta(seconds=2))
    pipeline = make_pipeline(policy=policy)
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    assert answer.request_id
    await asyncio.sleep(2.2)  # its time to live runs out; no upkeep runs in this test

    told = await pipeline.decide(answer.request_id, ADMIN if verb == "cancel" else BOSS, verb)

    assert "expired" in told.text and told.private
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "expired"
    assert patches(kaiten_sandbox) == []
    moves = [(e.event, e.to_state) for e in await store.audit(request_id=row.id) if e.to_state]
    assert moves[-1] == ("expired", "expired") and ("approved", "approved") not in moves
    assert notifier.finished and notifier.finished[-1].state == "expired"  # the card says so


async def test_a_grant_stops_when_the_groups_mask_changed_since_the_card_and_names_the_permissions(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    assert answer.request_id
    kaiten_sandbox.app.groups[QA]["permissions"] = 1 | 2 | 4  # company_settings added meanwhile

    await pipeline.decide(answer.request_id, BOSS, "approve")

    assert patches(kaiten_sandbox) == []  # the group keeps the mask somebody else gave it
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "failed"
    [outcome] = notifier.finished[-1].outcomes
    assert outcome.kind == "drift"
    assert "members, billing, company_settings (7)" in outcome.message
    assert "the card showed members, billing (3)" in outcome.message


async def test_drift_on_an_enum_names_the_values_as_the_card_does(
    pipeline: Pipeline, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    kaiten_sandbox.app.users[2]["avatar_type"] = 1
    pipeline.policy = dataclasses.replace(
        pipeline.policy, kaiten=VendorPolicy(sensitive=frozenset({"user.avatar_type"}))
    )
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set avatar_type=initials"), ADMIN, "C0OPS")
    assert answer.request_id
    kaiten_sandbox.app.users[2]["avatar_type"] = 3

    await pipeline.decide(answer.request_id, BOSS, "approve")

    [outcome] = notifier.finished[-1].outcomes
    assert "`avatar_type` is now uploaded (3)" in outcome.message
    assert "the card showed gravatar (1)" in outcome.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"hub user {ANNA} set email=anna.new@acme.test", "`email`"),
        (f"kaiten user {STEWARD} set theme=dark", "Steward's own Kaiten account"),
        (f"onlyoffice user {STEWARD} set title=Robot", "Steward's own ONLYOFFICE account"),
        ("hub user me set name=Robot", "Steward's own Hub account"),
    ],
)
async def test_hub_email_and_any_change_to_stewards_own_account_need_approval(
    pipeline: Pipeline, store: Store, text: str, why: str
) -> None:
    answer = await pipeline.submit(change(text), ADMIN, "C0OPS")

    assert answer.request_id
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "pending" and row.approvals_required == 1
    assert why in answer.text


# --- state that must not leak between fronts ----------------------------------------------------


async def test_a_terminal_request_is_never_posted_to_slack_by_a_serving_replicas_upkeep(
    make_pipeline: Any, store: Store, policy: Policy
) -> None:
    at_terminal = RecordingNotifier()
    short = dataclasses.replace(policy, ttl=dt.timedelta(seconds=1))
    terminal = make_pipeline(
        notifier=at_terminal, front="terminal", policy=short, approval_channel="C0APPROVE"
    )
    slack = RecordingNotifier()
    serving = make_pipeline(notifier=slack, policy=short, approval_channel="C0APPROVE")
    answer = await terminal.submit(change(f"kaiten group {QA} grant tags"), ADMIN, TERMINAL)
    assert answer.request_id
    row = await store.get(answer.request_id)
    assert row is not None and row.card_channel == TERMINAL  # not the approval channel
    await asyncio.sleep(1.2)

    for _ in range(3):
        await serving.upkeep()

    assert slack.shown == slack.threads == slack.finished == []
    ended = await store.get(answer.request_id)
    assert ended is not None and ended.state == "expired" and ended.announced == "expired"


class Gone(RecordingNotifier):
    """Slack answers `is_archived` for every update and thread message in C0GONE."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def show(self, card: Any, channel: str, place: Place | None) -> Place:
        if place is not None and channel == "C0GONE":
            self.refused += 1
            raise Undeliverable(channel, "is_archived")
        return await super().show(card, channel, place)

    async def post_outcome(self, card: Any, place: Place) -> None:
        if place.channel == "C0GONE":
            self.refused += 1
            raise Undeliverable(place.channel, "is_archived")
        await super().post_outcome(card, place)


async def test_a_slack_answer_that_can_never_succeed_ends_the_delivery_with_one_warning_and_an_audit_entry(
    make_pipeline: Any, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    gone = Gone()
    pipeline = make_pipeline(notifier=gone)
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0GONE")
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "reject")  # channel archived since the card

    for _ in range(3):
        await pipeline.upkeep()

    row = await store.get(answer.request_id)
    assert row is not None and row.announced == "rejected"
    assert gone.refused == 2  # the card update and the thread message, once each: no retries
    assert [c.state for c in gone.finished] == ["rejected"]  # the requester is still told
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "is_archived" in r.getMessage()]
    assert len(warnings) == 1
    entries = [e for e in await store.audit(request_id=row.id) if e.event == "undeliverable"]
    assert len(entries) == 1 and entries[0].detail == {
        "channel": "C0GONE",
        "error": "is_archived",
        "parts": ["card", "thread"],
    }


class Hanging(RecordingNotifier):
    """Slack takes an owed card and never answers."""

    async def show(self, card: Any, channel: str, place: Place | None) -> Place:
        if place is None:
            await asyncio.Event().wait()
        return await super().show(card, channel, place)


@pytest.mark.timeout(30)
async def test_a_slow_delivery_does_not_hold_up_the_pending_approvals_count(
    make_pipeline: Any, store: Store
) -> None:
    down = RecordingNotifier()
    down.down = True
    asker = make_pipeline(notifier=down)
    await asker.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")  # its card is owed
    await asker.submit(change(f"kaiten group {QA} revoke billing"), ADMIN, "C0OPS")
    metrics.PENDING_APPROVALS.set(0)
    upkeep = asyncio.create_task(make_pipeline(notifier=Hanging()).upkeep())
    try:
        for _ in range(100):
            if REGISTRY.get_sample_value("steward_pending_approvals") == 2:
                break
            await asyncio.sleep(0.05)
        assert REGISTRY.get_sample_value("steward_pending_approvals") == 2
        assert not upkeep.done()  # still waiting on Slack
    finally:
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep


async def test_the_forms_look_up_refuses_more_than_500_targets_before_asking_the_vendor(
    pipeline: Pipeline, kaiten_sandbox: Sandbox
) -> None:
    many = [f"person{n}@acme.test" for n in range(501)]

    with pytest.raises(StewardError, match="at most 500 users; this one names 501"):
        await pipeline.look_up("kaiten", "user", many)

    assert kaiten_sandbox.requests() == []
    [anna] = await pipeline.look_up("kaiten", "user", [ANNA])
    assert anna.id == "2"
