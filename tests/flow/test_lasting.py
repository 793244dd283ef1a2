"""A change made for a while (issue 17, point 3): the asked `for`/`until` travels with the request
from submit, the card says it, and the run's end sets when the change ends. The policy bounds it
(max_for) and keeps it to changes that are approved."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.flow.pipeline import Pipeline
from bot.language import Membership, parse
from bot.slack import messages
from bot.store import Store
from tests.flow.conftest import ADMIN, BOSS, RecordingNotifier, change

QA = "00000000-0000-4000-8000-000000000001"


async def test_a_grant_for_an_hour_ends_an_hour_after_it_ran(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(
        change(f"kaiten group {QA} grant tags for 1h reason=audit"), ADMIN, "C0OPS"
    )
    assert answer.request_id, answer.text
    pending = await store.get(answer.request_id)
    assert pending is not None and pending.state == "pending" and pending.ends_at is None
    assert pending.card["lasting"] == {"for": 3600}
    assert "for 1h after approval" in messages.state_line(notifier.last(answer.request_id))

    await pipeline.decide(answer.request_id, BOSS, "approve")

    done = await store.get(answer.request_id)
    assert done is not None and done.state == "done" and done.finished_at is not None
    assert done.ends_at == done.finished_at + dt.timedelta(hours=1) and done.end_state is None
    [told] = [c for c in notifier.finished if c.id == done.id]
    assert f"until {messages.when(done.ends_at)}" in messages.direct_message(told).text


async def test_a_group_add_until_a_time_ends_then(pipeline: Pipeline, store: Store) -> None:
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    parsed = parse(f"hub group Engineering add emil.novak@acme.test until {until:%Y-%m-%d %H:%M}")
    assert isinstance(parsed, Membership) and parsed.until == until

    answer = await pipeline.submit_membership(parsed, ADMIN, "C0OPS")
    assert answer.request_id, answer.text
    await pipeline.decide(answer.request_id, BOSS, "approve")

    done = await store.get(answer.request_id)
    assert done is not None and done.state == "done" and done.ends_at == until


async def test_a_change_that_runs_at_once_cannot_be_made_for_a_while(
    pipeline: Pipeline, store: Store, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit(
        change("kaiten user anna.petrova@acme.test set theme=dark for 8h"), ADMIN, "C0OPS"
    )

    assert answer.request_id is None and answer.private
    assert answer.text.startswith("Refused: only a change that needs approval can be made for a while")
    assert notifier.shown == []
    [entry] = await store.audit(refused=True)
    assert entry.event == "refused" and "only a change that needs approval" in str(entry.detail)


async def test_a_change_for_longer_than_max_for_is_refused(
    make_pipeline: object, store: Store, notifier: RecordingNotifier, pipeline: Pipeline
) -> None:
    strict = dataclasses.replace(pipeline.policy, max_for=dt.timedelta(days=1))
    pipe: Pipeline = make_pipeline(policy=strict)  # type: ignore[operator]

    answer = await pipe.submit(change(f"kaiten group {QA} grant tags for 2d"), ADMIN, "C0OPS")

    assert answer.request_id is None
    assert answer.text == (
        "Refused: a change may be made for at most 1d on Kaiten (max_for), and this one asks for 2d. "
        "Nothing was changed."
    )
    assert notifier.shown == []
    refused = await pipe.submit_membership(
        parse('kaiten group "QA engineers" add boris.ivanov@acme.test for 3d'),  # type: ignore[arg-type]
        ADMIN,
        "C0OPS",
    )
    assert "at most 1d on Kaiten (max_for), and this one asks for 3d" in refused.text
