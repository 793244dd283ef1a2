"""Changes made for a while (issue 17, points 4 and 5): when the time is up, upkeep sets the change
back by itself — without a new approval, with the drift check, once across replicas — the
original card's thread and the requester say how it ended; the requester is warned before the
end with Extend and End now."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from bot import metrics
from bot.flow import reports
from bot.flow.pipeline import Pipeline
from bot.flow.policy import Policy
from bot.language import Membership, parse
from bot.store import Store
from bot.store.audit import export
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, STRANGER, RecordingNotifier

QA = "00000000-0000-4000-8000-000000000001"  # Kaiten's QA engineers: permissions 3, members 2 and 4


async def made(pipeline: Pipeline, store: Store, text: str) -> str:
    parsed = parse(text)
    if isinstance(parsed, Membership):
        answer = await pipeline.submit_membership(parsed, ADMIN, "C0OPS")
    else:
        answer = await pipeline.submit(parsed, ADMIN, "C0OPS")  # type: ignore[arg-type]
    assert answer.request_id, answer.text
    await pipeline.decide(answer.request_id, BOSS, "approve")
    row = await store.get(answer.request_id)
    assert row is not None and row.state == "done" and row.ends_at is not None, row
    return answer.request_id


def ends_counted(state: str) -> float:
    return metrics.SCHEDULED_ENDS.labels(state)._value.get()  # type: ignore[attr-defined,no-any-return]


async def test_a_grant_for_one_second_is_revoked_by_upkeep_without_a_new_approval(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    before = ends_counted("ended")
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1s")
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3 | 512  # type: ignore[attr-defined]
    await pipeline.upkeep()
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3 | 512  # type: ignore[attr-defined]  # not yet

    await asyncio.sleep(1.1)
    await pipeline.upkeep()

    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]
    row = await store.get(first)
    assert row is not None and row.end_state == "ended"
    [revert] = [r for r in await _all(store) if r.reverts == first]
    assert revert.state == "done" and revert.approvals == () and revert.requester == ADMIN
    assert any(first in text and "ended" in text for _, text in notifier.notes)
    assert any(user == ADMIN and "ended" in message.text for user, message in notifier.dms)
    assert ends_counted("ended") == before + 1
    events = [e.event for e in await store.audit(request_id=first)]
    assert "ended" in events

    await pipeline.upkeep()  # once: a second round finds nothing due
    assert len([r for r in await _all(store) if r.reverts == first]) == 1


async def test_a_group_add_for_one_second_is_removed_by_upkeep(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    await made(pipeline, store, f"kaiten group {QA} add boris.ivanov@acme.test for 1s")
    await asyncio.sleep(1.1)
    await pipeline.upkeep()
    assert [r.path.rsplit("/", 1)[1] for r in kaiten_sandbox.requests("DELETE", "/groups/")] == ["3"]


async def test_an_end_finds_the_value_changed_since_and_leaves_it_and_says_so(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1s")
    kaiten_sandbox.app.groups[QA]["permissions"] = 3 | 512 | 2048  # type: ignore[attr-defined]  # someone, since
    await asyncio.sleep(1.1)
    await pipeline.upkeep()

    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3 | 512 | 2048  # type: ignore[attr-defined]
    row = await store.get(first)
    assert row is not None and row.end_state == "not_ended"
    assert any("could not end" in text and "changed" in text for _, text in notifier.notes)


async def test_two_replicas_end_a_change_once(
    make_pipeline: Any, store: Store, kaiten_sandbox: Sandbox
) -> None:
    one, two = make_pipeline(owner="one:1"), make_pipeline(owner="two:2")
    first = await made(one, store, f"kaiten group {QA} grant tags for 1s")
    await asyncio.sleep(1.1)
    await asyncio.gather(one.upkeep(), two.upkeep(), one.upkeep(), two.upkeep())
    assert len([r for r in await _all(store) if r.reverts == first]) == 1
    assert len([r for r in kaiten_sandbox.requests("PATCH") if QA in r.path]) == 2  # the grant, one revoke


async def test_end_now_sets_it_back_at_once_and_only_the_requester_or_an_admin_may(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox
) -> None:
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1h")
    refused = await pipeline.end_now(first, STRANGER)
    assert refused.text == f"There is no request {first} that you may see."
    answer = await pipeline.end_now(first, ADMIN)
    assert "ended" in answer.text, answer.text
    assert kaiten_sandbox.app.groups[QA]["permissions"] == 3  # type: ignore[attr-defined]
    again = await pipeline.end_now(first, ADMIN)
    assert "ended already" in again.text


async def test_extend_asks_for_the_same_length_again_and_moves_the_end_once_approved(
    pipeline: Pipeline, store: Store
) -> None:
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1h")
    row = await store.get(first)
    assert row is not None and row.ends_at is not None and row.finished_at is not None
    answer = await pipeline.extend(first, ADMIN)
    assert answer.request_id and "asks to extend" in answer.text
    extension = await store.get(answer.request_id)
    assert extension is not None and extension.state == "pending" and extension.action == "extend"

    await pipeline.decide(answer.request_id, BOSS, "approve")
    moved = await store.get(first)
    assert moved is not None and moved.ends_at is not None
    assert moved.ends_at - row.ends_at == pytest.approx(
        row.ends_at - row.finished_at, abs=dt.timedelta(seconds=1)
    )


async def test_the_requester_is_warned_before_the_end_with_extend_and_end_now(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 2s")
    await asyncio.sleep(1.85)  # 90% of a time shorter than an hour
    await pipeline.upkeep()
    [(user, warning)] = [(u, m) for u, m in notifier.dms if "Extend" in str(m.blocks)]
    assert user == ADMIN and first in warning.text and "End now" in str(warning.blocks)
    await pipeline.upkeep()
    assert len([m for _, m in notifier.dms if "Extend" in str(m.blocks)]) == 1  # once


async def _all(store: Store) -> list[Any]:
    entries = await store.audit()
    ids = dict.fromkeys(e.request_id for e in entries if e.request_id)
    rows = [await store.get(i) for i in ids]
    return [r for r in rows if r is not None]


async def test_history_shows_an_end_and_an_extension_with_the_requests_they_belong_to(
    pipeline: Pipeline, store: Store
) -> None:
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1s")
    await asyncio.sleep(1.1)
    await pipeline.upkeep()
    [revert] = [r for r in await _all(store) if r.reverts == first]
    other = await made(pipeline, store, f"kaiten group {QA} grant tags for 1h")
    extension = await pipeline.extend(other, ADMIN)
    assert extension.request_id
    await pipeline.decide(extension.request_id, BOSS, "approve")

    lines = (await reports.history(store, pipeline.policy, ADMIN, "kaiten", None)).splitlines()
    assert any(
        f"{first} ended by steward → {revert.id} (request {revert.id} set it back)" in line for line in lines
    ), lines
    assert any(f"{revert.id} created by {ADMIN}" in line and f"(reverts {first})" in line for line in lines)
    assert any(
        f"{other} extension_requested by {ADMIN} → {extension.request_id} (until " in line for line in lines
    ), lines
    assert any(f"{other} extended by {ADMIN} (until " in line for line in lines), lines
    assert any(
        f"{extension.request_id} created by {ADMIN}" in line and f"(extends {other}" in line for line in lines
    )

    exported = [json.loads(line) async for line in export(store, None, "jsonl")]
    [ended] = [e for e in exported if e["event"] == "ended"]
    assert (ended["request_id"], ended["detail"]["request"]) == (first, revert.id)
    assert "set it back" in ended["detail"]["why"]


async def test_with_extend_without_approval_the_requesters_extend_moves_the_end_at_once(
    make_pipeline: Any, store: Store, policy: Policy
) -> None:
    pipeline = make_pipeline(policy=dataclasses.replace(policy, extend_without_approval=True))
    first = await made(pipeline, store, f"kaiten group {QA} grant tags for 1h")
    row = await store.get(first)
    assert row is not None and row.ends_at is not None and row.finished_at is not None
    requests_before = len(await _all(store))

    answer = await pipeline.extend(first, ADMIN)
    moved = await store.get(first)
    assert moved is not None and moved.ends_at is not None
    assert moved.ends_at - row.ends_at == pytest.approx(
        row.ends_at - row.finished_at, abs=dt.timedelta(seconds=1)
    )
    assert answer.request_id is None and f"now ends at {moved.ends_at:%Y-%m-%d %H:%M} UTC" in answer.text
    assert len(await _all(store)) == requests_before  # no new request
    [extended] = [e for e in await store.audit(request_id=first) if e.event == "extended"]
    assert extended.actor == ADMIN

    # another admin's Extend still asks for approval
    other = await pipeline.extend(first, BOSS)
    assert other.request_id and "asks to extend" in other.text
    pending = await store.get(other.request_id)
    assert pending is not None and pending.state == "pending"
