"""Group membership through the pipeline (issue 16): a person into or out of a group is a
request like any other — sensitive by default, a card with `member` no → yes, approval, the
vendor's add/remove call, the members read again to confirm — and `members` lists a group's
direct members to its vendor's admins. Over the sandbox vendors and a real store."""

from __future__ import annotations

import pytest

from bot.flow import reports
from bot.flow.pipeline import Pipeline
from bot.language import Membership, parse
from bot.store.core import Store
from tests.conftest import Sandbox
from tests.flow.conftest import ADMIN, BOSS, STRANGER, RecordingNotifier


def membership(text: str) -> Membership:
    parsed = parse(text)
    assert isinstance(parsed, Membership), parsed
    return parsed


async def test_adding_a_person_to_a_hub_group_is_approved_then_posted_and_confirmed(
    pipeline: Pipeline, store: Store, hub_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_membership(
        membership('hub group Engineering add anna.petrova@acme.test reason="new team"'), ADMIN, "C0OPS"
    )

    assert answer.request_id and "waiting for approval" in answer.text
    card = notifier.last(answer.request_id)
    assert card.group == "Engineering" and card.targets[0].changes[0].current is False
    assert hub_sandbox.requests("POST") == []
    await pipeline.decide(answer.request_id, BOSS, "approve")

    [post] = [r for r in hub_sandbox.requests("POST") if "/usergroups/" in r.path]
    assert post.path.endswith("/users") and "id" in post.json()
    done = notifier.finished[-1]
    assert done.state == "done" and done.outcomes[0].message == "added to Engineering"
    members = await reports.members(pipeline, ADMIN, "hub", "Engineering")
    assert "anna.petrova@acme.test" in members


async def test_removing_a_member_deletes_the_membership(
    pipeline: Pipeline, hub_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_membership(
        membership("hub group Engineering remove boris.ivanov@acme.test"), ADMIN, "C0OPS"
    )
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")

    [delete] = hub_sandbox.requests("DELETE")
    boris = next(u["id"] for u in hub_sandbox.app.users.values() if u["login"] == "boris.ivanov")  # type: ignore[attr-defined]
    assert "/usergroups/" in delete.path and delete.path.endswith(f"/users/{boris}")
    assert notifier.finished[-1].outcomes[0].message == "removed from Engineering"


async def test_adding_someone_already_in_the_group_is_nothing_to_do(
    pipeline: Pipeline, hub_sandbox: Sandbox
) -> None:
    answer = await pipeline.submit_membership(
        membership("hub group engineering add boris.ivanov@acme.test"), ADMIN, "C0OPS"
    )

    assert answer.request_id is None
    assert answer.text == "Nothing to do: Boris Ivanov (boris.ivanov) is already in Engineering."
    assert hub_sandbox.requests("POST") == []


async def test_a_group_name_that_matches_none_is_an_error_with_the_close_matches(pipeline: Pipeline) -> None:
    answer = await pipeline.submit_membership(
        membership("hub group Engineers add anna.petrova@acme.test"), ADMIN, "C0OPS"
    )

    assert answer.request_id is None and answer.text.startswith("Hub has no group Engineers.")


async def test_members_lists_the_direct_members_to_admins_only(
    pipeline: Pipeline, hub_sandbox: Sandbox
) -> None:
    text = await reports.members(pipeline, ADMIN, "hub", "Engineering")
    refused = await reports.members(pipeline, STRANGER, "hub", "Engineering")

    lines = text.splitlines()
    assert lines[0].startswith("Engineering · Hub group ") and lines[0].endswith("2 direct members")
    assert [line.split(" · ")[1] for line in lines[1:]] == ["boris.ivanov@acme.test", "chen.wei@acme.test"]
    assert refused == "Only Steward's admins of Hub may look up its groups."


@pytest.mark.parametrize("verb", ["add", "remove"])
async def test_a_stranger_is_refused_and_no_vendor_is_asked(
    pipeline: Pipeline, hub_sandbox: Sandbox, verb: str, store: Store
) -> None:
    answer = await pipeline.submit_membership(
        membership(f"hub group Engineering {verb} anna.petrova@acme.test"), STRANGER, "C0OPS"
    )

    assert answer.text.startswith("Refused:") and hub_sandbox.requests() == []
    [entry] = await store.audit(vendor="hub", refused=True)
    assert entry.actor == STRANGER


async def test_an_onlyoffice_group_add_puts_the_member_keeping_the_others(
    pipeline: Pipeline, onlyoffice_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_membership(
        membership("onlyoffice group Engineering add anna.petrova@acme.test"), ADMIN, "C0OPS"
    )
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")

    [put] = [r for r in onlyoffice_sandbox.requests("PUT") if r.path.endswith("/members")]
    assert len(put.json()["members"]) == 1 and onlyoffice_sandbox.requests("POST", "/members") == []
    assert notifier.finished[-1].outcomes[0].message == "added to Engineering"
    listed = await reports.members(pipeline, ADMIN, "onlyoffice", "engineering")
    assert "Anna Petrova" in listed and "Dana Kim" in listed


async def test_a_kaiten_group_add_by_quoted_name_posts_the_user_id(
    pipeline: Pipeline, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    answer = await pipeline.submit_membership(membership('kaiten group "QA engineers" add 3'), ADMIN, "C0OPS")
    assert answer.request_id
    await pipeline.decide(answer.request_id, BOSS, "approve")

    [post] = kaiten_sandbox.requests("POST", "/groups/")
    assert post.json() == {"user_id": 3} and "/company/" not in post.path
    assert notifier.finished[-1].outcomes[0].message == "added to QA engineers"


async def test_deactivating_then_reactivating_a_kaiten_user_goes_through_approval_each_time(
    pipeline: Pipeline, store: Store, kaiten_sandbox: Sandbox, notifier: RecordingNotifier
) -> None:
    off = await pipeline.submit(parse("kaiten user 3 deactivate reason=left"), ADMIN, "C0OPS")  # type: ignore[arg-type]
    assert off.request_id and "waiting for approval" in off.text
    await pipeline.decide(off.request_id, BOSS, "approve")
    on = await pipeline.submit(parse("kaiten user 3 reactivate"), ADMIN, "C0OPS")  # type: ignore[arg-type]
    assert on.request_id
    await pipeline.decide(on.request_id, BOSS, "approve")

    patched = [r.json() for r in kaiten_sandbox.requests("PATCH", "/company/users/3")]
    assert patched == [{"temporarily_inactive": True}, {"temporarily_inactive": False}]
    first, second = (notifier.last(rid) for rid in (off.request_id, on.request_id))
    assert first.targets[0].changes[0].current is False and first.state == "done"
    assert second.targets[0].changes[0].current is True and second.state == "done"
