"""What the pipeline says when ONLYOFFICE or Hub refuses a change, or would (issue 15): ONLYOFFICE's
refusals that come as 500s, a user on leave, a title ONLYOFFICE does not apply, a ban reason for
a Hub user who is not banned. Over the sandbox vendors and a real store."""

from __future__ import annotations

from bot.flow.pipeline import Pipeline
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, RecordingNotifier, change


async def test_onlyoffices_refusal_is_reported_in_its_words_as_nothing_changed_and_sent_once(
    pipeline: Pipeline, onlyoffice_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    onlyoffice_sandbox.option(seats=3)  # no free seat to promote the guest into
    answer = await pipeline.submit(
        change("onlyoffice user kofi.mensah@acme.test set isVisitor=false"), ADMIN, "C0OPS"
    )
    await pipeline.decide(answer.request_id or "", BOSS, "approve")

    [outcome] = notifier.finished[-1].outcomes
    assert not outcome.ok and outcome.changed == "no"
    assert "ONLYOFFICE refused to update user" in outcome.message
    assert "(500): Exceeds the maximum active users (3). Nothing was changed." in outcome.message
    assert len(onlyoffice_sandbox.requests("PUT")) == 1


async def test_a_user_on_leave_is_not_sent_a_change(
    pipeline: Pipeline, onlyoffice_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    await pipeline.submit(change("onlyoffice user nadia.rahman@acme.test set title=Lead"), ADMIN, "C0OPS")

    [outcome] = notifier.finished[-1].outcomes
    assert not outcome.ok and outcome.changed == "no"
    assert (
        "ONLYOFFICE was not asked: `title`: cannot be changed while the user is on leave" in outcome.message
    )
    assert onlyoffice_sandbox.requests("PUT") == []


async def test_enabling_a_user_on_leave_is_refused_and_disabling_one_is_nothing_to_do(
    pipeline: Pipeline, onlyoffice_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    enable = await pipeline.submit(change("onlyoffice user nadia.rahman@acme.test enable"), ADMIN, "C0OPS")
    await pipeline.decide(enable.request_id or "", BOSS, "approve")
    disable = await pipeline.submit(change("onlyoffice user nadia.rahman@acme.test disable"), ADMIN, "C0OPS")

    [outcome] = notifier.finished[-1].outcomes
    assert not outcome.ok and "cannot enable a user who is on leave" in outcome.message
    assert "disable the user, then enable them" in outcome.message
    assert disable.request_id is None and "already has `disable`" in disable.text
    assert onlyoffice_sandbox.requests("PUT") == []


async def test_a_title_onlyoffice_does_not_apply_to_a_user_from_ldap_is_reported_as_not_taken(
    pipeline: Pipeline, onlyoffice_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    await pipeline.submit(change("onlyoffice user oskar.lind@acme.test set title=CTO"), ADMIN, "C0OPS")

    [outcome] = notifier.finished[-1].outcomes
    assert not outcome.ok
    assert "`title` is still Network engineer" in outcome.message
    assert len(onlyoffice_sandbox.requests("PUT")) == 1


async def test_a_ban_reason_for_a_hub_user_who_is_not_banned_is_refused_and_nothing_is_written(
    pipeline: Pipeline, store: Store, hub_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    await pipeline.submit(change("hub user anna.petrova@acme.test set banReason=left"), ADMIN, "C0OPS")

    [outcome] = notifier.finished[-1].outcomes
    assert not outcome.ok and outcome.changed == "no"
    assert "Hub was not asked: `banReason`" in outcome.message and "`ban reason=…`" in outcome.message
    assert hub_sandbox.requests("POST") == []
