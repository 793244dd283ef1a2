"""The sandbox ONLYOFFICE answers as notes/vendor-apis.md §2.12 says the real Workspace does, asked
with plain HTTP (no Steward client in between)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from bot.sandbox import company
from bot.sandbox.onlyoffice import OnlyofficeSandbox
from bot.sandbox.onlyoffice_data import group_id, user_id
from tests.conftest import Sandbox

AUTH = {"Authorization": company.ONLYOFFICE_TOKEN}
STEWARD = user_id("steward")
ANNA = user_id("anna.petrova")  # the owner
KOFI = user_id("kofi.mensah")  # a guest with contacts and a lead
DANA = user_id("dana.kim")
GLEB = user_id("gleb.orlov")  # Terminated
BORIS = user_id("boris.ivanov")  # not an admin; company.ONLYOFFICE_USER_TOKEN is his
OSKAR = user_id("oskar.lind")  # from LDAP
NADIA = user_id("nadia.rahman")  # on leave (LeaveOfAbsence)
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}(Z|[+-]\d{2}:\d{2})$")
LOGIN = {"userName": company.ONLYOFFICE_USERNAME, "password": company.ONLYOFFICE_PASSWORD}
# What Steward's client sends to keep Kofi as he is; each test changes one thing.
KOFI_KEPT = {
    "isVisitor": True,
    "lead": ANNA,
    "contacts": [{"Type": "mail", "Value": "kofi@contractor.test"}, {"Type": "skype", "Value": "kofi.m"}],
}


@pytest.fixture
def api(onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient) -> Any:
    """`await api(method, path, **httpx kwargs)` under /api/2.0, with the static token."""

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", AUTH)
        return await http.request(
            method, f"{onlyoffice_sandbox.url}/api/2.0{path}", headers=headers, **kwargs
        )

    return call


async def user(api: Any, guid: str) -> dict[str, Any]:
    answer = await api("GET", f"/people/{guid}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["response"])


async def put(api: Any, guid: str, body: dict[str, Any]) -> httpx.Response:
    return await api("PUT", f"/people/{guid}", json=body)


# -- logging in and tokens -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/authentication", "/authentication.json"])
@pytest.mark.parametrize("form", [True, False], ids=["form", "json"])
async def test_a_login_answers_201_with_a_token_and_when_it_expires(api: Any, path: str, form: bool) -> None:
    answer = await api("POST", path, headers={}, **({"data": LOGIN} if form else {"json": LOGIN}))

    assert answer.status_code == 201
    body = answer.json()
    assert (body["count"], body["status"], body["statusCode"]) == (1, 0, 201)
    assert STAMP.match(body["response"]["expires"]) and body["response"]["expires"].endswith("+03:00")
    token = body["response"]["token"]
    me = await api("GET", "/people/@self", headers={"Authorization": token})
    assert me.json()["response"]["id"] == STEWARD


async def test_a_wrong_password_is_a_500_with_the_error_envelope(api: Any) -> None:
    answer = await api("POST", "/authentication", headers={}, json=LOGIN | {"password": "nope"})

    assert answer.status_code == 500
    assert answer.json() == {
        "status": 1,
        "statusCode": 500,
        "error": {"message": "User authentication failed", "hresult": -2146233088, "data": {}},
    }


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [({}, False), ({"Authorization": "not-a-token"}, True), ({"Authorization": "Basic abc"}, True)],
    ids=["none", "wrong", "basic"],
)
async def test_without_a_valid_token_the_answer_is_a_plain_text_401(
    api: Any, headers: dict[str, str], challenge: bool
) -> None:
    answer = await api("GET", "/people/@self", headers=headers)

    assert (answer.status_code, answer.text) == (401, "Unauthorized")
    assert answer.headers["content-type"].startswith("text/plain")
    assert ("www-authenticate" in answer.headers) is challenge
    if challenge:
        assert answer.headers["www-authenticate"] == 'Basic Realm="127.0.0.1"'


async def test_a_token_is_taken_raw_or_after_bearer(api: Any) -> None:
    raw = await api("GET", "/people/@self")
    bearer = await api(
        "GET", "/people/@self", headers={"Authorization": f"Bearer {company.ONLYOFFICE_TOKEN}"}
    )

    assert raw.status_code == bearer.status_code == 200


async def test_a_login_token_stops_working_after_token_ttl(api: Any, onlyoffice_sandbox: Sandbox) -> None:
    onlyoffice_sandbox.option(token_ttl=0)
    token = (await api("POST", "/authentication", headers={}, json=LOGIN)).json()["response"]["token"]

    answer = await api("GET", "/people/@self", headers={"Authorization": token})

    assert answer.status_code == 401


# -- reads, envelopes, suffixes ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".json"])
async def test_every_path_answers_with_and_without_json(api: Any, suffix: str) -> None:
    answers = [
        await api("GET", f"/people/@self{suffix}"),
        await api("GET", f"/people/{KOFI}{suffix}"),
        await api("GET", f"/people/email{suffix}", params={"email": "kofi.mensah@acme.test"}),
        await api("GET", f"/people/search{suffix}", params={"query": "kofi"}),
        await api("GET", f"/people{suffix}"),
        await api("PUT", f"/people/{KOFI}{suffix}", json=KOFI_KEPT | {"title": "Courier"}),
        await api("PUT", f"/people/status/Active{suffix}", json={"userIds": [DANA]}),
    ]

    assert [a.status_code for a in answers] == [200] * len(answers)
    assert [a.json()["statusCode"] for a in answers] == [200] * len(answers)


async def test_a_user_is_shown_camelcase_with_empty_fields_left_out(api: Any) -> None:
    answer = await api("GET", f"/people/{GLEB}")
    gleb = answer.json()["response"]

    assert answer.json()["count"] == 1 and answer.json()["status"] == 0
    assert (gleb["status"], gleb["activationStatus"], gleb["isVisitor"]) == (2, 1, False)
    assert STAMP.match(gleb["terminated"]) and STAMP.match(gleb["workFrom"])
    for empty in (
        "contacts",
        "lead",
        "title",
        "location",
        "notes",
        "sex",
        "birthday",
        "groups",
        "department",
    ):
        assert empty not in gleb
    kofi = await user(api, KOFI)
    assert kofi["contacts"] == [
        {"type": "mail", "value": "kofi@contractor.test"},
        {"type": "skype", "value": "kofi.m"},
    ]
    assert kofi["groups"] == [{"id": group_id("Contractors"), "name": "Contractors", "manager": ""}]
    assert kofi["department"] == "Contractors" and kofi["displayName"] == "Kofi Mensah"
    assert "\\/Products\\/People\\/Profile.aspx" in answer.text  # `/` written `\/`, as the server does


async def test_a_user_is_found_by_user_name_or_guid_and_an_unknown_one_is_404(api: Any) -> None:
    by_name = await api("GET", "/people/kofi.mensah")
    unknown = await api("GET", "/people/00000000-0000-4000-8000-000000000001")
    no_email = await api("GET", "/people/email", params={"email": "nobody@acme.test"})

    assert by_name.json()["response"]["id"] == KOFI
    for answer in (unknown, no_email):
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "User not found"
        assert answer.json()["statusCode"] == 404 and "response" not in answer.json()


async def test_search_finds_active_users_only_and_count_is_the_list_length(api: Any) -> None:
    orlov = (await api("GET", "/people/search", params={"query": "orlov"})).json()
    kofi = (await api("GET", "/people/search", params={"query": "KOFI.M"})).json()
    everyone = (await api("GET", "/people")).json()

    assert "count" not in orlov and orlov["response"] == []  # Gleb is Terminated; a zero count is left out
    assert kofi["count"] == 1 and kofi["response"][0]["id"] == KOFI
    assert everyone["count"] == len(everyone["response"]) and GLEB not in {
        u["id"] for u in everyone["response"]
    }


# -- PUT /people/{userid}: what is kept and what is lost -----------------------------------------


@pytest.mark.parametrize(
    ("left_out", "lost"),
    [
        ("contacts", {"contacts": None}),
        ("lead", {"lead": None}),
        ("isVisitor", {"isVisitor": False}),
    ],
)
async def test_a_put_that_leaves_a_field_out_loses_it(api: Any, left_out: str, lost: dict[str, Any]) -> None:
    body = {k: v for k, v in KOFI_KEPT.items() if k != left_out} | {"title": "Courier"}

    assert (await put(api, KOFI, body)).status_code == 200

    after = await user(api, KOFI)
    for name, value in lost.items():
        assert after.get(name) == value
    assert after["title"] == "Courier"


async def test_null_contacts_clear_them_and_null_names_keep_them(api: Any) -> None:
    body = KOFI_KEPT | {
        "contacts": None,
        "firstname": None,
        "lastname": None,
        "location": None,
        "comment": None,
    }

    assert (await put(api, KOFI, body)).status_code == 200

    after = await user(api, KOFI)
    assert "contacts" not in after
    assert (after["firstName"], after["lastName"], after["isVisitor"]) == ("Kofi", "Mensah", True)


async def test_a_put_sets_what_it_is_given_with_the_servers_binding_rules(api: Any) -> None:
    body = KOFI_KEPT | {
        "firstname": "Kwame",
        "comment": "Contract until June",
        "sex": "MALE",
        "birthday": "1988-03-04",
        "worksfrom": "2024-01-15T09-30-00.000Z",
        "department": [group_id("Engineering")],
        "contacts": [{"type": "phone", "VALUE": "+100"}],  # binding ignores case
    }

    answer = await put(api, KOFI, body)

    kofi = answer.json()["response"]
    assert (kofi["firstName"], kofi["notes"], kofi["sex"]) == ("Kwame", "Contract until June", "male")
    assert kofi["birthday"] == "1988-03-04T00:00:00.0000000+03:00"
    assert kofi["workFrom"] == "2024-01-15T12:30:00.0000000+03:00"
    assert kofi["department"] == "Engineering" and kofi["contacts"] == [{"type": "phone", "value": "+100"}]
    cleared = (await put(api, KOFI, KOFI_KEPT | {"birthday": "1900-01-01", "sex": "other"})).json()[
        "response"
    ]
    assert "birthday" not in cleared and cleared["sex"] == "male"  # 1900-01-01 clears; "other" keeps


async def test_promoting_a_guest_needs_a_free_seat(api: Any, onlyoffice_sandbox: Sandbox) -> None:
    onlyoffice_sandbox.option(seats=3)  # far fewer than the active users

    answer = await put(api, KOFI, {k: v for k, v in KOFI_KEPT.items() if k != "isVisitor"} | {"title": "x"})

    assert answer.status_code == 500
    assert answer.json()["error"]["message"] == "Exceeds the maximum active users (3)"
    kofi = await user(api, KOFI)
    assert kofi["isVisitor"] is True and kofi["title"] == "Contractor"  # nothing was saved


async def test_for_a_user_from_ldap_names_location_and_title_are_kept(api: Any) -> None:
    body = {"firstname": "Ole", "location": "Bergen", "title": "CTO", "comment": "moved", "contacts": None}

    oskar = (await put(api, OSKAR, body)).json()["response"]

    assert (oskar["firstName"], oskar["location"], oskar["title"]) == ("Oskar", "Oslo", "Network engineer")
    assert oskar["notes"] == "moved"


async def test_a_non_admin_caller_is_refused_with_a_500_and_loses_title_lead_and_groups_silently(
    api: Any,
) -> None:
    user_auth = {"Authorization": company.ONLYOFFICE_USER_TOKEN}
    denied = (
        '"Boris Ivanov" access denied "Edit user information, ". '
        "Cause: Edit user information: access denied.."
    )

    me = (await api("GET", "/people/@self", headers=user_auth)).json()["response"]
    other = await api("PUT", f"/people/{KOFI}", headers=user_auth, json=KOFI_KEPT | {"title": "x"})
    status = await api("PUT", "/people/status/Terminated", headers=user_auth, json={"userIds": [KOFI]})
    own = await api(
        "PUT",
        f"/people/{BORIS}",
        headers=user_auth,
        json={"title": "Boss", "location": "Lisbon", "department": [group_id("Engineering")]},
    )

    assert (me["id"], me["isAdmin"]) == (BORIS, False)
    for refused in (other, status):
        assert refused.status_code == 500
        assert refused.json()["error"]["message"] == denied  # AuthorizingException, not a 403
    assert (await user(api, KOFI))["title"] == "Contractor"
    boris = own.json()["response"]
    assert (boris["title"], boris["location"], boris["lead"]) == ("Accountant", "Lisbon", ANNA)
    assert "groups" not in boris  # department needs the right to edit groups


async def test_admins_and_the_owner_are_not_made_guests(api: Any) -> None:
    answer = await put(api, ANNA, {"isVisitor": True})

    assert answer.json()["response"]["isVisitor"] is False


@pytest.mark.parametrize(
    ("guid", "body", "status", "message"),
    [
        (GLEB, {"title": "x"}, 500, "The user is suspended"),
        (NADIA, {"title": "x"}, 500, "The user is suspended"),
        ("kofi.mensah", {"title": "x"}, 500, "Guid should contain 32 digits"),
        ("00000000-0000-4000-8000-000000000001", {}, 404, "user not found"),
        (KOFI, KOFI_KEPT | {"birthday": "17.05.1990"}, 400, "Invalid arguments"),
        (KOFI, KOFI_KEPT | {"lead": "anna"}, 400, "Invalid arguments"),
        (KOFI, KOFI_KEPT | {"disable": "yes"}, 400, "Invalid arguments"),
    ],
    ids=["terminated", "on leave", "not a guid", "unknown", "date", "lead", "disable"],
)
async def test_a_put_onlyoffice_refuses_gets_its_status_and_words(
    api: Any, guid: str, body: dict[str, Any], status: int, message: str
) -> None:
    answer = await put(api, guid, body)

    assert answer.status_code == status
    assert answer.json()["statusCode"] == status and answer.json()["status"] == 1
    assert answer.json()["error"]["message"].startswith(message)


async def test_disable_true_terminates_and_then_every_put_is_refused(api: Any) -> None:
    disabled = (await put(api, DANA, {"disable": True, "lead": ANNA})).json()["response"]

    assert disabled["status"] == 2 and STAMP.match(disabled["terminated"])
    assert (await put(api, DANA, {"disable": False})).status_code == 500  # only status/Active enables


# -- PUT /people/status/{status} -----------------------------------------------------------------


async def test_the_status_endpoint_skips_the_owner_and_self_and_drops_unknown_ids(api: Any) -> None:
    ids = [DANA, ANNA, STEWARD, "00000000-0000-4000-8000-000000000001"]

    answer = await api("PUT", "/people/status/Terminated", json={"userIds": ids})

    assert answer.status_code == 200 and answer.json()["count"] == 3
    assert [(u["id"], u["status"]) for u in answer.json()["response"]] == [(DANA, 2), (ANNA, 1), (STEWARD, 1)]
    enabled = await api("PUT", "/people/status/active", json={"userIds": [GLEB, DANA]})
    assert [u["status"] for u in enabled.json()["response"]] == [1, 1]
    assert "terminated" in (await user(api, GLEB)) and (await user(api, GLEB))["terminated"] is None


async def test_the_status_endpoint_activates_only_a_disabled_user_and_leaves_one_on_leave_as_is(
    api: Any,
) -> None:
    # UpdateUserStatus: Active is set only `if (user.Status == EmployeeStatus.Terminated)`
    enabled = await api("PUT", "/people/status/Active", json={"userIds": [NADIA]})

    assert enabled.status_code == 200 and enabled.json()["response"][0]["status"] == 4
    disabled = await api("PUT", "/people/status/Terminated", json={"userIds": [NADIA]})
    assert disabled.json()["response"][0]["status"] == 2


async def test_re_enabling_without_a_free_seat_leaves_the_user_disabled(
    api: Any, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.option(seats=3)

    answer = await api("PUT", "/people/status/Active", json={"userIds": [GLEB]})

    assert answer.status_code == 200 and answer.json()["response"][0]["status"] == 2


# -- limits, options, reset ----------------------------------------------------------------------


async def test_over_the_rate_limit_the_answer_is_503_with_retry_after(
    api: Any, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.option(rate_limit=2)  # 2 per 10 s instead of 500, the same window
    into_window = time.time() % 10  # windows are aligned to the epoch: start well inside one
    if into_window > 7:
        await asyncio.sleep(10.05 - into_window)

    statuses = [(await api("GET", "/people/@self")) for _ in range(5)]  # 5 > 2 windows' worth

    refused = [a for a in statuses if a.status_code == 503]
    assert refused and 1 <= int(refused[0].headers["retry-after"]) <= 10
    bearer = await api(
        "GET", "/people/@self", headers={"Authorization": f"Bearer {company.ONLYOFFICE_TOKEN}"}
    )
    assert bearer.status_code == 503  # counted per token, however it is sent


async def test_extra_users_appear_at_run_time_and_reset_restores_everything(
    api: Any, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.option(extra_users=3)
    bulk = await user(api, user_id("bulk3"))
    await put(api, KOFI, {"title": "wiped"})

    onlyoffice_sandbox.app.state.reset()
    onlyoffice_sandbox.app.reset_data()

    assert bulk["email"] == "bulk3@acme.test"
    assert (await api("GET", f"/people/{user_id('bulk3')}")).status_code == 404
    kofi = await user(api, KOFI)
    assert kofi["title"] == "Contractor" and kofi["isVisitor"] and len(kofi["contacts"]) == 2


def test_an_unknown_option_is_refused() -> None:
    with pytest.raises(TypeError, match="no option seatz"):
        OnlyofficeSandbox(seatz=3)


# -- groups: GET /group, /group/search, /group/{id}; members PUT / POST / DELETE ------------------
# CommunityServer module/ASC.Api/ASC.Employee/GroupsApi.cs, GroupWrapperFull.cs, EmployeeWraper.cs

OPS, ENG, IT, IT_SECURITY = (group_id(n) for n in ("Operations", "Engineering", "IT", "IT Security"))
FARAH, CHEN, JULIA, HANA = (user_id(n) for n in ("farah.haddad", "chen.wei", "julia.meyer", "hana.sato"))
NO_GROUP = "00000000-0000-4000-8000-0000000000aa"
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


def member_ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code in (200, 201), answer.text
    return [m["id"] for m in answer.json()["response"]["members"]]


async def test_groups_are_listed_with_the_managers_user_name(api: Any) -> None:
    answer = (await api("GET", "/group")).json()

    assert answer["count"] == len(answer["response"]) == 5
    assert {g["name"]: g["manager"] for g in answer["response"]} == {
        "Operations": "anna.petrova",
        "Engineering": "",
        "Contractors": "",
        "IT": "",
        "IT Security": "",
    }
    assert all(set(g) == {"id", "name", "manager"} for g in answer["response"])
    assert {g["id"] for g in answer["response"]} >= {OPS, ENG, IT, IT_SECURITY}


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Eng", ["Engineering"]),
        ("eng", []),  # a case-sensitive substring (String.Contains)
        ("IT", ["IT", "IT Security"]),
        ("it", ["IT Security"]),  # "Secur-it-y"
        ("  IT Sec ", ["IT Security"]),  # the name is trimmed
        ("", []),
    ],
)
async def test_group_search_is_a_case_sensitive_substring_of_the_name(
    api: Any, name: str, found: list[str]
) -> None:
    answer = (await api("GET", "/group/search", params={"groupName": name})).json()

    assert [g["name"] for g in answer["response"]] == found
    assert answer.get("count", 0) == len(found)  # a zero count is left out


async def test_a_group_is_shown_with_its_manager_and_members_without_their_email(api: Any) -> None:
    answer = await api("GET", f"/group/{OPS}")
    group = answer.json()["response"]

    assert list(group) == ["id", "name", "category", "parent", "description", "manager", "members"]
    assert (group["id"], group["name"], group["category"], group["parent"]) == (
        OPS,
        "Operations",
        EMPTY_GUID,
        EMPTY_GUID,
    )
    assert group["manager"]["id"] == ANNA and group["manager"]["displayName"] == "Anna Petrova"
    assert sorted(member_ids(answer)) == sorted([ANNA, FARAH, NADIA])  # on leave is still a member
    anna = next(m for m in group["members"] if m["id"] == ANNA)
    assert set(anna) == {"id", "displayName", "title", "avatarSmall", "profileUrl"}  # no email
    farah = next(m for m in group["members"] if m["id"] == FARAH)
    assert "title" not in farah  # an empty title is left out


async def test_an_unknown_group_is_404_group_not_found(api: Any) -> None:
    answers = [
        await api("GET", f"/group/{NO_GROUP}"),
        await api("PUT", f"/group/{NO_GROUP}/members", json={"members": [HANA]}),
        await api("DELETE", f"/group/{NO_GROUP}/members", json={"members": [HANA]}),
    ]

    for answer in answers:
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "group not found"
        assert answer.json()["statusCode"] == 404 and answer.json()["status"] == 1


async def test_put_members_adds_keeps_the_others_and_skips_unknown_ids_silently(api: Any) -> None:
    answer = await api("PUT", f"/group/{ENG}/members", json={"members": [HANA, NO_GROUP]})

    assert sorted(member_ids(answer)) == sorted([DANA, CHEN, JULIA, HANA])
    again = await api("PUT", f"/group/{ENG}/members", json={"members": [HANA]})
    assert sorted(member_ids(again)) == sorted([DANA, CHEN, JULIA, HANA])  # adding twice is no error
    hana = await user(api, HANA)
    assert [g["name"] for g in hana["groups"]] == ["IT Security", "Engineering"]


async def test_delete_members_takes_a_json_body_and_removes_only_those(api: Any) -> None:
    answer = await api("DELETE", f"/group/{ENG}/members", json={"members": [CHEN, NO_GROUP, HANA]})

    assert sorted(member_ids(answer)) == sorted([DANA, JULIA])  # unknown ids and non-members: no error
    assert "groups" not in (await user(api, CHEN))


async def test_post_members_replaces_every_member_but_the_disabled_ones(api: Any) -> None:
    # SetMembersTo removes GetUsersByGroup(groupid) (Active and LeaveOfAbsence) and adds the list:
    # the reason Steward never POSTs to add someone
    await api("PUT", f"/group/{OPS}/members", json={"members": [GLEB]})

    answer = await api("POST", f"/group/{OPS}/members", json={"members": [HANA]})

    assert answer.status_code == 201 and member_ids(answer) == [HANA]
    assert [g["name"] for g in (await user(api, GLEB))["groups"]] == ["Operations"]  # Terminated stays


async def test_the_members_leave_out_disabled_users(api: Any) -> None:
    added = await api("PUT", f"/group/{ENG}/members", json={"members": [GLEB]})  # Terminated: added ...
    await api("PUT", "/people/status/Terminated", json={"userIds": [DANA]})

    after = await api("GET", f"/group/{ENG}")

    assert GLEB not in member_ids(added)  # ... but not listed
    assert sorted(member_ids(after)) == sorted([CHEN, JULIA])
    assert (await user(api, GLEB))["department"] == "Engineering"
    assert (await user(api, DANA))["department"] == "Engineering"  # still in the group, disabled


async def test_a_non_admin_may_not_change_members_and_is_refused_with_a_500(api: Any) -> None:
    user_auth = {"Authorization": company.ONLYOFFICE_USER_TOKEN}
    denied = (
        '"Boris Ivanov" access denied "Edit categories and groups, Add/Remove user, ". '
        "Cause: Edit categories and groups: access denied., Add/Remove user: access denied.."
    )

    add = await api("PUT", f"/group/{ENG}/members", headers=user_auth, json={"members": [BORIS]})
    remove = await api("DELETE", f"/group/{NO_GROUP}/members", headers=user_auth, json={"members": [DANA]})
    read = await api("GET", f"/group/{ENG}", headers=user_auth)

    for refused in (add, remove):  # the rights are checked before the group is looked up
        assert refused.status_code == 500 and refused.json()["error"]["message"] == denied
    assert sorted(member_ids(read)) == sorted([DANA, CHEN, JULIA])


@pytest.mark.parametrize(
    ("method", "body"),
    [("PUT", {"members": "x"}), ("DELETE", {"members": ["hana"]})],
    ids=["not a list", "not a guid"],
)
async def test_members_that_do_not_bind_are_400(api: Any, method: str, body: dict[str, Any]) -> None:
    answer = await api(method, f"/group/{ENG}/members", json=body)

    assert answer.status_code == 400 and answer.json()["error"]["message"] == "Invalid arguments"


async def test_a_users_groups_are_listed_by_user_id_whatever_the_users_status(api: Any) -> None:
    await api("PUT", f"/group/{IT}/members", json={"members": [CHEN]})
    await api("PUT", f"/group/{OPS}/members", json={"members": [GLEB]})  # Terminated

    chen = (await api("GET", f"/group/user/{CHEN}")).json()
    gleb = (await api("GET", f"/group/user/{GLEB}")).json()
    boris = (await api("GET", f"/group/user/{BORIS}")).json()

    assert chen["count"] == 2 and chen["response"] == [
        {"id": ENG, "name": "Engineering", "manager": ""},
        {"id": IT, "name": "IT", "manager": ""},
    ]
    assert [g["name"] for g in gleb["response"]] == ["Operations"]
    assert boris["response"] == [] and "count" not in boris  # in no group


async def test_the_groups_of_an_unknown_id_are_empty_and_a_non_guid_does_not_bind(api: Any) -> None:
    # GetByUserId(Guid userid) asks UserManager.GetUserGroups, which finds no group for an id the
    # portal does not have; it does not look the user up (GroupsApi.cs)
    unknown = await api("GET", f"/group/user/{NO_GROUP}")
    not_a_guid = await api("GET", "/group/user/dana.kim")
    with_suffix = await api("GET", f"/group/user/{DANA}.json")

    assert unknown.status_code == 200 and unknown.json()["response"] == []
    assert not_a_guid.status_code == 400 and not_a_guid.json()["error"]["message"] == "Invalid arguments"
    assert [g["name"] for g in with_suffix.json()["response"]] == ["Engineering"]


@pytest.mark.parametrize("suffix", ["", ".json"])
async def test_the_group_paths_answer_with_and_without_json(api: Any, suffix: str) -> None:
    answers = [
        await api("GET", f"/group{suffix}"),
        await api("GET", f"/group/search{suffix}", params={"groupName": "IT"}),
        await api("GET", f"/group/{ENG}{suffix}"),
        await api("PUT", f"/group/{ENG}/members{suffix}", json={"members": [HANA]}),
        await api("DELETE", f"/group/{ENG}/members{suffix}", json={"members": [HANA]}),
        await api("PUT", f"/people/{DANA}/email{suffix}", json={"email": f"dana{suffix}@acme.test"}),
    ]

    assert [a.status_code for a in answers] == [200] * len(answers)


# -- PUT /people/{userid}/email (EmployeeApi.ChangeUserEmail) --------------------------------------


async def test_an_email_change_is_lower_cased_needs_activation_and_mails_the_person(
    api: Any, onlyoffice_sandbox: Sandbox
) -> None:
    answer = await api("PUT", f"/people/{DANA}/email", json={"email": "Dana.Kim@Example.TEST"})

    dana = answer.json()["response"]
    assert answer.status_code == 200 and answer.json()["statusCode"] == 200
    assert (dana["email"], dana["activationStatus"]) == ("dana.kim@example.test", 0)  # NotActivated
    assert dana["title"] == "QA engineer" and dana["lead"] == ANNA  # nothing else changed
    sandbox = onlyoffice_sandbox.app
    assert sandbox.mails == [(DANA, "Dana.Kim@Example.TEST")]  # type: ignore[attr-defined]
    assert sandbox.sessions_reset == [DANA]  # type: ignore[attr-defined]


async def test_an_email_on_leave_is_changed_and_the_own_one_is_taken(api: Any) -> None:
    nadia = await api("PUT", f"/people/{NADIA}/email", json={"email": "nadia@example.test"})
    own = await api("PUT", f"/people/{DANA}/email", json={"email": "DANA.KIM@acme.test"})

    assert nadia.status_code == 200  # only Terminated users are refused
    # GetUserByEmail finds the person themselves: their own address (in any case) is taken too
    assert own.status_code == 500
    assert own.json()["error"]["message"] == "User with this email is already registered"


@pytest.mark.parametrize(
    ("guid", "address", "status", "message"),
    [
        (DANA, "KOFI.Mensah@acme.test", 500, "User with this email is already registered"),
        (DANA, "gleb.orlov@acme.test", 500, "User with this email is already registered"),  # Terminated
        (GLEB, "gleb@example.test", 403, "No permissions to perform this action"),
        (OSKAR, "oskar@example.test", 403, "No permissions to perform this action"),  # LDAP
        (ANNA, "anna@example.test", 403, "No permissions to perform this action"),  # the owner, by another
        ("00000000-0000-4000-8000-000000000001", "x@example.test", 403, "No permissions to perform"),
        (DANA, "dana@acme..test", 500, "The specified string is not in the form required for an e-mail"),
        ("dana.kim", "dana@example.test", 400, "Invalid arguments"),
    ],
    ids=["taken", "taken by a disabled user", "terminated", "ldap", "owner", "unknown", "malformed", "id"],
)
async def test_an_email_change_onlyoffice_refuses_gets_its_status_and_words(
    api: Any, guid: str, address: str, status: int, message: str
) -> None:
    answer = await api("PUT", f"/people/{guid}/email", json={"email": address})

    assert answer.status_code == status and answer.json()["statusCode"] == status
    assert answer.json()["error"]["message"].startswith(message)
    if guid in (DANA, GLEB, OSKAR, ANNA):
        stored = await user(api, guid)
        assert stored["email"] == f"{stored['userName']}@acme.test"  # nothing was changed


async def test_an_sso_user_keeps_their_email_and_a_non_admin_may_not_change_anothers(
    api: Any, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.app.users[JULIA]["isSSO"] = True  # type: ignore[attr-defined]
    user_auth = {"Authorization": company.ONLYOFFICE_USER_TOKEN}

    sso = await api("PUT", f"/people/{JULIA}/email", json={"email": "julia@example.test"})
    other = await api("PUT", f"/people/{DANA}/email", headers=user_auth, json={"email": "d@example.test"})
    own = await api("PUT", f"/people/{BORIS}/email", headers=user_auth, json={"email": "b@example.test"})

    assert (sso.status_code, sso.json()["error"]["message"]) == (403, "No permissions to perform this action")
    assert other.status_code == 500 and "access denied" in other.json()["error"]["message"]
    assert own.status_code == 200 and own.json()["response"]["email"] == "b@example.test"
