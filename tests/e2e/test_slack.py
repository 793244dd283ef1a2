"""Steward as users meet it, through Slack's protocol: what the fake Slack received, and what
the sandbox vendors received."""

from __future__ import annotations

import json
import re
import time

from bot.sandbox.common import Fault
from bot.slack import messages
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, SECRET, STRANGER, Rig

QA = "00000000-0000-4000-8000-000000000001"


def card_of(rig: Rig, number: int = 1) -> tuple[str, str]:
    """(request id, card ts) of the `number`-th card posted."""
    post = rig.slack.wait_for(
        "chat.postMessage",
        number,
        where=lambda c: "thread_ts" not in c.args and str(c.args.get("channel", "")).startswith("C"),
    )[number - 1]
    request_id = re.search(
        r"(?:Change|Offboarding|Reinstatement|Revert) request (\w+)", json.dumps(post.args["blocks"])
    ).group(1)  # type: ignore[union-attr]
    ts = next(m.ts for m in rig.slack.cards() if request_id in json.dumps(m.blocks))
    return request_id, ts


def thread_text(rig: Rig, ts: str, count: int = 1) -> str:
    rig.slack.wait_for("chat.postMessage", count, where=lambda c: c.args.get("thread_ts") == ts)
    return "\n".join(m.text + json.dumps(m.blocks) for m in rig.slack.thread(CHANNEL, ts))


#: The rig and the sandbox stamp times in two threads of this process; this much covers the
#: scheduling between them. An ack that waited for a vendor would be late by the vendor's
#: whole answer time (2 s with the slow sandbox), far beyond it.
CLOCKS = 0.01


def assert_acked_before_vendors(rig: Rig) -> None:
    """Each answer reached the rig before any vendor call that followed its request."""
    assert all(a.status == 200 for a in rig.answers)
    calls = rig.vendor_calls()
    assert calls and calls[0] > rig.answers[0].at - CLOCKS


def test_a_kaiten_user_change_is_carded_applied_and_answered_in_the_thread(rig: Rig) -> None:
    answer = rig.command("kaiten user anna.petrova@acme.test set theme=dark reason=trial")

    assert answer.status == 200 and answer.body == ""
    request_id, ts = card_of(rig)
    text = thread_text(rig, ts)
    assert "Done" in text and "`theme` is now dark" in text
    [patch] = rig.kaiten.requests("PATCH")
    assert patch.path == "/api/latest/users/2" and patch.json() == {"theme": "dark"}
    assert_acked_before_vendors(rig)  # Slack had its answer before the vendor was called
    rig.slack.wait_for(
        "chat.update", where=lambda c: c.args.get("ts") == ts and "Done" in str(c.args.get("text"))
    )
    dm = rig.slack.wait_for(
        "chat.postMessage", where=lambda c: str(c.args.get("channel", "")).startswith("D")
    )
    assert request_id in str(dm[0].args["text"])


def test_check_answers_the_requester_alone_with_who_steward_is(rig: Rig) -> None:
    rig.command("check")

    [reply] = rig.slack.wait_for("response_url", timeout=40)  # three vendors, one login, under a full suite
    assert reply.args["response_type"] == "ephemeral"
    for vendor in ("Kaiten", "ONLYOFFICE", "Hub"):
        assert f"{vendor}" in reply.args["text"] and "Steward is Steward Service" in reply.args["text"]
    assert [r.path for r in rig.kaiten.requests()] == ["/api/latest/users/current"]


def test_a_group_grant_needs_approval_and_the_requesters_own_click_is_refused(rig: Rig) -> None:
    rig.command(f"kaiten group {QA} grant tags reason=audit")
    request_id, ts = card_of(rig)
    card = json.dumps(rig.slack.cards()[0].blocks)
    assert "Approve" in card and "Reject" in card and "Cancel" in card
    assert "members, billing (3)" in card and "members, billing, tags (515)" in card

    rig.click(messages.APPROVE, request_id, ADMIN, ts)
    [refusal] = rig.slack.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == ADMIN and "may not approve" in refusal.args["text"]
    assert rig.kaiten.requests("PATCH") == []

    rig.click(messages.APPROVE, request_id, BOSS, ts)
    assert "Done" in thread_text(rig, ts)
    [patch] = rig.kaiten.requests("PATCH")
    assert patch.json() == {"permissions": 515}

    rig.click(messages.APPROVE, request_id, BOSS, ts)  # a second click does nothing
    rig.slack.wait_for("chat.postEphemeral", 2)
    assert len(rig.kaiten.requests("PATCH")) == 1
    assert "already done" in rig.slack.calls("chat.postEphemeral")[-1].args["text"]
    assert_acked_before_vendors(rig)


def test_a_group_set_and_revoke(rig: Rig) -> None:
    rig.command(f'kaiten group {QA} set name="QA team"')
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    rig.command(f"kaiten group {QA} revoke billing")
    request_id, ts2 = card_of(rig, 2)
    rig.click(messages.APPROVE, request_id, BOSS, ts2)
    assert "Done" in thread_text(rig, ts2)
    assert [p.json() for p in rig.kaiten.requests("PATCH")] == [{"name": "QA team"}, {"permissions": 1}]


def test_an_onlyoffice_update_keeps_what_it_does_not_change(rig: Rig) -> None:
    rig.command("onlyoffice user kofi.mensah@acme.test set title=“Lead contractor”")
    _, ts = card_of(rig)
    assert "Lead contractor" in thread_text(rig, ts)
    [put] = rig.onlyoffice.requests("PUT")
    assert (
        put.json()["title"] == "Lead contractor"
        and put.json()["isVisitor"] is True
        and len(put.json()["contacts"]) == 2
    )


def test_a_hub_name_change_and_a_ban_through_approval(rig: Rig) -> None:
    rig.command('hub user anna.petrova@acme.test set name="Anna P."')
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    rig.command('hub user anna.petrova@acme.test ban reason="left the company"')
    request_id, ts2 = card_of(rig, 2)
    rig.click(messages.APPROVE, request_id, BOSS, ts2)
    assert "Done" in thread_text(rig, ts2)
    posts = [p.json() for p in rig.hub.requests("POST")]
    assert posts == [{"name": "Anna P."}, {"banned": True, "banReason": "left the company"}]


def test_a_non_admin_is_refused_privately_and_no_vendor_is_called(rig: Rig) -> None:
    rig.command("kaiten user 2 set theme=dark", user=STRANGER)

    [reply] = rig.slack.wait_for("response_url")
    assert "Refused" in reply.args["text"] and reply.args["response_type"] == "ephemeral"
    assert rig.vendor_calls() == []
    assert rig.slack.calls("chat.postMessage") == []


def test_an_invalid_value_is_refused_before_any_vendor_call(rig: Rig) -> None:
    rig.command("kaiten user 2 set initials=ABC")

    [reply] = rig.slack.wait_for("response_url")
    assert "`initials`: must be exactly 2 characters" in reply.args["text"]
    assert rig.vendor_calls() == []


def test_vendor_400_401_and_404_are_explained_in_the_thread(rig: Rig) -> None:
    rig.kaiten.fail(Fault(status=400, body='{"message":"full_name is reserved"}', method="PATCH"))
    rig.command('kaiten user 2 set full_name="Admin"')
    _, ts = card_of(rig)
    assert "did not accept the change" in thread_text(rig, ts) and "full_name is reserved" in thread_text(
        rig, ts
    )

    rig.hub.fail(
        Fault(status=401, body='{"error":"unauthorized","error_description":"Token expired"}', method="POST")
    )
    rig.command("hub user boris.ivanov@acme.test set name=Boris")
    _, ts2 = card_of(rig, 2)
    assert "rejected Steward's credentials" in thread_text(rig, ts2) and "HUB_TOKEN" in thread_text(rig, ts2)

    rig.onlyoffice.fail(
        Fault(
            status=404,
            body='{"status":1,"statusCode":404,"error":{"message":"user not found"}}',
            method="PUT",
        )
    )
    rig.command("onlyoffice user dana.kim@acme.test set title=QA")
    _, ts3 = card_of(rig, 3)
    assert "ONLYOFFICE has no user" in thread_text(rig, ts3)


def test_a_bulk_change_reports_every_target_when_one_fails(rig: Rig) -> None:
    rig.kaiten.fail(Fault(status=400, body='{"message":"locked"}', method="PATCH", path="/users/3"))
    rig.command("kaiten user 2,3,4 set lng=ru")
    _, ts = card_of(rig)
    text = thread_text(rig, ts)
    assert "Partly done" in text and text.count("✅") == 2 and "locked" in text
    assert len(rig.kaiten.requests("PATCH")) == 3


def test_the_form_opens_at_once_shows_a_field_error_and_submits(rig: Rig) -> None:
    from tests.rig import signing

    rig.command("")
    [opened] = rig.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "steward_form_1"
    assert rig.vendor_calls() == []

    meta = opened.args["view"]["private_metadata"]
    step1 = {
        "vendor": {"vendor": {"type": "static_select", "selected_option": {"value": "kaiten"}}},
        "object": {"object": {"type": "static_select", "selected_option": {"value": "user"}}},
        "targets": {"targets": {"type": "plain_text_input", "value": "anna.petrova@acme.test"}},
        "action": {"action": {"type": "static_select", "selected_option": {"value": "set"}}},
    }
    answer = rig.post(signing.view_submission("steward_form_1", step1, user_id=ADMIN, private_metadata=meta))
    assert answer.json()["response_action"] == "update"
    [filled] = rig.slack.wait_for("views.update")
    assert (
        min(r.time for r in rig.kaiten.requests()) > answer.at - CLOCKS
    )  # the submission was answered first
    view = filled.args["view"]
    assert view["callback_id"] == "steward_form_2"
    theme = next(b for b in view["blocks"] if b.get("block_id") == "theme")
    assert theme["element"]["initial_value"] == "auto"

    bad = {"initials": {"initials": {"type": "plain_text_input", "value": "ABC"}}}
    refused = rig.post(
        signing.view_submission(
            "steward_form_2",
            bad,
            user_id=ADMIN,
            private_metadata=view["private_metadata"],
            blocks=view["blocks"],
        )
    )
    assert (
        refused.json()["response_action"] == "errors"
        and "exactly 2 characters" in refused.json()["errors"]["initials"]
    )
    assert rig.kaiten.requests("PATCH") == []

    good = {
        "theme": {"theme": {"type": "plain_text_input", "value": "dark"}},
        "reason": {"reason": {"type": "plain_text_input", "value": "from the form"}},
    }
    rig.post(
        signing.view_submission(
            "steward_form_2",
            good,
            user_id=ADMIN,
            private_metadata=view["private_metadata"],
            blocks=view["blocks"],
        )
    )
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    assert [p.json() for p in rig.kaiten.requests("PATCH")] == [{"theme": "dark"}]


def test_bad_signatures_and_stale_timestamps_get_401_and_run_nothing(rig: Rig) -> None:
    from tests.rig import signing

    body = signing.slash_command(
        "kaiten user 2 set theme=dark",
        user_id=ADMIN,
        channel_id=CHANNEL,
        response_url=rig.slack.hooks_url + "x",
    )
    assert rig.post(body, secret="wrong-secret").status == 401
    assert rig.post(body, ts=int(time.time()) - 301).status == 401
    assert rig.post(body, headers={"x-slack-signature": ""}).status == 401
    time.sleep(0.5)
    assert rig.vendor_calls() == [] and rig.slack.calls("chat.postMessage") == []
    assert SECRET not in rig.log.read_text()


def test_the_answer_comes_before_the_first_vendor_call_even_when_vendors_are_slow(rig: Rig) -> None:
    rig.kaiten.slow(2.0)
    command = rig.command(f"kaiten group {QA} grant tags")
    request_id, ts = card_of(rig)
    before_click = rig.kaiten.requests()
    assert command.status == 200 and before_click[0].time > command.at - CLOCKS

    click = rig.click(messages.APPROVE, request_id, BOSS, ts)
    assert "Done" in thread_text(rig, ts)

    after_click = [r for r in rig.kaiten.requests() if r not in before_click]
    assert click.status == 200 and after_click and min(r.time for r in after_click) > click.at - CLOCKS


def test_a_channel_steward_is_not_in_is_explained_with_how_to_invite_it(rig: Rig) -> None:
    rig.command("kaiten user 2 set theme=dark", channel="C0PRIVATE")
    reply = rig.slack.wait_for("response_url")[0]
    assert "/invite @Steward" in reply.args["text"]
    assert rig.kaiten.requests("PATCH") == []


def test_health_and_metrics_tell_operators_what_happened(rig: Rig) -> None:
    import httpx

    health = httpx.get(f"{rig.url}/healthz").json()
    assert health == {"ok": True, "store": "ok", "vendors": ["kaiten", "onlyoffice", "hub"]}
    rig.command("kaiten user 2 set theme=dark")
    _, ts = card_of(rig)
    thread_text(rig, ts)
    exact = httpx.get(f"{rig.url}/metrics")  # as curl and scrapers ask: no redirect to follow
    assert exact.status_code == 200, exact.headers
    slash = httpx.get(f"{rig.url}/metrics/")  # still served, for scrapers set up with it
    assert slash.status_code == 200 and "steward_pending_approvals" in slash.text
    metrics = exact.text
    assert 'steward_requests_total{action="set",state="done",vendor="kaiten"} 1.0' in metrics
    assert re.search(r'steward_vendor_calls_total\{status="200",vendor="Kaiten"\} [1-9]', metrics)
    assert "steward_vendor_call_seconds_bucket" in metrics and "steward_pending_approvals" in metrics


def test_mentions_and_links_in_values_and_vendor_answers_ping_no_one(rig: Rig) -> None:
    rig.command('hub user boris.ivanov@acme.test set name="<!channel> <@U0VICTIM> <http://evil.test|win>"')
    _, ts = card_of(rig)
    thread_text(rig, ts)
    [post] = rig.hub.requests("POST")
    assert (
        post.json()["name"] == "<!channel> <@U0VICTIM> <http://evil.test|win>"
    )  # the vendor got it as typed
    for call in rig.slack.calls():
        sent = json.dumps(call.args)
        assert "<!channel>" not in sent and "<@U0VICTIM>" not in sent and "<http://evil" not in sent


def test_sigterm_lets_the_work_in_flight_finish_before_steward_exits(rig: Rig) -> None:
    rig.kaiten.slow(1.0)
    rig.command("kaiten user 2 set theme=dark")
    deadline = time.monotonic() + 10
    while not rig.kaiten.requests() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert rig.process is not None
    rig.process.terminate()  # SIGTERM while the change is running
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status still says why
    assert rig.process.wait(timeout=40) in (0, -15)
    assert [p.json() for p in rig.kaiten.requests("PATCH")] == [{"theme": "dark"}]
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)


def test_slacks_escaped_text_and_a_mention_reach_the_vendor_as_typed(rig: Rig) -> None:
    # Slack sends "&" as "&amp;" and a mention as <@U…|name> (should_escape: true in the manifest)
    rig.command('hub user <@U0ANNA|anna> set name="R&amp;D &lt;team&gt;"')
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    [post] = rig.hub.requests("POST")
    assert post.json() == {"name": "R&D <team>"}
