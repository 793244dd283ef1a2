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


def test_add_then_remove_on_each_vendor_each_with_its_approval(rig: Rig) -> None:
    cards = 0
    for vendor, group, person in (
        ("kaiten", '"QA engineers"', "boris.ivanov@acme.test"),
        ("onlyoffice", "Contractors", "farah.haddad@acme.test"),
        ("hub", '"Support Leads"', "kofi.mensah@acme.test"),
    ):
        for action, said in (("add", "added to"), ("remove", "removed from")):
            rig.command(f"{vendor} group {group} {action} {person}")
            cards += 1
            request_id, ts = card_of(rig, cards)
            rig.click(messages.APPROVE, request_id, BOSS, ts)
            thread = thread_text(rig, ts)
            assert "Done" in thread and said in thread, (vendor, action, thread)
    writes = {
        "kaiten": [r.method for r in rig.kaiten.requests() if "/groups/" in r.path and r.method != "GET"],
        "onlyoffice": [r.method for r in rig.onlyoffice.requests() if r.path.endswith("/members")],
        "hub": [r.method for r in rig.hub.requests() if "/usergroups/" in r.path and r.method != "GET"],
    }
    assert writes == {
        "kaiten": ["POST", "DELETE"],
        "onlyoffice": ["PUT", "DELETE"],
        "hub": ["POST", "DELETE"],
    }


def test_an_onlyoffice_e_mail_change_is_approved_and_sent_alone_to_the_email_endpoint(rig: Rig) -> None:
    rig.command('onlyoffice user dana.kim@acme.test set email=dana.kim@corp.test reason="new domain"')
    request_id, ts = card_of(rig)
    assert not [r for r in rig.onlyoffice.requests("PUT") if r.path.endswith("/email")]  # sensitive
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts)
    assert "Done" in thread and "dana.kim@corp.test" in thread
    [put] = [r for r in rig.onlyoffice.requests("PUT") if r.path.endswith("/email")]
    assert put.json() == {"email": "dana.kim@corp.test"}


def test_a_taken_e_mail_address_is_onlyoffices_refusal_quoted_in_the_thread(rig: Rig) -> None:
    rig.command("onlyoffice user dana.kim@acme.test set email=chen.wei@acme.test")
    request_id, ts = card_of(rig)
    rig.click(messages.APPROVE, request_id, BOSS, ts)

    thread = thread_text(rig, ts)
    assert "Failed" in thread and "already registered" in thread, thread
