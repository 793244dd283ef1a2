"""Group membership and deactivation end to end (issue 16): signed /steward commands to
`python -m bot`, approval clicks on the card, the outcome in the thread."""

from __future__ import annotations

from bot.slack import messages
from tests.e2e.conftest import BOSS, Rig
from tests.e2e.test_slack import card_of, thread_text


def test_a_hub_group_add_by_quoted_name_is_approved_and_done(rig: Rig) -> None:
    rig.command('hub group "Engineering" add anna.petrova@acme.test reason="new team"')
    request_id, ts = card_of(rig)
    assert rig.hub.requests("POST") == []  # sensitive: nothing before the approval
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts)
    assert "Done" in thread and "added to Engineering" in thread
    assert [r.path.rsplit("/", 1)[1] for r in rig.hub.requests("POST")] == ["users"]


def test_an_onlyoffice_group_remove_is_approved_and_done(rig: Rig) -> None:
    rig.command("onlyoffice group Engineering remove dana.kim@acme.test")
    request_id, ts = card_of(rig)
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    assert "removed from Engineering" in thread_text(rig, ts)
    assert [r.method for r in rig.onlyoffice.requests() if r.path.endswith("/members")] == ["DELETE"]


def test_a_kaiten_user_deactivated_then_reactivated(rig: Rig) -> None:
    rig.command("kaiten user boris.ivanov@acme.test deactivate reason=left")
    off, ts = card_of(rig)
    rig.click(messages.APPROVE, off, BOSS, ts)
    assert "Done" in thread_text(rig, ts)
    rig.command("kaiten user boris.ivanov@acme.test reactivate")
    on, ts2 = card_of(rig, 2)
    rig.click(messages.APPROVE, on, BOSS, ts2)
    assert "Done" in thread_text(rig, ts2)

    patched = [r.json() for r in rig.kaiten.requests("PATCH") if "/company/users/" in r.path]
    assert patched == [{"temporarily_inactive": True}, {"temporarily_inactive": False}]


def test_members_are_listed_privately(rig: Rig) -> None:
    rig.command("kaiten group Admins members")

    [reply] = rig.slack.wait_for("response_url")
    text = reply.args["text"]
    assert (
        reply.args["response_type"] == "ephemeral" and "Admins" in text and "boris.ivanov@acme.test" in text
    )
