"""The ONLYOFFICE client against the sandbox ONLYOFFICE over loopback HTTP: what goes over the wire
(method, path, the raw token, the body) and what the client makes of the answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import stamina

from bot.errors import (
    ConfigError,
    InvalidValue,
    VendorAuthError,
    VendorBadResponse,
    VendorForbidden,
    VendorIgnored,
    VendorNotFound,
    VendorRefused,
    VendorRejected,
    VendorServerError,
)
from bot.sandbox import company
from bot.sandbox.common import Fault
from bot.sandbox.onlyoffice_data import group_id, user_id
from bot.vendors.base import Record
from bot.vendors.fields import build
from bot.vendors.onlyoffice import OnlyofficeClient, OnlyofficeUser, OnlyofficeUserUpdate
from tests.conftest import Sandbox

STEWARD = user_id("steward")
ANNA = user_id("anna.petrova")  # the portal owner
KOFI = user_id("kofi.mensah")  # a guest with two contacts and a lead (Anna)
DANA = user_id("dana.kim")
GLEB = user_id("gleb.orlov")  # Terminated
NADIA = user_id("nadia.rahman")  # on leave (status 4, LeaveOfAbsence)
OSKAR = user_id("oskar.lind")  # comes from LDAP, title "Network engineer"
BORIS = user_id("boris.ivanov")  # not an admin: company.ONLYOFFICE_USER_TOKEN is his
NOBODY = "00000000-0000-4000-8000-000000000001"
KOFI_CONTACTS = [{"Type": "mail", "Value": "kofi@contractor.test"}, {"Type": "skype", "Value": "kofi.m"}]
FARAH, CHEN, JULIA, HANA = (user_id(n) for n in ("farah.haddad", "chen.wei", "julia.meyer", "hana.sato"))
OPS, ENG, IT, IT_SECURITY = (group_id(n) for n in ("Operations", "Engineering", "IT", "IT Security"))
NO_GROUP = "00000000-0000-4000-8000-0000000000aa"
#: What `read` gives for Gleb, who is Terminated: enough for `write` to send nothing first.
GLEB_VALUES = {"isVisitor": False, "contacts": [], "lead": None, "disable": True, "status": 2}


def change(**fields: Any) -> OnlyofficeUserUpdate:
    return build(OnlyofficeUserUpdate, fields)


def login_client(
    http: httpx.AsyncClient, sandbox: Sandbox, password: str = company.ONLYOFFICE_PASSWORD
) -> OnlyofficeClient:
    return OnlyofficeClient(http, sandbox.url, username=company.ONLYOFFICE_USERNAME, password=password)


def calls(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sandbox.requests()]


# -- reads ---------------------------------------------------------------------------------------


async def test_me_sends_the_static_token_raw_and_unwraps_the_envelope(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    me = await onlyoffice.me()

    assert isinstance(me, OnlyofficeUser)
    assert (me.id, me.userName, me.isAdmin, me.status) == (STEWARD, "steward", True, 1)
    [sent] = onlyoffice_sandbox.requests()
    assert (sent.method, sent.path, sent.query) == ("GET", "/api/2.0/people/@self", "")
    assert sent.headers["authorization"] == company.ONLYOFFICE_TOKEN  # no scheme, as the docs say
    assert sent.headers["accept"] == "application/json"
    assert (await onlyoffice.whoami()) == Record(
        STEWARD, "Steward Service (steward@acme.test)", me.record().values
    )


async def test_a_user_by_guid_is_read_into_typed_fields(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    kofi = await onlyoffice.user(KOFI)

    assert onlyoffice_sandbox.requests()[0].path == f"/api/2.0/people/{KOFI}"
    assert (kofi.displayName, kofi.email, kofi.isVisitor, kofi.lead) == (
        "Kofi Mensah",
        "kofi.mensah@acme.test",
        True,
        ANNA,
    )
    assert [c.sent() for c in kofi.contacts] == KOFI_CONTACTS
    assert [(g.id, g.name) for g in kofi.groups] == [(group_id("Contractors"), "Contractors")]
    assert kofi.department == "Contractors"  # the joined group names, a string
    assert (kofi.status, kofi.activationStatus) == (1, 1)  # integers, not enum names
    gleb = await onlyoffice.user(GLEB)
    assert gleb.disabled and gleb.terminated and gleb.terminated.endswith("+03:00")


async def test_a_user_by_email_ignores_case_and_an_unknown_one_is_not_found(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    kofi = await onlyoffice.user_by_email("KOFI.Mensah@acme.test")
    with pytest.raises(VendorNotFound) as caught:
        await onlyoffice.user_by_email("nobody@acme.test")

    assert kofi.id == KOFI
    first, second = onlyoffice_sandbox.requests()
    assert (first.method, first.path, parse_qs(first.query)) == (
        "GET",
        "/api/2.0/people/email",
        {"email": ["KOFI.Mensah@acme.test"]},
    )
    assert parse_qs(second.query) == {"email": ["nobody@acme.test"]}
    assert "User not found" in str(caught.value) and caught.value.attempts_made == 1


async def test_find_takes_a_guid_or_an_email_and_an_unknown_one_gives_nothing(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [by_guid] = await onlyoffice.find("user", KOFI)
    [by_email] = await onlyoffice.find("user", "kofi.mensah@acme.test")
    assert await onlyoffice.find("user", NOBODY) == []
    assert await onlyoffice.find("user", "nobody@acme.test") == []

    assert by_guid == by_email
    assert by_guid.id == KOFI and by_guid.label == "Kofi Mensah (kofi.mensah@acme.test)"
    assert [r.path for r in onlyoffice_sandbox.requests()] == [
        f"/api/2.0/people/{KOFI}",
        "/api/2.0/people/email",
        f"/api/2.0/people/{NOBODY}",
        "/api/2.0/people/email",
    ]


async def test_read_gets_each_user_once_and_leaves_out_ids_onlyoffice_does_not_know(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    records = await onlyoffice.read("user", [KOFI, DANA, KOFI, NOBODY, "kofi"])

    assert sorted(records) == sorted([KOFI, DANA])
    assert sorted(r.path for r in onlyoffice_sandbox.requests()) == sorted(
        f"/api/2.0/people/{i}" for i in (KOFI, DANA, NOBODY)
    )
    assert records[KOFI].values == {
        "isVisitor": True,
        "firstname": "Kofi",
        "lastname": "Mensah",
        "comment": None,
        "title": "Contractor",
        "location": None,
        "sex": None,
        "birthday": None,
        "worksfrom": "2021-02-10",
        "contacts": KOFI_CONTACTS,
        "lead": ANNA,
        "disable": False,
        "department": [group_id("Contractors")],
        "status": 1,
        "email": "kofi.mensah@acme.test",
    }
    assert records[DANA].values["birthday"] == "1990-05-17" and records[DANA].values["sex"] == "female"


# -- the update: read, modify, write ---------------------------------------------------------------


async def test_updating_the_title_alone_keeps_the_guests_contacts_guest_status_and_lead(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    reported = await onlyoffice.update_user(KOFI, change(title="Lead contractor"))

    after = await onlyoffice.user(KOFI)  # read back from the sandbox, not from the PUT's answer
    assert after.title == reported.title == "Lead contractor"
    assert after.isVisitor is True
    assert after.lead == ANNA
    assert [c.sent() for c in after.contacts] == KOFI_CONTACTS
    get, put, _ = onlyoffice_sandbox.requests()
    assert (get.method, get.path) == ("GET", f"/api/2.0/people/{KOFI}")
    assert (put.method, put.path) == ("PUT", f"/api/2.0/people/{KOFI}")
    assert put.headers["authorization"] == company.ONLYOFFICE_TOKEN
    assert put.headers["content-type"] == "application/json"
    assert put.json() == {
        "title": "Lead contractor",
        "isVisitor": True,
        "contacts": KOFI_CONTACTS,
        "lead": ANNA,
    }


async def test_the_sandbox_catches_a_careless_put_of_the_title_alone(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    url = f"{onlyoffice_sandbox.url}/api/2.0/people/{KOFI}"
    headers = {"Authorization": company.ONLYOFFICE_TOKEN}

    answer = await http.put(url, json={"title": "Lead contractor"}, headers=headers)
    after = (await http.get(url, headers=headers)).json()["response"]

    assert answer.status_code == 200
    assert after["title"] == "Lead contractor"
    assert "contacts" not in after and "lead" not in after  # wiped: empty fields are left out
    assert after["isVisitor"] is False  # the guest became a full user


async def test_an_update_given_the_current_user_reads_nothing_first(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    current = await onlyoffice.user(DANA)
    onlyoffice_sandbox.app.state.clear_log()

    after = await onlyoffice.update_user(DANA, change(location="Lisbon", sex="Male"), current=current)

    assert calls(onlyoffice_sandbox) == [("PUT", f"/api/2.0/people/{DANA}")]
    [put] = onlyoffice_sandbox.requests()
    assert put.json() == {
        "location": "Lisbon",
        "sex": "male",
        "isVisitor": False,
        "contacts": [],
        "lead": ANNA,
    }
    assert (after.location, after.sex, after.lead, after.title) == ("Lisbon", "male", ANNA, "QA engineer")


async def test_fields_the_change_sets_are_sent_as_given_not_as_they_were(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    contacts = [{"Type": "skype", "Value": "kofi.new"}]
    after = await onlyoffice.update_user(KOFI, change(isVisitor=False, lead=None, contacts=contacts))

    [put] = onlyoffice_sandbox.requests("PUT")
    assert put.json() == {"isVisitor": False, "lead": None, "contacts": contacts}
    assert after.isVisitor is False and after.lead is None
    assert [c.sent() for c in after.contacts] == contacts


async def test_write_uses_the_record_it_is_given_and_reports_the_vendors_answer(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [current] = await onlyoffice.find("user", KOFI)
    onlyoffice_sandbox.app.state.clear_log()

    after = await onlyoffice.write("user", current, change(comment="Contract until June"))

    [put] = onlyoffice_sandbox.requests()
    assert put.method == "PUT"
    assert put.json() == {
        "comment": "Contract until June",
        "isVisitor": True,
        "contacts": KOFI_CONTACTS,
        "lead": ANNA,
    }
    assert after.id == KOFI and after.values["comment"] == "Contract until June"
    assert after.values["contacts"] == KOFI_CONTACTS


async def test_write_with_a_record_that_lacks_the_kept_values_reads_the_user_first(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    after = await onlyoffice.write("user", Record(KOFI, "Kofi"), change(title="Courier"))

    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{KOFI}"),
        ("PUT", f"/api/2.0/people/{KOFI}"),
    ]
    assert after.values["isVisitor"] is True and after.values["lead"] == ANNA


# -- disable and enable --------------------------------------------------------------------------


async def test_enabling_a_terminated_user_goes_through_the_status_endpoint_and_is_read_back(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    enabled = await onlyoffice.update_user(GLEB, change(disable=False))

    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{GLEB}"),
        ("PUT", "/api/2.0/people/status/Active"),
        ("GET", f"/api/2.0/people/{GLEB}"),
    ]
    assert onlyoffice_sandbox.requests("PUT")[0].json() == {"userIds": [GLEB]}
    assert enabled.status == 1 and not enabled.disabled


async def test_enabling_with_other_fields_enables_first_then_puts_the_rest(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    after = await onlyoffice.update_user(GLEB, change(disable=False, title="Back from leave"))

    status, put = onlyoffice_sandbox.requests("PUT")
    assert status.path == "/api/2.0/people/status/Active"
    assert (put.path, put.json()) == (
        f"/api/2.0/people/{GLEB}",
        {"title": "Back from leave", "isVisitor": False, "contacts": [], "lead": None},
    )
    assert after.status == 1 and after.title == "Back from leave"


async def test_disabling_is_a_put_with_disable_true_that_keeps_the_other_fields(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    disabled = await onlyoffice.update_user(KOFI, change(disable=True))

    [put] = onlyoffice_sandbox.requests("PUT")
    assert put.path == f"/api/2.0/people/{KOFI}"
    assert put.json() == {"disable": True, "isVisitor": True, "contacts": KOFI_CONTACTS, "lead": ANNA}
    after = await onlyoffice.user(KOFI)
    assert disabled.status == after.status == 2
    assert after.isVisitor and after.lead == ANNA and len(after.contacts) == 2


async def test_set_status_sends_the_ids_and_returns_the_users_with_the_owner_left_alone(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    users = await onlyoffice.set_status([DANA, ANNA], "Terminated")

    [put] = onlyoffice_sandbox.requests()
    assert (put.method, put.path, put.json()) == (
        "PUT",
        "/api/2.0/people/status/Terminated",
        {"userIds": [DANA, ANNA]},
    )
    assert [(u.id, u.status) for u in users] == [(DANA, 2), (ANNA, 1)]  # the owner is skipped silently


async def test_a_disabled_user_is_not_sent_a_change_onlyoffice_would_refuse(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue, match="The user is suspended") as caught:
        await onlyoffice.update_user(GLEB, change(title="x"))
    again = await onlyoffice.update_user(GLEB, change(disable=True))

    assert caught.value.field == "title"
    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{GLEB}"),
        ("GET", f"/api/2.0/people/{GLEB}"),
        ("PUT", "/api/2.0/people/status/Terminated"),  # disabling again: PUT would be refused
        ("GET", f"/api/2.0/people/{GLEB}"),
    ]
    assert again.disabled


async def test_a_user_on_leave_is_not_sent_a_change_onlyoffice_would_refuse(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue, match="on leave") as caught:
        await onlyoffice.update_user(NADIA, change(title="Lead designer"))

    assert caught.value.field == "title" and "The user is suspended" in str(caught.value)
    assert calls(onlyoffice_sandbox) == [("GET", f"/api/2.0/people/{NADIA}")]
    nadia = await onlyoffice.user(NADIA)
    assert nadia.title == "Designer"
    # not active, as a disabled user is: neither may sign in
    assert (nadia.record().values["disable"], nadia.record().values["status"]) == (True, 4)


async def test_disabling_a_user_on_leave_goes_through_the_status_endpoint(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    disabled = await onlyoffice.update_user(NADIA, change(disable=True))

    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{NADIA}"),
        ("PUT", "/api/2.0/people/status/Terminated"),  # a PUT /people/{id} would be refused
        ("GET", f"/api/2.0/people/{NADIA}"),
    ]
    assert disabled.disabled and disabled.status == 2


async def test_enabling_a_user_on_leave_is_refused_before_any_write_onlyoffice_would_ignore(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue, match="disable the user, then enable") as caught:
        await onlyoffice.update_user(NADIA, change(disable=False))

    assert caught.value.field == "disable" and "on leave" in str(caught.value)
    assert onlyoffice_sandbox.requests("PUT") == []


async def test_onlyoffices_own_refusal_of_a_put_is_quoted_sent_once_and_changed_nothing(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    stale = OnlyofficeUser.model_validate({"id": GLEB, "status": 1})  # a record from before Gleb left

    with pytest.raises(VendorRefused) as caught:
        await onlyoffice.update_user(GLEB, change(title="x"), current=stale)

    text = str(caught.value)
    assert text.startswith(f"ONLYOFFICE refused to update user {GLEB} (500): The user is suspended.")
    assert "Nothing was changed." in text and "enable" in text
    assert len(onlyoffice_sandbox.requests("PUT")) == 1  # a refusal, not a fault: not sent again


async def test_promoting_a_guest_without_a_free_seat_is_refused_once_and_changed_nothing(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.option(seats=3)  # far fewer than the active users

    with pytest.raises(VendorRefused) as caught:
        await onlyoffice.update_user(KOFI, change(isVisitor=False, title="Staff"))

    text = str(caught.value)
    assert "(500): Exceeds the maximum active users (3)." in text
    assert "Nothing was changed." in text and "Free a seat" in text
    assert len(onlyoffice_sandbox.requests("PUT")) == 1
    kofi = await onlyoffice.user(KOFI)
    assert kofi.isVisitor and kofi.title == "Contractor"


async def test_a_seat_refusal_after_a_group_change_says_it_is_unknown_what_was_applied(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    # UpdateMember replaces the groups (saved at once) before it checks the seat quota
    onlyoffice_sandbox.option(seats=3)

    with pytest.raises(VendorRefused) as caught:
        await onlyoffice.update_user(KOFI, change(isVisitor=False, department=[group_id("Engineering")]))

    assert caught.value.changed == "unknown" and "unknown whether the change was applied" in str(caught.value)
    assert len(onlyoffice_sandbox.requests("PUT")) == 1
    kofi = await onlyoffice.user(KOFI)
    assert kofi.isVisitor and [g.name for g in kofi.groups] == ["Engineering"]  # the groups did change


# -- what the server does not apply ----------------------------------------------------------------


async def test_the_title_of_a_user_from_ldap_does_not_take_and_the_answer_still_shows_the_old_one(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    # UpdateMember sets names, location and title only `if (!isLdap && !isSso)`
    after = await onlyoffice.write("user", Record(OSKAR, "Oskar"), change(title="Head of IT", comment="x"))

    [put] = onlyoffice_sandbox.requests("PUT")
    assert put.json()["title"] == "Head of IT"  # asked for ...
    assert after.values["title"] == "Network engineer"  # ... and not taken: what the pipeline reports
    assert after.values["comment"] == "x"
    assert (await onlyoffice.user(OSKAR)).title == "Network engineer"


async def test_a_non_admin_token_may_not_change_someone_else_and_onlyoffice_refuses_with_a_500(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_USER_TOKEN)

    with pytest.raises(VendorForbidden) as put:
        await client.update_user(KOFI, change(title="Courier"))
    with pytest.raises(VendorForbidden) as status:
        await client.set_status([KOFI], "Terminated")

    for caught in (put, status):
        text = str(caught.value)
        assert '(500): "Boris Ivanov" access denied "Edit user information, "' in text
        assert "Nothing was changed." in text and caught.value.attempts_made == 1
    assert [r.status for r in onlyoffice_sandbox.requests("PUT")] == [500, 500]
    kofi = await client.user(KOFI)  # reading is allowed
    assert kofi.title == "Contractor" and not kofi.disabled


async def test_a_non_admin_changing_their_own_profile_loses_the_title_silently_and_keeps_the_lead(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_USER_TOKEN)
    me = await client.me()

    after = await client.update_user(BORIS, change(title="Chief accountant", location="Lisbon", lead=None))

    assert me.id == BORIS and not me.isAdmin
    # title and lead apply only for a People admin; the rest does
    assert (after.title, after.lead, after.location) == ("Accountant", ANNA, "Lisbon")


# -- logging in ------------------------------------------------------------------------------------


async def test_a_login_token_is_got_once_and_sent_raw(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)

    await asyncio.gather(*(client.me() for _ in range(5)))
    await client.user(KOFI)

    [login] = onlyoffice_sandbox.requests("POST")
    assert login.path == "/api/2.0/authentication"
    assert login.json() == {"userName": company.ONLYOFFICE_USERNAME, "password": company.ONLYOFFICE_PASSWORD}
    [token] = onlyoffice_sandbox.app.tokens  # type: ignore[attr-defined]
    gets = onlyoffice_sandbox.requests("GET")
    assert len(gets) == 6 and {g.headers["authorization"] for g in gets} == {token}


async def test_a_login_token_is_renewed_shortly_before_it_expires(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    onlyoffice_sandbox.option(token_ttl=1)  # Steward renews at half a short lifetime
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    await client.me()
    assert len(onlyoffice_sandbox.requests("POST")) == 1
    await asyncio.sleep(0.6)

    await client.me()

    _, second = onlyoffice_sandbox.requests("POST", "/api/2.0/authentication")
    expires = onlyoffice_sandbox.app.tokens  # type: ignore[attr-defined]
    old, new = (r.headers["authorization"] for r in onlyoffice_sandbox.requests("GET")[1:])
    assert old != new and set(expires) == {old, new}
    assert second.time < expires[old]  # renewed while the first token was still good
    assert [r.status for r in onlyoffice_sandbox.requests()] == [201, 200, 200, 201, 200]


async def test_a_401_on_a_login_token_logs_in_again_once_and_repeats_the_request(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    onlyoffice_sandbox.app.tokens.clear()  # type: ignore[attr-defined]  # the portal forgot it

    me = await client.me()

    assert me.id == STEWARD
    assert [(r.method, r.status) for r in onlyoffice_sandbox.requests()] == [
        ("POST", 201),
        ("GET", 200),
        ("GET", 401),
        ("POST", 201),
        ("GET", 200),
    ]


async def test_requests_refused_together_log_in_again_once(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    onlyoffice_sandbox.app.tokens.clear()  # type: ignore[attr-defined]

    users = await asyncio.gather(*(client.user(i) for i in (KOFI, DANA, ANNA, GLEB)))

    assert [u.id for u in users] == [KOFI, DANA, ANNA, GLEB]
    assert len(onlyoffice_sandbox.requests("POST")) == 2  # the first login and one renewal
    assert len(onlyoffice_sandbox.app.tokens) == 1  # type: ignore[attr-defined]


async def test_a_second_401_after_logging_in_again_is_an_auth_error_naming_the_login_settings(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)
    onlyoffice_sandbox.fail(
        Fault(status=401, body="Unauthorized", content_type="text/plain", method="GET", times=2)
    )

    with pytest.raises(VendorAuthError) as caught:
        await client.me()

    assert "ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD" in str(caught.value)
    assert "Unauthorized" in str(caught.value)
    assert [(r.method, r.status) for r in onlyoffice_sandbox.requests()] == [
        ("POST", 201),
        ("GET", 401),
        ("POST", 201),
        ("GET", 401),
    ]


async def test_a_rejected_static_token_is_an_auth_error_tried_once(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(http, onlyoffice_sandbox.url, token="revoked-token")

    with pytest.raises(VendorAuthError) as caught:
        await client.me()

    assert "ONLYOFFICE_TOKEN" in str(caught.value) and "revoked-token" not in str(caught.value)
    [sent] = onlyoffice_sandbox.requests()
    assert sent.status == 401


async def test_a_wrong_password_is_tried_once_and_names_the_settings(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox, password="wrong-pass")

    with pytest.raises(VendorAuthError) as caught:
        await client.me()

    text = str(caught.value)
    assert "ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD" in text and "User authentication failed" in text
    assert calls(onlyoffice_sandbox) == [("POST", "/api/2.0/authentication")]  # no lock-out by retries


async def test_a_two_factor_login_without_a_token_is_explained(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    answer = '{"count":1,"status":0,"statusCode":201,"response":{"tfa":true,"tfaKey":"x"}}'
    onlyoffice_sandbox.fail(Fault(status=201, body=answer, method="POST"))

    with pytest.raises(VendorAuthError, match="two-factor"):
        await login_client(http, onlyoffice_sandbox).me()

    assert calls(onlyoffice_sandbox) == [("POST", "/api/2.0/authentication")]


async def test_a_login_that_fails_at_a_proxy_is_a_server_error_and_is_retried(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    onlyoffice_sandbox.fail(Fault(kind="html", status=502, method="POST", times=2))

    me = await login_client(http, onlyoffice_sandbox).me()

    assert me.id == STEWARD
    assert [(r.method, r.status) for r in onlyoffice_sandbox.requests()] == [
        ("POST", 502),
        ("POST", 502),
        ("POST", 201),
        ("GET", 200),
    ]


# -- failures, limits, refusals, secrets ---------------------------------------------------------


async def test_a_503_with_retry_after_is_waited_out_as_asked(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.fail(Fault(status=503, body="", headers={"Retry-After": "1"}, method="GET"))

    with stamina.set_testing(False):
        me = await onlyoffice.me()

    first, second = onlyoffice_sandbox.requests("GET")
    assert me.id == STEWARD
    assert (first.status, second.status) == (503, 200)
    assert second.time - first.time >= 1.0


async def test_a_success_without_the_envelope_is_a_bad_response_not_a_guess(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.fail(Fault(status=200, body='{"id": "x"}', method="GET"))

    with pytest.raises(VendorBadResponse, match="no response envelope"):
        await onlyoffice.me()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda c: c.update_user(KOFI, OnlyofficeUserUpdate()),
        lambda c: c.update_user("kofi", change(title="x")),
        lambda c: c.set_status([], "Terminated"),
        lambda c: c.set_status(["kofi"], "Active"),
        lambda c: c.set_status([KOFI], "Deleted"),
        lambda c: c.find("user", "kofi"),
        lambda c: c.find("group", KOFI),
        lambda c: c.find_groups("  "),
        lambda c: c.members(Record("ops", "Operations")),
        lambda c: c.add_member(Record(OPS, "Operations"), Record("kofi", "Kofi")),
        lambda c: c.remove_member(Record("ops", "Operations"), Record(KOFI, "Kofi")),
        lambda c: c.write("user", Record(GLEB, "Gleb", GLEB_VALUES), change(email="gleb@example.test")),
        lambda c: c.user_by_email("kofi"),
        lambda c: c.update_user(KOFI, OnlyofficeUserUpdate.model_construct(sex="other", _fields_set={"sex"})),
    ],
    ids=[
        "empty change",
        "not a guid",
        "no ids",
        "id not a guid",
        "status",
        "target",
        "object",
        "group name",
        "group id",
        "member id",
        "remove group id",
        "email of a disabled user",
        "email",
        "constructed",
    ],
)
async def test_invalid_input_is_refused_before_any_request(
    attempt: Any, onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue):
        await attempt(onlyoffice)

    assert onlyoffice_sandbox.requests() == []


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"sex": "other"}, "male or female"),
        ({"birthday": "17.05.1990"}, "date"),
        ({"lead": "anna"}, "GUID"),
        ({"department": ["ops"]}, "GUID"),
        ({"contacts": [{"Type": "mail"}]}, "Type"),
        ({"email": "anna"}, "e-mail address"),
        ({"email": "anna@acme"}, "e-mail address"),
        ({"password": "x"}, "not a field"),
    ],
)
def test_values_onlyoffice_would_not_take_are_refused_by_the_model(fields: dict[str, Any], rule: str) -> None:
    with pytest.raises(InvalidValue, match=rule):
        change(**fields)


async def test_the_password_and_tokens_appear_in_no_log_line_error_or_repr(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = login_client(http, onlyoffice_sandbox)
    await client.update_user(KOFI, change(title="Courier"))
    [token] = onlyoffice_sandbox.app.tokens  # type: ignore[attr-defined]
    onlyoffice_sandbox.fail(
        Fault(
            status=500,
            body=f'{{"status":1,"error":{{"message":"bad token {token}"}}}}',
            method="GET",
            times=4,  # every attempt fails, and nothing is left for the next client
        )
    )
    with pytest.raises(VendorServerError) as failed:
        await client.me()
    with pytest.raises(VendorAuthError) as refused:
        await login_client(http, onlyoffice_sandbox, password="wrong-secret-pass").me()
    static = OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_TOKEN)
    await static.me()

    assert caplog.records, "the requests were logged"
    text = " ".join([caplog.text, str(failed.value), str(refused.value), repr(client), repr(static)])
    for secret in (company.ONLYOFFICE_PASSWORD, "wrong-secret-pass", token, company.ONLYOFFICE_TOKEN):
        assert secret not in text
    assert "bad token •••" in str(failed.value)  # an echoed token is masked


async def test_a_client_without_credentials_or_with_a_broken_token_is_a_config_error(
    http: httpx.AsyncClient,
) -> None:
    with pytest.raises(ConfigError, match="ONLYOFFICE_TOKEN"):
        OnlyofficeClient(http, "https://office.acme.test")
    with pytest.raises(ConfigError, match="ONLYOFFICE_TOKEN") as caught:
        OnlyofficeClient(http, "https://office.acme.test", token="abc def\n")
    assert "abc def" not in str(caught.value)


async def test_enabling_when_no_seat_is_free_is_an_error_that_says_so_and_nothing_else_is_sent(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.option(seats=3)  # far fewer than the active users: ONLYOFFICE answers 200

    with pytest.raises(VendorIgnored) as caught:
        await onlyoffice.update_user(GLEB, change(disable=False, title="Back from leave"))

    message = str(caught.value)
    assert "did not enable user" in message and "no free user seat" in message
    assert "Nothing was changed." in message and "Free a seat" in message
    assert [r.path for r in onlyoffice_sandbox.requests("PUT")] == ["/api/2.0/people/status/Active"]


# -- groups: the Groups protocol -------------------------------------------------------------------


async def test_find_groups_by_guid_reads_that_group_and_an_unknown_one_gives_nothing(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [ops] = await onlyoffice.find_groups(OPS.upper())
    assert await onlyoffice.find_groups(NO_GROUP) == []

    assert ops == Record(OPS, "Operations")
    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/group/{OPS.upper()}"),
        ("GET", f"/api/2.0/group/{NO_GROUP}"),
    ]
    assert onlyoffice_sandbox.requests()[1].status == 404


async def test_find_groups_by_name_asks_the_servers_search_once_when_it_finds_the_name(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    found = await onlyoffice.find_groups("IT")

    assert [g.label for g in found] == ["IT", "IT Security"]  # the caller keeps the exact one
    [search] = onlyoffice_sandbox.requests()
    assert (search.method, search.path, parse_qs(search.query)) == (
        "GET",
        "/api/2.0/group/search",
        {"groupName": ["IT"]},
    )


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("engineering", ["Engineering"]),  # the search is case-sensitive: it finds nothing
        ("it", ["IT", "IT Security"]),  # it finds "IT Security" ("Secur-it-y"), not the name "it"
        ("Eng", ["Engineering"]),  # a hit, not the name
        ("Finance", []),
    ],
)
async def test_find_groups_without_the_name_among_the_hits_looks_through_every_group_ignoring_case(
    typed: str,
    found: list[str],
    onlyoffice: OnlyofficeClient,
    onlyoffice_sandbox: Sandbox,
) -> None:
    groups = await onlyoffice.find_groups(typed)

    assert [g.label for g in groups] == found
    assert calls(onlyoffice_sandbox) == [("GET", "/api/2.0/group/search"), ("GET", "/api/2.0/group")]
    answer = onlyoffice_sandbox.requests()[0]
    assert parse_qs(answer.query) == {"groupName": [typed]}


async def test_members_are_read_in_one_request_without_disabled_users_or_emails(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    await onlyoffice.add_member(Record(ENG, "Engineering"), (await onlyoffice.find("user", GLEB))[0])
    onlyoffice_sandbox.app.state.clear_log()

    members = await onlyoffice.members(Record(ENG, "Engineering"))

    # GET /group/{id} lists Active and LeaveOfAbsence members only (GetUsersByGroup's default
    # status): Gleb, Terminated, is in the group and not among them
    assert sorted((m.id, m.label) for m in members) == sorted(
        [(DANA, "Dana Kim"), (CHEN, "Chen Wei"), (JULIA, "Julia Meyer")]
    )
    assert all(m.values == {} for m in members)  # the answer has no e-mail; no user is read for it
    assert calls(onlyoffice_sandbox) == [("GET", f"/api/2.0/group/{ENG}")]


async def test_adding_a_member_puts_only_that_user_and_keeps_the_others(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [hana] = await onlyoffice.find("user", HANA)
    onlyoffice_sandbox.app.state.clear_log()

    await onlyoffice.add_member(Record(ENG, "Engineering"), hana)

    [put] = onlyoffice_sandbox.requests()
    assert (put.method, put.path, put.json()) == ("PUT", f"/api/2.0/group/{ENG}/members", {"members": [HANA]})
    assert onlyoffice_sandbox.requests("POST") == []  # POST would replace every member
    members = {m.id for m in await onlyoffice.members(Record(ENG, "Engineering"))}
    assert members == {DANA, CHEN, JULIA, HANA}


async def test_removing_a_member_deletes_with_a_json_body_and_keeps_the_others(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    await onlyoffice.remove_member(Record(OPS, "Operations"), Record(FARAH, "Farah Haddad"))

    [delete] = onlyoffice_sandbox.requests()
    assert (delete.method, delete.path, delete.json()) == (
        "DELETE",
        f"/api/2.0/group/{OPS}/members",
        {"members": [FARAH]},
    )
    assert delete.headers["content-type"] == "application/json"
    assert {m.id for m in await onlyoffice.members(Record(OPS, "Operations"))} == {ANNA, NADIA}


async def test_adding_a_user_onlyoffice_does_not_know_is_an_error_not_a_silent_success(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    # AddMembersTo skips an unknown id without a word and answers 200 with the group
    with pytest.raises(VendorIgnored) as caught:
        await onlyoffice.add_member(Record(ENG, "Engineering"), Record(NOBODY, "Nobody"))

    text = str(caught.value)
    assert "did not add user" in text and "does not know" in text and "Nothing was changed." in text
    assert calls(onlyoffice_sandbox) == [
        ("PUT", f"/api/2.0/group/{ENG}/members"),
        ("GET", f"/api/2.0/people/{NOBODY}"),  # not listed: unknown, or disabled? asked once
    ]


async def test_adding_a_disabled_user_is_done_though_the_answer_cannot_show_them(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [gleb] = await onlyoffice.find("user", GLEB)
    onlyoffice_sandbox.app.state.clear_log()

    await onlyoffice.add_member(Record(OPS, "Operations"), gleb)

    assert calls(onlyoffice_sandbox) == [("PUT", f"/api/2.0/group/{OPS}/members")]  # the record says so
    assert [g.name for g in (await onlyoffice.user(GLEB)).groups] == ["Operations"]


async def test_a_member_still_listed_after_removal_is_an_error(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    group = {"id": OPS, "name": "Operations", "members": [{"id": FARAH, "displayName": "Farah Haddad"}]}
    answer = f'{{"count":1,"status":0,"statusCode":200,"response":{_json(group)}}}'
    onlyoffice_sandbox.fail(Fault(status=200, body=answer, method="DELETE"))

    with pytest.raises(VendorIgnored, match=r"did not remove user .* still a member"):
        await onlyoffice.remove_member(Record(OPS, "Operations"), Record(FARAH, "Farah Haddad"))


async def test_group_calls_on_a_group_onlyoffice_does_not_know_are_not_found(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    gone = Record(NO_GROUP, "Finance")
    for call in (
        onlyoffice.members(gone),
        onlyoffice.add_member(gone, Record(HANA, "Hana Sato")),
        onlyoffice.remove_member(gone, Record(HANA, "Hana Sato")),
    ):
        with pytest.raises(VendorNotFound, match="group not found") as caught:
            await call
        assert caught.value.attempts_made == 1 and "group Finance" in str(caught.value)


async def test_a_non_admin_token_may_not_change_members_and_onlyoffice_refuses_with_a_500(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_USER_TOKEN)

    with pytest.raises(VendorForbidden) as caught:
        await client.add_member(Record(ENG, "Engineering"), Record(BORIS, "Boris Ivanov"))

    text = str(caught.value)
    assert '(500): "Boris Ivanov" access denied "Edit categories and groups, Add/Remove user' in text
    assert caught.value.attempts_made == 1 and "Nothing was changed." in text
    assert {m.id for m in await client.members(Record(ENG, "Engineering"))} == {DANA, CHEN, JULIA}


async def test_groups_of_asks_the_group_user_endpoint_once_for_a_member_of_two_groups(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    await onlyoffice.add_member(Record(IT, "IT"), Record(CHEN, "Chen Wei"))
    onlyoffice_sandbox.app.state.clear_log()

    groups = await onlyoffice.groups_of(Record(CHEN, "Chen Wei"))

    assert groups == [Record(ENG, "Engineering"), Record(IT, "IT")]
    assert calls(onlyoffice_sandbox) == [("GET", f"/api/2.0/group/user/{CHEN}")]


async def test_groups_of_a_person_in_no_group_is_empty_once_the_person_is_known(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    assert await onlyoffice.groups_of(Record(BORIS, "Boris Ivanov")) == []

    # GetByUserId answers [] for an id the portal does not know as well: the user is read to tell
    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/group/user/{BORIS}"),
        ("GET", f"/api/2.0/people/{BORIS}"),
    ]


async def test_groups_of_a_disabled_user_are_read_like_anyone_elses(onlyoffice: OnlyofficeClient) -> None:
    await onlyoffice.add_member(Record(OPS, "Operations"), Record(GLEB, "Gleb Orlov"))
    [gleb] = await onlyoffice.find("user", GLEB)

    assert gleb.values["status"] == 2  # Terminated
    assert await onlyoffice.groups_of(gleb) == [Record(OPS, "Operations")]


async def test_groups_of_an_unknown_user_is_not_found_in_onlyoffices_words(
    onlyoffice: OnlyofficeClient,
) -> None:
    with pytest.raises(VendorNotFound) as caught:
        await onlyoffice.groups_of(Record(NOBODY, "Nobody"))

    text = str(caught.value)
    assert f"ONLYOFFICE has no user {NOBODY} (404): User not found" in text
    assert "Nothing was changed." in text and caught.value.attempts_made == 1


async def test_groups_of_is_read_with_a_non_admin_token_too(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_USER_TOKEN)

    assert await client.groups_of(Record(DANA, "Dana Kim")) == [Record(ENG, "Engineering")]


async def test_groups_of_takes_a_user_guid_only(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue):
        await onlyoffice.groups_of(Record("dana.kim", "Dana Kim"))

    assert onlyoffice_sandbox.requests() == []


async def test_groups_of_errors_map_through_the_status_table(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    body = '{"status":1,"statusCode":403,"error":{"message":"Access denied"}}'
    onlyoffice_sandbox.fail(Fault(status=403, body=body, path="/group/user/"))

    with pytest.raises(VendorForbidden) as caught:
        await onlyoffice.groups_of(Record(DANA, "Dana Kim"))

    assert "may not list the groups of Dana Kim (403): Access denied" in str(caught.value)


# -- the e-mail address: PUT /people/{id}/email ----------------------------------------------------


async def test_an_email_change_goes_alone_to_its_own_endpoint_lower_cased(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    [dana] = await onlyoffice.find("user", DANA)
    onlyoffice_sandbox.app.state.clear_log()

    after = await onlyoffice.write("user", dana, change(email="Dana.Kim@Example.TEST"))

    [put] = onlyoffice_sandbox.requests()
    assert (put.method, put.path, put.json()) == (
        "PUT",
        f"/api/2.0/people/{DANA}/email",
        {"email": "dana.kim@example.test"},  # as the server will store it
    )
    assert after.values["email"] == "dana.kim@example.test" and after.label.endswith(
        "(dana.kim@example.test)"
    )
    assert after.values["title"] == "QA engineer" and after.values["lead"] == ANNA
    assert onlyoffice_sandbox.app.mails == [(DANA, "dana.kim@example.test")]  # type: ignore[attr-defined]


async def test_an_email_with_other_fields_changes_the_email_first_then_puts_the_rest(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    after = await onlyoffice.update_user(KOFI, change(email="kofi@example.test", title="Courier"))

    _, email, put = onlyoffice_sandbox.requests()
    assert (email.path, email.json()) == (f"/api/2.0/people/{KOFI}/email", {"email": "kofi@example.test"})
    assert (put.path, put.json()) == (
        f"/api/2.0/people/{KOFI}",
        {"title": "Courier", "isVisitor": True, "contacts": KOFI_CONTACTS, "lead": ANNA},
    )
    assert (after.email, after.title) == ("kofi@example.test", "Courier")


async def test_an_address_already_taken_is_refused_once_and_nothing_else_is_sent(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(VendorRejected) as caught:
        await onlyoffice.update_user(DANA, change(email="Kofi.Mensah@acme.test", title="Lead"))

    text = str(caught.value)
    assert "(500): User with this email is already registered." in text
    assert "Nothing was changed." in text and caught.value.attempts_made == 1
    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{DANA}"),
        ("PUT", f"/api/2.0/people/{DANA}/email"),
    ]
    dana = await onlyoffice.user(DANA)
    assert (dana.email, dana.title) == ("dana.kim@acme.test", "QA engineer")


async def test_an_address_onlyoffice_cannot_parse_is_refused_once(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    # the model takes it (local@domain.with.a.dot); System.Net.Mail.MailAddress does not
    with pytest.raises(VendorRejected, match="not in the form required for an e-mail address") as caught:
        await onlyoffice.update_user(DANA, change(email="dana@acme..test"))

    assert caught.value.attempts_made == 1 and len(onlyoffice_sandbox.requests("PUT")) == 1


async def test_the_email_of_a_user_from_ldap_is_refused_with_what_to_do(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(VendorRefused) as caught:
        await onlyoffice.update_user(OSKAR, change(email="oskar@example.test"))

    text = str(caught.value)
    assert "(403): No permissions to perform this action." in text and "Nothing was changed." in text
    assert "LDAP" in text and "SSO" in text and "owner" in text
    assert caught.value.attempts_made == 1
    assert (await onlyoffice.user(OSKAR)).email == "oskar.lind@acme.test"


async def test_the_email_of_a_disabled_user_is_refused_before_any_request_and_on_leave_it_changes(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue, match="disabled") as caught:
        await onlyoffice.update_user(GLEB, change(email="gleb@example.test"))
    on_leave = await onlyoffice.update_user(NADIA, change(email="nadia@example.test"))

    assert caught.value.field == "email" and "No permissions to perform this action" in str(caught.value)
    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{GLEB}"),
        ("GET", f"/api/2.0/people/{NADIA}"),
        ("PUT", f"/api/2.0/people/{NADIA}/email"),  # ChangeUserEmail refuses Terminated users only
    ]
    assert on_leave.email == "nadia@example.test" and on_leave.status == 4


async def test_enabling_with_a_new_email_enables_first(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    after = await onlyoffice.update_user(GLEB, change(disable=False, email="gleb@example.test"))

    assert calls(onlyoffice_sandbox) == [
        ("GET", f"/api/2.0/people/{GLEB}"),
        ("PUT", "/api/2.0/people/status/Active"),
        ("PUT", f"/api/2.0/people/{GLEB}/email"),
    ]
    assert after.email == "gleb@example.test" and not after.disabled


async def test_a_refused_put_after_the_email_changed_says_it_is_unknown_what_was_applied(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(VendorRejected) as caught:  # a blank name: "Incorrect firstname or lastname"
        await onlyoffice.update_user(DANA, change(email="dana@example.test", firstname=" "))

    assert caught.value.changed == "unknown" and "unknown whether the change was applied" in str(caught.value)
    assert (await onlyoffice.user(DANA)).email == "dana@example.test"


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
