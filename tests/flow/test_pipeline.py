"""The change pipeline through its public functions, against the sandbox Kaiten over HTTP and a
real store: who may ask, approvals, exactly once, drift, bulk, expiry, restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import unquote

from prometheus_client import REGISTRY
from pydantic import SecretStr

from bot.flow.pipeline import Pipeline
from bot.sandbox.common import Fault
from bot.slack import messages
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, OTHER_BOSS, STRANGER, RecordingNotifier, change

ANNA = "anna.petrova@acme.test"
QA = "00000000-0000-4000-8000-000000000001"  # "QA engineers", permissions members|billing
AUDITORS = "00000000-0000-4000-8000-000000000005"  # "Auditors", members|billing and 8 (undocumented)
MIRA = "mira.volkova@acme.test"  # Kaiten user 12, deactivated


def patches(sandbox: Sandbox, path: str = "") -> list[Any]:
    return [r for r in sandbox.requests("PATCH") if path in r.path]


async def events(store: Store, request_id: str) -> list[tuple[str, str | None, str | None, str]]:
    return [(e.event, e.from_state, e.to_state, e.actor) for e in await store.audit(request_id=request_id)]


async def test_a_change_that_is_not_sensitive_runs_at_once_and_reports_what_kaiten_now_says(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark reason=trial"), ADMIN, "C0OPS")

    assert answer.request_id and not answer.private
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    [patch] = patches(kaiten_sandbox, "/users/2")
    assert patch.json() == {"theme": "dark"}
    [card] = notifier.finished
    assert card.state == "done" and card.outcomes[0].ok and card.outcomes[0].values == {"theme": "dark"}
    assert notifier.shown[0].targets[0].changes[0].current == "auto"  # the card showed current → requested
    moves = [(e, f, t) for e, f, t, _ in await events(store, row.id) if t]
    assert moves == [
        ("created", None, "pending"),
        ("approved", "pending", "approved"),
        ("running", "approved", "running"),
        ("done", "running", "done"),
    ]


async def test_a_requester_who_is_not_an_admin_is_refused_and_nothing_reaches_the_vendor(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), STRANGER, "C0OPS")

    assert answer.private and answer.text.startswith("Refused:") and STRANGER in answer.text
    assert kaiten_sandbox.requests() == []
    assert notifier.shown == []
    [entry] = await store.audit(vendor="kaiten")
    assert (entry.event, entry.to_state, entry.actor) == ("refused", "refused", STRANGER)


async def test_a_sensitive_change_waits_and_the_requesters_own_approve_is_refused(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags reason=audit"), ADMIN, "C0OPS")
    assert answer.request_id
    assert (await store.get(answer.request_id)).state == "pending"  # type: ignore[union-attr]
    card = notifier.last(answer.request_id)
    assert (
        card.pending
        and card.targets[0].changes[0].current == 3
        and card.targets[0].changes[0].requested == 515
    )

    own = await pipeline.decide(answer.request_id, ADMIN, "approve")

    assert own.private and "may not approve" in own.text
    assert patches(kaiten_sandbox) == []

    approved = await pipeline.decide(answer.request_id, BOSS, "approve")
    assert not approved.private
    [patch] = patches(kaiten_sandbox, QA)
    assert patch.json() == {"permissions": 515}
    assert (await store.get(answer.request_id)).state == "done"  # type: ignore[union-attr]


async def test_an_approvers_second_click_does_nothing(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} revoke billing"), ADMIN, "C0OPS")
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")

    again = await pipeline.decide(answer.request_id, BOSS, "approve")

    assert again.private and "already done" in again.text
    assert len(patches(kaiten_sandbox, QA)) == 1


async def test_fifty_approvals_at_once_run_the_change_exactly_once(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    assert answer.request_id
    clickers = [f"U0APP{n:02d}" for n in range(50)]

    await asyncio.gather(*(pipeline.decide(answer.request_id, who, "approve") for who in clickers))

    assert len(patches(kaiten_sandbox, QA)) == 1
    entries = await events(store, answer.request_id)
    assert [e for e in entries if e[0] == "running"] == [("running", "approved", "running", "steward")]
    assert (await store.get(answer.request_id)).state == "done"  # type: ignore[union-attr]


async def test_two_approvals_are_needed_from_two_different_people_when_the_policy_says_so(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox, policy: Any
) -> None:
    pipeline = make_pipeline(
        policy=type(policy)(admins=policy.admins, approvers=policy.approvers, approvals_required=2)
    )
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")

    first = await pipeline.decide(answer.request_id, BOSS, "approve")
    assert "1 of 2" in first.text and patches(kaiten_sandbox) == []
    await pipeline.decide(answer.request_id, OTHER_BOSS, "approve")

    assert len(patches(kaiten_sandbox, QA)) == 1


async def test_a_value_changed_at_the_vendor_after_the_card_stops_the_run_and_names_the_field(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, kaiten: Any, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} set permissions=members"), ADMIN, "C0OPS")
    assert answer.request_id
    kaiten_sandbox.app.groups[QA]["permissions"] = 1 | 2 | 4  # someone else changed it meanwhile

    await pipeline.decide(answer.request_id, BOSS, "approve")

    row = await store.get(answer.request_id)
    assert row is not None and row.state == "failed"
    assert patches(kaiten_sandbox) == []
    [outcome] = notifier.finished[-1].outcomes
    assert "`permissions` is now members, billing, company_settings (7)" in outcome.message
    assert "the card showed members, billing (3)" in outcome.message
    assert "drift" in [e[0] for e in await events(store, row.id)]


# --- what Kaiten has that Steward has no name for (issue 15) ---------------------------------------


async def test_grant_and_revoke_keep_the_bits_steward_has_no_name_for_and_the_card_shows_them(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    granted = await pipeline.submit(change(f"kaiten group {AUDITORS} grant tags"), ADMIN, "C0OPS")
    assert granted.request_id
    card = messages.card_text(notifier.last(granted.request_id))
    await pipeline.decide(granted.request_id, BOSS, "approve")
    revoked = await pipeline.submit(change(f"kaiten group {AUDITORS} revoke billing"), ADMIN, "C0OPS")
    assert revoked.request_id
    await pipeline.decide(revoked.request_id, BOSS, "approve")

    assert "`permissions`: members, billing, bit 8 (11) → members, billing, bit 8, tags (523)" in card
    assert [p.json() for p in patches(kaiten_sandbox, AUDITORS)] == [
        {"permissions": 1 | 2 | 8 | 512},
        {"permissions": 1 | 8 | 512},
    ]
    for request_id in (granted.request_id, revoked.request_id):
        assert (await store.get(request_id)).state == "done"  # type: ignore[union-attr]
    assert "`permissions` is now members, bit 8, tags (521)" in messages.card_text(notifier.finished[-1])


async def test_set_permissions_takes_any_mask_kaiten_takes(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} set permissions=members,8"), ADMIN, "C0OPS")
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")

    [patch] = patches(kaiten_sandbox, QA)
    assert patch.json() == {"permissions": 1 | 8}
    assert (await store.get(answer.request_id)).state == "done"  # type: ignore[union-attr]


async def test_a_deactivated_kaiten_user_is_found_changed_and_shown_as_inactive(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten user {MIRA} set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id, answer.text
    card = notifier.shown[0]
    assert card.targets[0].label == f"Mira Volkova ({MIRA}), inactive in Kaiten"
    assert f"Mira Volkova ({MIRA}), inactive in Kaiten · user 12" in messages.card_text(card)
    [patch] = patches(kaiten_sandbox, "/users/12")
    assert patch.json() == {"theme": "dark"}
    assert (await store.get(answer.request_id)).state == "done"  # type: ignore[union-attr]


async def test_a_field_kaiten_does_not_report_shows_on_the_card_as_not_reported(
    pipeline: Pipeline, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(
        change(f"kaiten user {ANNA} set subject_by=action default_space_id=null"), ADMIN, "C0OPS"
    )

    assert answer.request_id, answer.text
    text = messages.card_text(notifier.shown[0])
    assert "`subject_by`: not reported by Kaiten → action (2)" in text  # GET /users leaves it out
    assert "`default_space_id`: (empty) → (empty)" in text  # reported, and null
    [outcome] = notifier.finished[-1].outcomes  # and the outcome says what the answer left out
    assert outcome.ok and "Kaiten's answer does not report `subject_by`, so Steward could not confirm it" in (
        outcome.message
    )


async def test_a_bulk_change_runs_every_target_and_one_failure_does_not_stop_the_others(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    kaiten_sandbox.fail(Fault(status=400, body='{"message":"locked user"}', method="PATCH", path="/users/3"))

    answer = await pipeline.submit(change("kaiten user 2,3,4 set theme=light"), ADMIN, "C0OPS")

    row = await store.get(answer.request_id or "")
    assert row is not None and row.state == "partly_done"
    outcomes = {o.id: o for o in notifier.finished[-1].outcomes}
    assert set(outcomes) == {"2", "3", "4"}
    assert outcomes["2"].ok and outcomes["4"].ok
    assert not outcomes["3"].ok and "locked user" in outcomes["3"].message
    assert len(patches(kaiten_sandbox)) == 3
    # ids are read in one batch for the card and one before writing (and Steward's own user, once)
    reads = [r for r in kaiten_sandbox.requests("GET") if not r.path.endswith("/users/current")]
    assert [unquote(r.query).split("&")[0] for r in reads] == ["ids=2,3,4", "ids=2,3,4"]


async def test_a_target_nobody_has_is_an_error_and_nothing_is_stored(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change("kaiten user nobody@acme.test set theme=dark"), ADMIN, "C0OPS")

    assert answer.private and "Kaiten has no user with the e-mail address nobody@acme.test" in answer.text
    assert await store.audit() == []
    assert patches(kaiten_sandbox) == []


async def test_a_slack_mention_is_found_by_its_e_mail_address(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change("kaiten user <@U0ANNA|anna> set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id
    assert [p.path for p in patches(kaiten_sandbox)] == ["/api/latest/users/2"]


async def test_a_card_steward_may_not_post_is_told_to_the_requester_and_nothing_runs(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    notifier.not_in.add("C0PRIVATE")

    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0PRIVATE")

    assert answer.missing_channel == "C0PRIVATE"
    assert (await store.get(answer.request_id or "")).state == "cancelled"  # type: ignore[union-attr]
    assert patches(kaiten_sandbox) == []


async def test_a_pending_request_expires_after_its_time_to_live(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox, policy: Any, notifier: RecordingNotifier
) -> None:
    short = type(policy)(admins=policy.admins, approvers=policy.approvers, ttl=dt.timedelta(seconds=-1))
    pipeline = make_pipeline(policy=short)
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")

    await pipeline.upkeep()

    assert (await store.get(answer.request_id or "")).state == "expired"  # type: ignore[union-attr]
    assert notifier.finished[-1].state == "expired" and not notifier.last(answer.request_id or "").pending
    late = await pipeline.decide(answer.request_id or "", BOSS, "approve")
    assert "already expired" in late.text and patches(kaiten_sandbox) == []


async def test_a_run_left_behind_by_a_dead_process_is_taken_up_and_finished_once(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox
) -> None:
    dead = make_pipeline(owner="dead:1")
    answer = await dead.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    request_id = answer.request_id or ""
    await store.approve(request_id, BOSS)
    assert await store.claim(request_id, "dead:1", dt.timedelta(seconds=-1))  # it died while running

    await make_pipeline(owner="alive:2").upkeep()

    row = await store.get(request_id)
    assert row is not None and row.state == "done"
    assert len(patches(kaiten_sandbox, QA)) == 1
    assert "taken_up" in [e[0] for e in await events(store, request_id)]


async def test_when_slack_is_down_the_outcome_is_kept_and_delivered_later(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    notifier.down = True
    await pipeline.decide(answer.request_id or "", BOSS, "approve")
    assert (await store.get(answer.request_id or "")).state == "done"  # type: ignore[union-attr]
    assert notifier.finished == []

    notifier.down = False
    await pipeline.upkeep()
    await pipeline.upkeep()

    assert [c.state for c in notifier.finished] == ["done"]
    assert len(patches(kaiten_sandbox, QA)) == 1


async def test_an_immediate_change_whose_card_slack_did_not_take_still_runs_and_its_card_comes_later(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    notifier.down = True
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")

    assert (
        answer.private and "Slack did not take its card" in answer.text and "with the outcome" in answer.text
    )
    row = await store.get(answer.request_id or "")
    assert row is not None and row.state == "done" and row.card_ts is None
    assert len(patches(kaiten_sandbox, "/users/2")) == 1 and notifier.shown == []

    notifier.down = False
    await pipeline.upkeep()
    await pipeline.upkeep()

    [card] = notifier.shown  # posted once, already showing the outcome
    assert card.state == "done"
    assert [c.state for c in notifier.threads] == ["done"] and [c.state for c in notifier.finished] == [
        "done"
    ]
    placed = await store.get(row.id)
    assert placed is not None and placed.card_ts and placed.announced == "done"
    assert len(patches(kaiten_sandbox, "/users/2")) == 1


async def test_a_sensitive_card_slack_did_not_take_is_posted_by_upkeep_and_can_then_be_approved(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    notifier.down = True
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    request_id = answer.request_id or ""
    assert answer.private and "waiting for approval" in answer.text and "<#C0OPS>" in answer.text
    await pipeline.upkeep()  # Slack still down: nothing posted, nothing lost
    assert notifier.shown == [] and (await store.owed_cards()) == [request_id]

    notifier.down = False
    await pipeline.upkeep()
    await pipeline.upkeep()

    [card] = notifier.shown
    assert card.id == request_id and card.pending
    assert await store.owed_cards() == []
    await pipeline.decide(request_id, BOSS, "approve")
    assert (await store.get(request_id)).state == "done"  # type: ignore[union-attr]
    assert len(patches(kaiten_sandbox, QA)) == 1


async def test_a_card_that_cannot_go_to_its_channel_when_slack_answers_again_is_cancelled_and_told_by_dm(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    notifier.down = True
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0GONE")
    notifier.down = False
    notifier.not_in.add("C0GONE")  # Steward was removed from the channel meanwhile

    await pipeline.upkeep()

    assert (await store.get(answer.request_id or "")).state == "cancelled"  # type: ignore[union-attr]
    assert [c.state for c in notifier.finished] == ["cancelled"] and notifier.threads == []
    assert patches(kaiten_sandbox) == []


async def test_when_only_the_direct_message_fails_the_retry_does_not_post_the_thread_message_again(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    notifier.dm_down = True
    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")
    assert [c.state for c in notifier.threads] == ["done"] and notifier.finished == []
    assert await store.owed_announcements() == [answer.request_id]

    notifier.dm_down = False
    await pipeline.upkeep()
    await pipeline.upkeep()

    assert [c.state for c in notifier.threads] == ["done"]
    assert [c.state for c in notifier.finished] == ["done"]


async def test_an_owed_announcement_is_delivered_once_by_replicas_running_upkeep_together(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier
) -> None:
    first = make_pipeline(owner="replica:1")
    notifier.down = True
    answers = [
        await first.submit(change(f"kaiten user {ANNA} set theme={t}"), ADMIN, "C0OPS")
        for t in ("dark", "light")
    ]
    notifier.down = False
    replicas = [first, *(make_pipeline(owner=f"replica:{n}") for n in (2, 3, 4))]

    await asyncio.gather(*(r.upkeep() for r in replicas))

    for answer in answers:
        assert [c.id for c in notifier.shown].count(answer.request_id) == 1
        assert [c.id for c in notifier.threads].count(answer.request_id) == 1
        assert [c.id for c in notifier.finished].count(answer.request_id) == 1


async def test_an_e_mail_that_matches_two_accounts_is_an_error_that_lists_them(
    pipeline: Pipeline, store: Store, hub_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit(change("hub user lena.berg@acme.test set name=Lena"), ADMIN, "C0OPS")

    assert answer.private and "matches 2 users in Hub" in answer.text
    assert "lena.berg" in answer.text and "lberg-old" in answer.text
    assert hub_sandbox.requests("POST") == []


async def test_a_password_is_refused_when_password_changes_are_off(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    request = dataclasses.replace(
        change("kaiten user 2 set lng=en"), fields={"password": SecretStr("Sup3r-secret")}
    )

    answer = await pipeline.submit(request, ADMIN, "C0OPS")

    assert answer.private and "Password changes are turned off" in answer.text
    assert kaiten_sandbox.requests() == [] and await store.audit() == []


async def test_an_onlyoffice_disable_and_a_hub_ban_run_after_approval(
    pipeline: Pipeline, store: Store, onlyoffice_sandbox: Sandbox, hub_sandbox: Sandbox
) -> None:
    office = await pipeline.submit(
        change("onlyoffice user dana.kim@acme.test disable reason=left"), ADMIN, "C0OPS"
    )
    hub = await pipeline.submit(change("hub user farah.haddad@acme.test ban reason=left"), ADMIN, "C0OPS")
    await pipeline.decide(office.request_id or "", BOSS, "approve")
    await pipeline.decide(hub.request_id or "", BOSS, "approve")

    assert (await store.get(office.request_id or "")).state == "done"  # type: ignore[union-attr]
    assert (await store.get(hub.request_id or "")).state == "done"  # type: ignore[union-attr]
    [put] = onlyoffice_sandbox.requests("PUT")
    assert put.json()["disable"] is True
    [post] = hub_sandbox.requests("POST")
    assert post.json() == {"banned": True, "banReason": "left"}


HUB_PEOPLE = ["anna.petrova", "boris.ivanov", "chen.wei", "emil.novak", "farah.haddad"]


def rename(pipeline: Pipeline, login: str) -> asyncio.Task[Any]:
    return asyncio.create_task(
        pipeline.submit(change(f"hub user {login}@acme.test set name='{login} 2'"), ADMIN, "C0OPS")
    )


def people_asked_for(sandbox: Sandbox) -> set[str]:
    """Whose e-mail the Hub sandbox has been asked to look up so far."""
    return {p for p in HUB_PEOPLE for r in sandbox.requests("GET") if f"{p}@acme.test" in unquote(r.query)}


async def test_commands_beyond_a_vendors_turns_wait_for_one_and_every_one_finishes(
    make_pipeline: Any, store: Store, hub_sandbox: Sandbox
) -> None:
    pipeline: Pipeline = make_pipeline(in_flight=2)
    hub_sandbox.slow(0.3)
    submits = [rename(pipeline, p) for p in HUB_PEOPLE]
    await asyncio.sleep(0.15)  # the first two are at Hub, waiting for its slow answer
    assert len(people_asked_for(hub_sandbox)) == 2

    answers = await asyncio.gather(*submits)
    assert people_asked_for(hub_sandbox) == set(HUB_PEOPLE)
    for answer in answers:
        assert answer.request_id is not None
        row = await store.get(answer.request_id)
        assert row is not None and row.state == "done"
    assert len(hub_sandbox.requests("POST")) == len(HUB_PEOPLE)


async def test_a_queue_at_one_vendor_does_not_hold_up_another_vendors_change(
    make_pipeline: Any, store: Store, hub_sandbox: Sandbox
) -> None:
    pipeline: Pipeline = make_pipeline(in_flight=1)
    hub_sandbox.slow(0.5)
    waiting = [rename(pipeline, p) for p in HUB_PEOPLE[:2]]
    await asyncio.sleep(0.1)

    answer = await pipeline.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")

    assert answer.request_id is not None
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    assert not any(task.done() for task in waiting)  # Hub's queue is still there
    await asyncio.gather(*waiting)


async def test_the_pending_approvals_gauge_counts_what_waits_in_the_store_whichever_process_asked(
    make_pipeline: Any, store: Store
) -> None:
    asker, other = make_pipeline(owner="replica:1"), make_pipeline(owner="replica:2")
    first = await asker.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    await asker.submit(change(f"kaiten group {QA} revoke billing"), ADMIN, "C0OPS")
    assert first.request_id is not None
    await other.decide(first.request_id, BOSS, "reject")

    await other.upkeep()

    assert REGISTRY.get_sample_value("steward_pending_approvals") == 1


async def test_a_run_longer_than_its_lease_keeps_renewing_it_and_is_not_taken_up_by_another_process(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox
) -> None:
    lease = dt.timedelta(seconds=1.5)
    first, other = (
        make_pipeline(owner="replica:1", lease=lease),
        make_pipeline(owner="replica:2", lease=lease),
    )
    kaiten_sandbox.slow(1.5)  # look-up, re-read and write: the run outlasts its lease twice over
    submitted = asyncio.create_task(
        first.submit(change(f"kaiten user {ANNA} set theme=dark"), ADMIN, "C0OPS")
    )

    await asyncio.sleep(3.6)  # the run started ~1.5 s in; without renewal its lease ran out at ~3 s
    await other.upkeep()
    answer = await submitted

    assert answer.request_id is not None
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done"
    assert len(patches(kaiten_sandbox, "/users/2")) == 1
    assert [e for _, _, e, _ in await events(store, row.id)].count("running") == 1


# --- a rejection's reason (issue 15, point 17) -----------------------------------------------------


async def test_a_rejections_reason_is_in_the_audit_entry_on_the_card_and_in_the_requesters_dm(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    with_reason = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, "C0OPS")
    clicked = await pipeline.submit(change(f"kaiten group {QA} revoke billing"), ADMIN, "C0OPS")
    assert with_reason.request_id and clicked.request_id

    await pipeline.decide(with_reason.request_id, BOSS, "reject", reason="wrong group <!channel>")
    await pipeline.decide(clicked.request_id, BOSS, "reject")  # Slack's Reject button: no reason

    [entry] = [e for e in await store.audit(request_id=with_reason.request_id) if e.event == "rejected"]
    assert entry.detail == {"reason": "wrong group <!channel>"}
    first, second = notifier.finished
    assert first.rejection_reason == "wrong group <!channel>" and second.rejection_reason == ""
    card = messages.card_message(first)
    assert "by <@U0BOSS> · " in card.blocks[-1]["elements"][0]["text"]
    assert "reason: wrong group &lt;!channel&gt;" in card.blocks[-1]["elements"][0]["text"]
    dm = messages.direct_message(first)
    assert "wrong group &lt;!channel&gt;" in dm.text and "<!channel>" not in dm.text
    assert "reason" not in messages.direct_message(second).text
    [plain] = [e for e in await store.audit(request_id=clicked.request_id) if e.event == "rejected"]
    assert plain.detail is None
