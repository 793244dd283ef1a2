"""Approvers are reminded (issue 17, point 6): a request still pending after `remind_after` gets
one reminder in its card's thread mentioning who may still approve it, and after twice that its
card is re-posted in the escalation channel when one is set; once per request, across replicas.

`remind_due` is called with a moment of the test's choosing, so no test waits for the time to pass."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.flow import pipeline as pipeline_module
from bot.flow.pipeline import Pipeline
from bot.flow.policy import Policy, VendorPolicy, load_policy
from bot.flow.reminders import TERMINAL, remind_due
from bot.slack import messages
from bot.slack.card import RequestCard
from bot.slack.notify import Place, Undeliverable
from bot.store.core import Store
from tests.flow.conftest import ADMIN, BOSS, OTHER_BOSS, RecordingNotifier, change

QA = "00000000-0000-4000-8000-000000000001"  # Kaiten group "QA engineers": grant is sensitive
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def policy() -> Policy:
    return Policy(
        admins=frozenset({ADMIN, BOSS}), approvers=frozenset({ADMIN, BOSS, OTHER_BOSS}), remind_after=SECOND
    )


async def _pending(pipeline: Pipeline, store: Store, text: str = f"kaiten group {QA} grant tags") -> Any:
    answer = await pipeline.submit(change(text), ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "pending" and row.card_ts
    return row


def _events(entries: Sequence[Any], event: str) -> list[Any]:
    return [e for e in entries if e.event == event]


async def test_a_request_still_pending_after_remind_after_gets_one_reminder_in_its_thread(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    row = await _pending(pipeline, store)

    await remind_due(pipeline, row.created_at + SECOND / 2)
    assert notifier.reminders == []  # not yet

    for later in (2, 3, 60):
        await remind_due(pipeline, row.created_at + later * SECOND)

    [(card, approvers, place)] = notifier.reminders
    assert card.id == row.id and place == Place(row.card_channel, row.card_ts)  # in the card's thread
    assert approvers == [BOSS, OTHER_BOSS]  # the requester may not approve their own request
    text = messages.reminder_message(card, approvers).text
    assert f"<@{BOSS}>" in text and f"<@{OTHER_BOSS}>" in text and f"<@{ADMIN}>" not in text
    assert row.id in text
    [entry] = _events(await store.audit(request_id=row.id), "reminded")
    assert entry.actor == "steward" and entry.detail["approvers"] == [BOSS, OTHER_BOSS]
    assert notifier.escalations == []  # no escalation channel is set


async def test_who_has_approved_is_not_reminded_and_self_approval_names_the_requester(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier, policy: Policy
) -> None:
    two = dataclasses.replace(policy, approvals_required=2, self_approval=True)
    pipeline = make_pipeline(policy=two)
    row = await _pending(pipeline, store)
    await pipeline.decide(row.id, BOSS, "approve")

    await remind_due(pipeline, row.created_at + 2 * SECOND)

    [(card, approvers, _)] = notifier.reminders
    assert approvers == [ADMIN, OTHER_BOSS]  # BOSS has approved; the requester may, here
    assert "1 of 2" in messages.reminder_message(card, approvers).text


@pytest.mark.parametrize("verb", ["reject", "cancel", "approve"])
async def test_a_request_decided_before_its_time_gets_no_reminder(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier, verb: str
) -> None:
    row = await _pending(pipeline, store)
    await pipeline.decide(row.id, ADMIN if verb == "cancel" else BOSS, verb)

    await remind_due(pipeline, row.created_at + 10 * SECOND)

    assert notifier.reminders == [] and notifier.escalations == []
    assert _events(await store.audit(request_id=row.id), "reminded") == []
    assert not await store.take_reminder(row.id, row.created_at + 10 * SECOND)  # ended: nothing to take


async def test_after_twice_remind_after_the_card_is_reposted_in_the_escalation_channel(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier, policy: Policy
) -> None:
    pipeline = make_pipeline(policy=dataclasses.replace(policy, escalation_channel="C0ESC"))
    row = await _pending(pipeline, store)

    await remind_due(pipeline, row.created_at + 1.5 * SECOND)
    assert len(notifier.reminders) == 1 and notifier.escalations == []

    for later in (2.5, 3, 100):
        await remind_due(pipeline, row.created_at + later * SECOND)

    [(card, channel, place)] = notifier.escalations
    assert (card.id, channel, place) == (row.id, "C0ESC", Place(row.card_channel, row.card_ts))
    assert len(notifier.reminders) == 1
    text = json.dumps(messages.escalation_message(card, place.channel).blocks)
    assert row.id in text and "<#C0OPS>" in text
    assert [e.detail["channel"] for e in _events(await store.audit(request_id=row.id), "escalated")] == [
        "C0ESC"
    ]


async def test_without_an_escalation_channel_nothing_is_reposted(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    row = await _pending(pipeline, store)

    await remind_due(pipeline, row.created_at + 10 * SECOND)

    assert len(notifier.reminders) == 1 and notifier.escalations == []
    assert _events(await store.audit(request_id=row.id), "escalated") == []


async def test_a_vendors_own_remind_after_is_the_one_its_requests_wait(
    make_pipeline: Any, store: Store, notifier: RecordingNotifier, policy: Policy
) -> None:
    slow = dataclasses.replace(
        policy, remind_after=dt.timedelta(hours=1), kaiten=VendorPolicy(remind_after=SECOND)
    )
    pipeline = make_pipeline(policy=slow)
    kaiten = await _pending(pipeline, store)
    hub = await _pending(pipeline, store, "hub user chen.wei@acme.test ban reason=left")

    await remind_due(pipeline, hub.created_at + 5 * SECOND)

    assert [card.id for card, _, _ in notifier.reminders] == [kaiten.id]


async def test_two_replicas_on_one_store_send_one_reminder_and_one_escalation(
    make_pipeline: Any, store: Store, db_url: str, notifier: RecordingNotifier, policy: Policy
) -> None:
    escalating = dataclasses.replace(policy, escalation_channel="C0ESC")
    first = make_pipeline(policy=escalating)
    row = await _pending(first, store)
    other_store = await Store.open(db_url)
    other = RecordingNotifier()
    try:
        second = make_pipeline(policy=escalating, store=other_store, notifier=other, owner="test:2")
        moments = [row.created_at + n * SECOND for n in (1, 2, 3, 4)]
        for moment in moments:
            await asyncio.gather(*(remind_due(p, moment) for p in (first, second, first, second)))
    finally:
        await other_store.close()

    assert len(notifier.reminders) + len(other.reminders) == 1
    assert len(notifier.escalations) + len(other.escalations) == 1
    entries = await store.audit(request_id=row.id)
    assert len(_events(entries, "reminded")) == len(_events(entries, "escalated")) == 1


async def test_a_reminder_slack_did_not_take_is_sent_at_a_later_round(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    row = await _pending(pipeline, store)
    notifier.down = True

    await remind_due(pipeline, row.created_at + 2 * SECOND)
    assert notifier.reminders == [] and _events(await store.audit(request_id=row.id), "reminded") == []

    notifier.down = False
    await remind_due(pipeline, row.created_at + 3 * SECOND)
    assert len(notifier.reminders) == 1


class Archived(RecordingNotifier):
    async def remind(self, card: RequestCard, approvers: Sequence[str], place: Place) -> None:
        raise Undeliverable(place.channel, "is_archived")


async def test_a_reminder_slack_will_never_take_is_an_audit_entry_and_not_tried_again(
    make_pipeline: Any, store: Store
) -> None:
    archived = Archived()
    pipeline = make_pipeline(notifier=archived)
    row = await _pending(pipeline, store)

    for later in (2, 3):
        await remind_due(pipeline, row.created_at + later * SECOND)

    entries = await store.audit(request_id=row.id)
    [entry] = _events(entries, "undeliverable")
    assert entry.detail == {"channel": "C0OPS", "error": "is_archived", "parts": ["reminder"]}
    assert _events(entries, "reminded") == []


async def test_a_request_made_at_a_terminal_has_no_slack_thread_to_remind_in(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    assert TERMINAL == pipeline_module.TERMINAL
    answer = await pipeline.submit(change(f"kaiten group {QA} grant tags"), ADMIN, TERMINAL)
    assert answer.request_id
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "pending"

    await remind_due(pipeline, row.created_at + 10 * SECOND)

    assert notifier.reminders == []


async def test_the_upkeep_sends_the_reminders(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    row = await _pending(pipeline, store)
    await asyncio.sleep(1.1)  # the one wait: upkeep reads the clock itself

    await pipeline.upkeep()

    assert [card.id for card, _, _ in notifier.reminders] == [row.id]


def test_remind_after_comes_from_the_settings_and_the_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('remind_after = "30m"\n[hub]\nremind_after = "2h"\n', encoding="utf-8")
    settings = load_settings(
        _env_file=None,
        steward_remind_after="10m",
        steward_escalation_channel="C0ESC",
        steward_policy_file=path,
    )
    policy = load_policy(settings)
    assert policy.escalation_channel == "C0ESC"
    assert policy.rules("kaiten").remind_after == dt.timedelta(minutes=30)
    assert policy.rules("hub").remind_after == dt.timedelta(hours=2)
    assert load_policy(load_settings(_env_file=None)).rules("kaiten").remind_after == dt.timedelta(hours=1)

    path.write_text("[kaiten]\nremind_after = 60\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"`kaiten.remind_after` must be a duration in quotes"):
        load_policy(settings)
