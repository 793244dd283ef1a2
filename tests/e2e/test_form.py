"""The request form (issue 14): it obeys the policy before any vendor is read, and it keeps what
it collected in the store, so that a form with hundreds of targets submits."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox import company, onlyoffice_data
from bot.sandbox.kaiten_data import EXTRA_FROM
from bot.slack import messages
from tests.conftest import Sandbox
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, STRANGER, Answer, Launcher, Rig
from tests.e2e.test_slack import QA, card_of, thread_text
from tests.rig import signing

#: How long the tests give work Steward might start after an answer to reach a vendor, where
#: they check that none does.
SETTLE = 1.0


def step_one(
    vendor: str, obj: str, targets: str, action: str, group: str | None = None
) -> dict[str, dict[str, Any]]:
    """The state of a filled-in step 1, as Slack sends it (`group`: the group input, which
    Slack sends with a null value when it is left empty)."""
    return {
        "vendor": {"vendor": {"type": "static_select", "selected_option": {"value": vendor}}},
        "object": {"object": {"type": "static_select", "selected_option": {"value": obj}}},
        "group": {"group": {"type": "plain_text_input", "value": group}},
        "targets": {"targets": {"type": "plain_text_input", "value": targets}},
        "action": {"action": {"type": "static_select", "selected_option": {"value": action}}},
    }


def rows(rig: Rig, query: str) -> list[tuple[Any, ...]]:
    """Read Steward's SQLite store (the rig's DATABASE_URL), as an operator could."""
    with contextlib.closing(sqlite3.connect(rig.log.parent / "steward.db")) as db:
        return db.execute(query).fetchall()


def open_meta(rig: Rig) -> str:
    rig.command("")
    [opened] = rig.slack.wait_for("views.open")
    return str(opened.args["view"]["private_metadata"])


def send_step_two(rig: Rig, view: dict[str, Any], typed: dict[str, str], user: str = ADMIN) -> Answer:
    """Send the step-2 view Steward showed, with `typed` (block id → text) in its inputs."""
    state = {k: {k: {"type": "plain_text_input", "value": v}} for k, v in typed.items()}
    return rig.post(
        signing.view_submission(
            "steward_form_2",
            state,
            user_id=user,
            private_metadata=view["private_metadata"],
            blocks=view["blocks"],
        )
    )


# --- point 1: the form obeys the policy --------------------------------------------------------


def test_a_non_admins_form_submission_reaches_no_vendor_and_is_refused_in_the_form(rig: Rig) -> None:
    meta = json.dumps({"channel": CHANNEL})  # as the form Steward opens carries it
    answer = rig.post(
        signing.view_submission(
            "steward_form_1",
            step_one("kaiten", "user", "anna.petrova@acme.test", "set"),
            user_id=STRANGER,
            private_metadata=meta,
        )
    )
    time.sleep(SETTLE)  # anything started after the answer has had its chance to call a vendor

    assert rig.vendor_calls() == [], [r.path for r in rig.kaiten.requests()]
    assert answer.status == 200 and answer.json()["response_action"] == "errors"
    refusal = answer.json()["errors"]["vendor"]
    assert "not an admin of Kaiten" in refusal and "operators" in refusal
    assert rig.slack.calls("views.update") == []


def test_a_non_admin_reusing_an_admins_step_two_is_refused_before_any_vendor_call(rig: Rig) -> None:
    meta = open_meta(rig)
    rig.post(
        signing.view_submission(
            "steward_form_1", step_one("kaiten", "user", "2", "set"), user_id=ADMIN, private_metadata=meta
        )
    )
    [filled] = rig.slack.wait_for("views.update")
    view = filled.args["view"]
    rig.kaiten.app.state.clear_log()

    answer = send_step_two(rig, view, {"theme": "dark"}, STRANGER)
    time.sleep(SETTLE)

    assert answer.status == 200 and answer.json()["response_action"] == "errors"
    assert "not an admin of Kaiten" in answer.json()["errors"]["reason"]
    assert rig.vendor_calls() == [] and rig.slack.calls("chat.postMessage") == []


def test_a_non_admins_steward_gets_a_private_reply_and_no_form(rig: Rig) -> None:
    answer = rig.command("", user=STRANGER)

    [reply] = rig.slack.wait_for("response_url")
    assert answer.status == 200
    assert reply.args["response_type"] == "ephemeral"
    assert "not an admin" in reply.args["text"] and "operators" in reply.args["text"]
    assert rig.slack.calls("views.open") == []
    assert rig.vendor_calls() == []


def test_the_form_offers_only_the_vendors_the_person_administers(
    launcher: Launcher, hub_sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[hub]\nadmins = ["{BOSS}"]\n')
    rig = launcher({"STEWARD_POLICY_FILE": str(policy)})
    hub_sandbox.app.state.clear_log()
    rig.command("")
    [opened] = rig.slack.wait_for("views.open")
    vendor = next(b for b in opened.args["view"]["blocks"] if b.get("block_id") == "vendor")
    # and, to offboard, every vendor the person administers at once
    assert [o["value"] for o in vendor["element"]["options"]] == ["kaiten", "onlyoffice", "every"]

    answer = send_step_one(rig, "hub", "user", "anna.petrova@acme.test", "set")
    time.sleep(SETTLE)
    assert answer.json()["response_action"] == "errors"
    assert "not an admin of Hub" in answer.json()["errors"]["vendor"]

    offboarding = send_step_one(rig, "every", "user", "julia.meyer@acme.test", "offboard")
    assert offboarding.json()["response_action"] == "update", offboarding.body
    [filled] = rig.slack.wait_for("views.update")
    said = json.dumps(filled.args["view"]["blocks"])
    assert "on Kaiten and ONLYOFFICE:" in said and "Hub" not in said, said
    time.sleep(SETTLE)
    assert hub_sandbox.requests() == []


# --- point 14: form state in the store ---------------------------------------------------------


def submit_form(
    rig: Rig, vendor: str, ids: list[str], action: str, values: dict[str, str]
) -> tuple[dict[str, Any], Answer]:
    """Open the form, fill step 1 with `ids`, and send step 2 with `values`: (the step-2 view,
    the answer to sending it)."""
    typed = ",".join(ids)
    assert len(typed) <= 3000  # what Slack lets one text input hold
    meta = open_meta(rig)
    answer = rig.post(
        signing.view_submission(
            "steward_form_1", step_one(vendor, "user", typed, action), user_id=ADMIN, private_metadata=meta
        )
    )
    assert answer.json()["response_action"] == "update"
    [filled] = rig.slack.wait_for("views.update", timeout=60)
    view: dict[str, Any] = filled.args["view"]
    assert view["callback_id"] == "steward_form_2", view
    sent = send_step_two(rig, view, values)
    return view, sent


def assert_one_request_for(rig: Rig, ids: list[str]) -> None:
    request_id, _ = card_of(rig)
    [(stored, targets)] = rows(rig, "SELECT id, targets FROM requests")  # one request, for all of them
    assert stored == request_id
    assert sorted(str(t["id"]) for t in json.loads(targets)) == sorted(ids)


def test_a_form_with_500_targets_reaches_step_two_and_submits_one_request_for_all(rig: Rig) -> None:
    rig.kaiten.option(extra_users=500)
    ids = [str(EXTRA_FROM + n) for n in range(500)]  # 500 Kaiten ids fit in the targets field

    view, sent = submit_form(rig, "kaiten", ids, "set", {"username": "bulk", "reason": "bulk clean-up"})

    assert len(view["private_metadata"]) <= 40  # an id, not the form's contents
    assert sent.status == 200 and sent.body == "", sent.body
    assert_one_request_for(rig, ids)
    assert rig.kaiten.requests("PATCH") == []  # a username change waits for approval


def test_a_form_with_80_onlyoffice_guids_submits(rig: Rig) -> None:
    rig.onlyoffice.option(extra_users=80)
    ids = [str(onlyoffice_data.extra_user(n)["id"]) for n in range(1, 81)]

    view, sent = submit_form(rig, "onlyoffice", ids, "disable", {"reason": "contract ended " * 30})

    assert len(view["private_metadata"]) <= 40
    assert sent.status == 200 and sent.body == "", sent.body
    assert_one_request_for(rig, ids)
    assert rig.onlyoffice.requests("PUT") == []  # disabling waits for approval


def test_an_unknown_form_id_or_a_mangled_one_is_a_readable_error_in_the_form(rig: Rig) -> None:
    theme = {"theme": {"theme": {"type": "plain_text_input", "value": "dark"}}}
    for meta in ("F0UNKNOWN0000000", '{"vendor": "kaiten", "targets": ["2"', "", "[1, 2]"):
        answer = rig.post(
            signing.view_submission("steward_form_2", theme, user_id=ADMIN, private_metadata=meta)
        )
        assert answer.status == 200, (meta, answer.body)
        error = answer.json()["errors"]["reason"]
        assert "/steward" in error and "open" in error, error

    for meta in ('{"channel": ', "[]", "not json"):
        answer = rig.post(
            signing.view_submission(
                "steward_form_1", step_one("kaiten", "user", "2", "set"), user_id=ADMIN, private_metadata=meta
            )
        )
        assert answer.status == 200, (meta, answer.body)
        assert "/steward" in answer.json()["errors"]["vendor"]
    time.sleep(SETTLE)
    assert rig.vendor_calls() == []
    assert "Traceback" not in rig.log.read_text()


def test_the_form_deactivates_a_kaiten_user_through_approval(rig: Rig) -> None:
    _, sent = submit_form(rig, "kaiten", ["3"], "deactivate", {"reason": "left the company"})

    assert sent.status == 200 and sent.body == "", sent.body
    request_id, ts = card_of(rig)
    assert rig.kaiten.requests("PATCH") == []  # deactivation is sensitive
    rig.click(messages.APPROVE, request_id, BOSS, ts)
    deadline = time.monotonic() + 15
    while not rig.kaiten.requests("PATCH") and time.monotonic() < deadline:
        time.sleep(0.05)
    [patch] = rig.kaiten.requests("PATCH")
    assert patch.path.endswith("/company/users/3") and patch.json() == {"temporarily_inactive": True}


# --- issue 16: group membership through the form ----------------------------------------------


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def send_step_one(
    rig: Rig, vendor: str, obj: str, targets: str, action: str, group: str | None = None, user: str = ADMIN
) -> Answer:
    """Send step 1 filled in so, as from the form Steward opens in CHANNEL."""
    return rig.post(
        signing.view_submission(
            "steward_form_1",
            step_one(vendor, obj, targets, action, group),
            user_id=user,
            private_metadata=json.dumps({"channel": CHANNEL}),
        )
    )


def membership_step_one(
    rig: Rig, vendor: str, group: str, people: str, action: str = "add", user: str = ADMIN
) -> Answer:
    return send_step_one(rig, vendor, "group", people, action, group, user)


def test_the_form_offers_group_add_and_remove_on_every_vendor(rig: Rig) -> None:
    rig.command("")
    [opened] = rig.slack.wait_for("views.open")
    view = opened.args["view"]
    objects = {o["value"]: o["text"]["text"] for o in block(view, "object")["element"]["options"]}
    actions = {o["value"]: o["text"]["text"] for o in block(view, "action")["element"]["options"]}
    assert objects["group"] == "Group"  # every vendor's, not Kaiten's alone
    assert actions["add"] == "Add people" and actions["remove"] == "Remove people"
    assert block(view, "group")["element"]["type"] == "plain_text_input"

    tried = [("kaiten", "QA engineers"), ("onlyoffice", "Engineering"), ("hub", "Engineering")]
    for number, (vendor, group) in enumerate(tried, start=1):
        for action in ("add", "remove"):
            answer = membership_step_one(rig, vendor, group, "anna.petrova@acme.test", action)
            assert answer.json()["response_action"] == "update", (vendor, action, answer.body)
        filled = rig.slack.wait_for(
            "views.update", 2 * number, where=lambda c: c.args["view"].get("callback_id") == "steward_form_2"
        )
        shown = json.dumps(filled[-1].args["view"]["blocks"])
        assert group in shown and "Anna Petrova" in shown, shown


def test_a_group_add_through_the_form_waits_for_approval_then_the_person_is_in_the_group(rig: Rig) -> None:
    answer = membership_step_one(rig, "kaiten", "qa engineers", "boris.ivanov@acme.test")
    assert answer.json()["response_action"] == "update", answer.body
    [filled] = rig.slack.wait_for("views.update")
    view = filled.args["view"]
    assert view["callback_id"] == "steward_form_2", view
    assert "QA engineers" in json.dumps(view["blocks"])
    sent = send_step_two(rig, view, {"reason": "joins QA"})

    assert sent.status == 200 and sent.body == "", sent.body
    request_id, ts = card_of(rig)
    assert rig.kaiten.requests("POST") == []  # a change of members is sensitive
    rig.click(messages.APPROVE, request_id, BOSS, ts)
    thread = thread_text(rig, ts)
    assert "Done" in thread and "added to QA engineers" in thread, thread

    members = httpx.get(
        f"{rig.kaiten.url}/api/latest/groups/{QA}/users",
        headers={"Authorization": f"Bearer {company.KAITEN_TOKEN}"},
    )
    assert members.status_code == 200
    assert "boris.ivanov@acme.test" in [m["email"] for m in members.json()]
    [(reasons,)] = rows(rig, "SELECT reason FROM requests")
    assert reasons == "joins QA"


def test_an_unknown_group_in_the_form_is_told_under_the_group_field_and_nothing_is_stored(rig: Rig) -> None:
    answer = membership_step_one(rig, "kaiten", "QA", "boris.ivanov@acme.test")
    assert answer.json()["response_action"] == "update", answer.body

    [again] = rig.slack.wait_for("views.update")
    view = again.args["view"]
    assert view["callback_id"] == "steward_form_1", view  # back to the first step
    ids = [b.get("block_id") for b in view["blocks"]]
    after = view["blocks"][ids.index("group") + 1]  # what shows right under the group input
    error = json.dumps(after)
    assert "has no group QA" in error and "QA engineers" in error and QA in error, error
    assert block(view, "group")["element"].get("initial_value") == "QA"  # what was typed stays
    assert block(view, "targets")["element"].get("initial_value") == "boris.ivanov@acme.test"
    time.sleep(SETTLE)
    assert rows(rig, "SELECT id FROM requests") == [] and rows(rig, "SELECT id FROM forms") == []
    assert rig.kaiten.requests("POST") == []


def test_the_forms_group_and_people_are_checked_as_the_command_checks_them(rig: Rig) -> None:
    cases = [
        ("Engineering", "not-a-person", "targets", "not a user Steward knows"),
        ("Engineering", ",".join(f"p{n}@acme.test" for n in range(501)), "targets", "at most 500"),
        ("Engi\u202eneering", "anna.petrova@acme.test", "group", "U+202E"),
        ("", "anna.petrova@acme.test", "group", "Name the group"),
    ]
    for group, people, field, words in cases:
        answer = membership_step_one(rig, "onlyoffice", group, people)
        assert answer.json()["response_action"] == "errors", answer.body
        assert words in answer.json()["errors"][field], answer.json()
    time.sleep(SETTLE)
    assert rig.vendor_calls() == []


def test_a_non_admins_group_add_through_the_form_reaches_no_vendor(rig: Rig) -> None:
    answer = membership_step_one(rig, "onlyoffice", "Engineering", "boris.ivanov@acme.test", user=STRANGER)
    time.sleep(SETTLE)

    assert answer.json()["response_action"] == "errors"
    assert "not an admin of ONLYOFFICE" in answer.json()["errors"]["vendor"]
    assert rig.vendor_calls() == [] and rig.slack.calls("views.update") == []

    # an admin's step two, sent by someone else, is refused too, before any vendor call
    membership_step_one(rig, "onlyoffice", "Engineering", "boris.ivanov@acme.test")
    [filled] = rig.slack.wait_for("views.update")
    view = filled.args["view"]
    rig.onlyoffice.app.state.clear_log()
    sent = send_step_two(rig, view, {}, STRANGER)
    time.sleep(SETTLE)
    assert "not an admin of ONLYOFFICE" in sent.json()["errors"]["reason"]
    assert rig.vendor_calls() == [] and rig.slack.calls("chat.postMessage") == []


# --- issue 16: offboarding through the form -----------------------------------------------------


def offboard_step_one(
    rig: Rig, person: str, *, vendor: str = "every", obj: str = "user", user: str = ADMIN
) -> Answer:
    return send_step_one(rig, vendor, obj, person, "offboard", user=user)


def test_the_form_offers_offboarding_on_every_vendor_the_admin_administers(rig: Rig) -> None:
    rig.command("")
    [opened] = rig.slack.wait_for("views.open")
    view = opened.args["view"]
    vendors = {o["value"]: o["text"]["text"] for o in block(view, "vendor")["element"]["options"]}
    actions = {o["value"]: o["text"]["text"] for o in block(view, "action")["element"]["options"]}
    assert vendors["every"] == "Every vendor you administer", vendors
    assert "Offboard" in actions["offboard"], actions
    assert "offboard" in block(view, "targets")["hint"]["text"].lower()


def test_an_offboarding_through_the_form_asks_only_a_reason_then_switches_the_person_off_after_approval(
    rig: Rig,
) -> None:
    answer = offboard_step_one(rig, "Julia.Meyer@acme.test")
    assert answer.json()["response_action"] == "update", answer.body
    [filled] = rig.slack.wait_for(
        "views.update", where=lambda c: c.args["view"].get("callback_id") == "steward_form_2"
    )
    view = filled.args["view"]
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["reason"], inputs  # the person was named in step 1; only the reason is asked
    said = json.dumps(view["blocks"])
    assert "julia.meyer@acme.test" in said and "Kaiten, ONLYOFFICE and Hub" in said, said
    assert rig.vendor_calls() == []  # nothing read yet: the card plans it once the form is sent

    sent = send_step_two(rig, view, {"reason": "left the company"})

    assert sent.status == 200 and sent.body == "", sent.body
    request_id, ts = card_of(rig)
    card = rig.slack.message(CHANNEL, ts)
    card_text = card.text + json.dumps(card.blocks, ensure_ascii=False)
    assert "asks to offboard julia.meyer@acme.test on Kaiten, ONLYOFFICE and Hub" in card_text, card_text
    assert rig.kaiten.requests("PATCH") == []  # an offboarding always waits for approval
    rig.click(messages.APPROVE, request_id, BOSS, ts)
    thread = thread_text(rig, ts, 4)  # one message per vendor as it ends, then the outcome
    assert "✅ Kaiten: done" in thread and "✅ ONLYOFFICE: done" in thread and "✅ Hub: done" in thread
    [ban] = [r.json() for r in rig.hub.requests("POST") if "/users/" in r.path]
    assert ban == {"banned": True, "banReason": "left the company"}
    assert rows(rig, "SELECT action, reason FROM requests") == [("offboard", "left the company")]


def test_the_forms_offboarding_is_checked_as_the_command_checks_it(rig: Rig) -> None:
    cases = [
        ({"person": "42"}, "targets", "not a person Steward can look up on every vendor"),
        ({"person": "anna.petrova@acme.test, boris.ivanov@acme.test"}, "targets", "one person"),
        ({"person": "me"}, "targets", "not a person Steward can look up"),
        ({"person": "  "}, "targets", "Name the person to offboard"),
        ({"person": "anna.petrova@acme.test", "vendor": "kaiten"}, "vendor", "Every vendor you administer"),
        ({"person": "anna.petrova@acme.test", "obj": "group"}, "object", "choose User"),
    ]
    for case, field, words in cases:
        answer = offboard_step_one(rig, **case)
        assert answer.json()["response_action"] == "errors", (case, answer.body)
        assert words in answer.json()["errors"][field], (case, answer.json())
    other = send_step_one(rig, "every", "user", "anna.petrova@acme.test", "set")
    assert "only for Offboard" in other.json()["errors"]["action"], other.json()
    time.sleep(SETTLE)
    assert rig.vendor_calls() == [] and rig.slack.calls("views.update") == []
    assert rows(rig, "SELECT id FROM forms") == []


def test_a_non_admins_offboarding_through_the_form_reaches_no_vendor(rig: Rig) -> None:
    answer = offboard_step_one(rig, "julia.meyer@acme.test", user=STRANGER)
    time.sleep(SETTLE)

    assert answer.json()["response_action"] == "errors"
    refusal = answer.json()["errors"]["vendor"]
    assert "not an admin of any vendor" in refusal and "operators" in refusal, refusal
    assert rig.vendor_calls() == [] and rig.slack.calls("views.update") == []

    # an admin's step two, sent by someone else, is refused too, before any vendor call
    offboard_step_one(rig, "julia.meyer@acme.test")
    [filled] = rig.slack.wait_for(
        "views.update", where=lambda c: c.args["view"].get("callback_id") == "steward_form_2"
    )
    view = filled.args["view"]
    sent = send_step_two(rig, view, {}, STRANGER)
    time.sleep(SETTLE)
    assert "not an admin of any vendor" in sent.json()["errors"]["reason"], sent.json()
    assert rig.vendor_calls() == [] and rig.slack.calls("chat.postMessage") == []
    assert rows(rig, "SELECT id FROM requests") == []
