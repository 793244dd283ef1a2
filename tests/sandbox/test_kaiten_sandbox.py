"""The sandbox Kaiten answers as Kaiten's docs and notes/vendor-apis.md §1.7 say the real one does,
asked with plain HTTP (no Steward client in between)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from bot.sandbox import company
from bot.sandbox.kaiten import KaitenSandbox
from tests.conftest import Sandbox

AUTH = {"Authorization": f"Bearer {company.KAITEN_TOKEN}"}
QA = "00000000-0000-4000-8000-000000000001"
AUDITORS = "00000000-0000-4000-8000-000000000005"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def api(kaiten_sandbox: Sandbox, http: httpx.AsyncClient) -> Any:
    """`await api(method, path, **httpx kwargs)` under /api/latest, with the sandbox token."""

    async def call(method: str, path: str, *, root: str = "/api/latest", **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", AUTH)
        return await http.request(method, f"{kaiten_sandbox.url}{root}{path}", headers=headers, **kwargs)

    return call


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": company.KAITEN_TOKEN}]
)
async def test_without_the_bearer_token_the_answer_is_401_invalid_token_as_text(
    api: Any, headers: Any
) -> None:
    response = await api("GET", "/users/current", headers=headers)

    assert response.status_code == 401
    assert response.text == "Invalid token"
    assert response.headers["content-type"].startswith("text/plain")


async def test_both_api_roots_answer_and_the_token_is_the_stewards_user(api: Any) -> None:
    latest = await api("GET", "/users/current")
    v1 = await api("GET", "/users/current", root="/api/v1")

    assert latest.json() == v1.json()
    assert [latest.headers["X-RateLimit-Remaining"], v1.headers["X-RateLimit-Remaining"]] == ["4", "3"]
    me = latest.json()
    assert (me["id"], me["username"], me["role"]) == (1, "steward", 1)
    assert STAMP.match(me["created"]) and STAMP.match(me["updated"])
    assert me["email_settings"] is None and me["telegram_id"] is None


async def test_there_is_no_get_user_by_id_and_404_has_no_body(api: Any) -> None:
    response = await api("GET", "/users/2")

    assert (response.status_code, response.content) == (404, b"")


async def test_users_is_a_bare_array_capped_at_100(api: Any, kaiten_sandbox: Sandbox) -> None:
    kaiten_sandbox.option(extra_users=250)

    first = await api("GET", "/users", params={"limit": 500})
    last = await api("GET", "/users", params={"limit": 100, "offset": 200})

    assert isinstance(first.json(), list) and len(first.json()) == 100
    assert [u["id"] for u in last.json()][-1] == 1249
    active = len(company.people("kaiten")) - 1  # Mira Volkova is deactivated
    assert len(last.json()) == active + 250 - 200


async def test_users_query_is_a_substring_of_email_or_name_and_inactive_users_are_hidden(
    api: Any, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.app.users[3]["role"] = 3  # type: ignore[attr-defined]  # Boris is deactivated

    by_name = await api("GET", "/users", params={"query": "PETROV"})
    by_mail = await api("GET", "/users", params={"query": "ivanov@"})
    with_inactive = await api("GET", "/users", params={"query": "ivanov@", "include_inactive": "true"})
    by_ids = await api("GET", "/users", params={"ids": "2,3,4"})

    assert [u["id"] for u in by_name.json()] == [2]
    assert by_mail.json() == []
    assert [u["id"] for u in with_inactive.json()] == [3]
    assert [u["id"] for u in by_ids.json()] == [2, 4]


async def test_the_deactivated_sample_user_is_listed_only_with_include_inactive(api: Any) -> None:
    """GET /users documents `include_inactive` (vendor-docs: users/retrieve-list-of-users)."""
    hidden = await api("GET", "/users", params={"ids": "11,12"})
    searched = await api("GET", "/users", params={"query": "volkova"})
    shown = await api("GET", "/users", params={"ids": "11,12", "include_inactive": "true"})

    assert [u["id"] for u in hidden.json()] == [11]
    assert searched.json() == []
    assert [(u["id"], u["email"], u["role"]) for u in shown.json()] == [
        (11, f"lena.berg@{company.DOMAIN}", 2),
        (12, f"mira.volkova@{company.DOMAIN}", 3),  # role 3: deactivated
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "At least one field"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 129}, "full_name"),
        ({"initials": "A"}, "initials"),
        ({"initials": "ABC"}, "initials"),
        ({"password": "12345"}, "password"),
        ({"avatar_type": 4}, "avatar_type"),
        ({"avatar_type": True}, "avatar_type"),
        ({"theme": "blue"}, "theme"),
        ({"email_frequency": 3}, "email_frequency"),
        ({"subject_by": 0}, "subject_by"),
        ({"ui_version": "2"}, "ui_version"),
        ({"notification_enabled_channels": ["fax"]}, "notification_enabled_channels"),
        ({"email": "x@y.z"}, "email"),
    ],
)
async def test_a_user_patch_breaking_a_documented_rule_is_400_with_a_message(
    api: Any, kaiten_sandbox: Sandbox, body: dict[str, Any], field: str
) -> None:
    before = dict(kaiten_sandbox.app.users[2])  # type: ignore[attr-defined]

    response = await api("PATCH", "/users/2", json=body)

    assert response.status_code == 400
    assert field in response.json()["message"]
    assert kaiten_sandbox.app.users[2] == before  # type: ignore[attr-defined]


async def test_a_user_patch_answers_the_user_with_a_new_updated_time(api: Any) -> None:
    response = await api(
        "PATCH", "/users/2", json={"full_name": "Anna P.", "subject_by": 2, "password": "secret"}
    )
    unknown = await api("PATCH", "/users/999", json={"full_name": "Nobody"})

    user = response.json()
    assert response.status_code == 200
    assert (user["full_name"], user["has_password"]) == ("Anna P.", True)
    assert STAMP.match(user["updated"]) and user["updated"] > user["created"]
    assert "role" not in user and "subject_by" not in user and "password" not in user  # as the docs list it
    assert (unknown.status_code, unknown.content) == (404, b"")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 513},
        {"permissions": -1},
        {"permissions": "3"},
        {"permissions": 1.5},
        {"uid": "x"},
    ],
)
async def test_a_group_patch_breaking_a_documented_rule_is_400(api: Any, body: dict[str, Any]) -> None:
    response = await api("PATCH", f"/company/groups/{QA}", json=body)

    assert response.status_code == 400 and response.json()["message"]


async def test_groups_are_read_by_uid_listed_and_patched(api: Any) -> None:
    listed = await api("GET", "/company/groups")
    patched = await api("PATCH", f"/company/groups/{QA}", json={"permissions": 1 | 2048, "name": "QA"})
    again = await api("GET", f"/company/groups/{QA}")
    missing = await api("GET", "/company/groups/00000000-0000-4000-8000-00000000dead")

    assert {g["name"]: g["permissions"] for g in listed.json()} == {
        "QA engineers": 3,
        "Admins": 7,
        "Support": 2048 | 262144 | 524288,
        "Developers": 16 | 32 | 4096,
        "Auditors": 1 | 2 | 8,
    }
    assert patched.json() == again.json()
    assert (again.json()["name"], again.json()["permissions"]) == ("QA", 2049)
    assert (missing.status_code, missing.content) == (404, b"")


async def test_a_group_keeps_bits_the_docs_do_not_list(api: Any) -> None:
    """Kaiten documents `permissions` as an integer bit mask and lists 19 values, 8 not among
    them (kaiten-update-group.txt); groups may carry other bits, and they are kept."""
    auditors = await api("GET", f"/company/groups/{AUDITORS}")
    patched = await api("PATCH", f"/company/groups/{QA}", json={"permissions": 1 | 8 | 1048576})

    assert (auditors.json()["name"], auditors.json()["permissions"]) == ("Auditors", 1 | 2 | 8)
    assert (patched.status_code, patched.json()["permissions"]) == (200, 1 | 8 | 1048576)


async def test_without_groups_in_the_plan_every_group_endpoint_answers_402(
    api: Any, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(plan_groups=False, rate_limit=False)  # six requests

    answers = [
        await api("GET", "/company/groups"),
        await api("GET", f"/company/groups/{QA}"),
        await api("PATCH", f"/company/groups/{QA}", json={"name": "QA"}),
        await api("GET", f"/groups/{QA}/users"),
        await api("POST", f"/groups/{QA}/users", json={"user_id": 3}),
        await api("DELETE", f"/groups/{QA}/users/2"),
    ]

    assert {r.status_code for r in answers} == {402}
    assert {r.json()["message"] for r in answers} == {"Feature is not supported by tariff"}


async def test_every_answer_carries_the_rate_limit_and_one_too_many_is_429(
    api: Any, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(rate=1)
    answers = [await api("GET", "/users/current") for _ in range(5)]  # at least 3 fall in one window
    kaiten_sandbox.option(retry_after_header=True)
    told = [await api("GET", "/users/current") for _ in range(3)]

    for response in answers + told:  # one request a second: each one uses the window up
        assert time.time() - 1 < int(response.headers["X-RateLimit-Reset"]) <= time.time() + 1
        assert response.headers["X-RateLimit-Remaining"] == "0"
    refused = [r for r in answers if r.status_code == 429]
    assert refused and all("Retry-After" not in r.headers for r in refused)  # Kaiten does not promise it
    assert any(r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 for r in told)


async def test_a_fresh_sandbox_takes_only_documented_options() -> None:
    with pytest.raises(TypeError, match="no option plan"):
        KaitenSandbox(plan=False)
    sandbox = KaitenSandbox(extra_users=3, plan_groups=False)
    assert sandbox.state.options["plan_groups"] is False
    assert sorted(u for u in sandbox.users if u >= 1000) == [1000, 1001, 1002]


# -- group members: /groups/{uid}/users (notes/vendor-apis.md §1.3, §4.1) ----------------------

ADMINS = "00000000-0000-4000-8000-000000000002"
DEAD = "00000000-0000-4000-8000-00000000dead"


async def test_sample_groups_have_members_listed_under_groups_not_company_groups(api: Any) -> None:
    listed = {}
    for uid in (QA, ADMINS, AUDITORS):
        response = await api("GET", f"/groups/{uid}/users")
        assert response.status_code == 200 and isinstance(response.json(), list)
        listed[uid] = response.json()
    wrong_root = await api("GET", f"/company/groups/{QA}/users")

    assert [(u["id"], u["email"]) for u in listed[QA]] == [
        (2, f"anna.petrova@{company.DOMAIN}"),
        (4, f"chen.wei@{company.DOMAIN}"),
    ]
    assert [u["id"] for u in listed[ADMINS]] == [1, 3]
    assert listed[AUDITORS] == []
    anna = listed[QA][0]
    assert (anna["full_name"], anna["username"], anna["initials"]) == ("Anna Petrova", "anna.petrova", "AP")
    assert "role" not in anna and "permissions" not in anna  # a group user, as the docs list it
    assert (wrong_root.status_code, wrong_root.content) == (404, b"")


async def test_members_are_paged_with_limit_and_offset_capped_at_100(
    api: Any, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(extra_users=250)
    kaiten_sandbox.app.groups[QA]["members"] = list(range(1000, 1250))  # type: ignore[attr-defined]

    first = await api("GET", f"/groups/{QA}/users", params={"limit": 500})
    last = await api("GET", f"/groups/{QA}/users", params={"limit": 100, "offset": 200})
    bad = await api("GET", f"/groups/{QA}/users", params={"offset": "x"})

    assert len(first.json()) == 100 and first.json()[0]["id"] == 1000
    assert [u["id"] for u in last.json()] == list(range(1200, 1250))
    assert bad.status_code == 400 and bad.json()["message"]


async def test_a_member_is_added_and_removed_and_each_answer_is_the_user(api: Any) -> None:
    added = await api(
        "POST", f"/groups/{QA}/users", json={"user_id": 3, "operator_comment": "asked in Slack"}
    )
    members = await api("GET", f"/groups/{QA}/users")
    removed = await api("DELETE", f"/groups/{QA}/users/2")
    after = await api("GET", f"/groups/{QA}/users")

    assert added.status_code == 200 and (added.json()["id"], added.json()["full_name"]) == (3, "Boris Ivanov")
    assert [u["id"] for u in members.json()] == [2, 3, 4]
    assert removed.status_code == 200 and removed.json()["email"] == f"anna.petrova@{company.DOMAIN}"
    assert [u["id"] for u in after.json()] == [3, 4]


async def test_adding_a_member_again_and_removing_a_non_member_are_answered_200(api: Any) -> None:
    """UNCONFIRMED: the docs do not say (notes/vendor-apis.md §4.1); the sandbox is idempotent."""
    again = await api("POST", f"/groups/{QA}/users", json={"user_id": 2})
    absent = await api("DELETE", f"/groups/{QA}/users/3")
    members = await api("GET", f"/groups/{QA}/users")

    assert (again.status_code, again.json()["id"]) == (200, 2)
    assert (absent.status_code, absent.json()["id"]) == (200, 3)
    assert [u["id"] for u in members.json()] == [2, 4]


async def test_an_unknown_group_or_user_is_404_without_a_body(api: Any, kaiten_sandbox: Sandbox) -> None:
    kaiten_sandbox.option(rate_limit=False)  # six requests
    answers = [
        await api("GET", f"/groups/{DEAD}/users"),
        await api("POST", f"/groups/{DEAD}/users", json={"user_id": 2}),
        await api("DELETE", f"/groups/{DEAD}/users/2"),
        await api("POST", f"/groups/{QA}/users", json={"user_id": 999}),
        await api("DELETE", f"/groups/{QA}/users/999"),
        await api("DELETE", f"/groups/{QA}/users/anna"),
    ]

    assert [(r.status_code, r.content) for r in answers] == [(404, b"")] * 6
    assert kaiten_sandbox.app.groups[QA]["members"] == [2, 4]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "3"},
        {"user_id": True},
        {"user_id": 3.0},
        {"user_id": 3, "operator_comment": ""},
        {"user_id": 3, "operator_comment": "x" * 1025},
        {"user_id": 3, "role": 1},
        [3],
        "not json",
    ],
)
async def test_adding_with_a_bad_body_is_400_with_a_message(
    api: Any, kaiten_sandbox: Sandbox, body: Any
) -> None:
    if body == "not json":
        response = await api("POST", f"/groups/{QA}/users", content=b"{user_id: 3")
    else:
        response = await api("POST", f"/groups/{QA}/users", json=body)

    assert response.status_code == 400 and response.json()["message"]
    assert kaiten_sandbox.app.groups[QA]["members"] == [2, 4]  # type: ignore[attr-defined]


# -- deactivate / reactivate: PATCH /company/users/{id} (notes/vendor-apis.md §4.1) ------------


async def test_a_company_user_patch_deactivates_and_reactivates_through_role_3(api: Any) -> None:
    off = await api("PATCH", "/company/users/3", json={"temporarily_inactive": True})
    hidden = await api("GET", "/users", params={"ids": "3"})
    shown = await api("GET", "/users", params={"ids": "3", "include_inactive": "true"})
    on = await api("PATCH", "/company/users/3", json={"temporarily_inactive": False})
    back = await api("GET", "/users", params={"ids": "3"})

    assert off.status_code == 200
    assert (off.json()["id"], off.json()["role"], off.json()["temporarily_inactive"]) == (3, 3, True)
    assert STAMP.match(off.json()["updated"]) and off.json()["updated"] > off.json()["created"]
    assert hidden.json() == [] and [u["role"] for u in shown.json()] == [3]
    assert (on.json()["role"], on.json()["temporarily_inactive"]) == (2, False)
    assert [u["role"] for u in back.json()] == [2]


async def test_reactivation_restores_the_role_the_user_had(api: Any) -> None:
    owner_off = await api("PATCH", "/company/users/1", json={"temporarily_inactive": True})
    owner_on = await api("PATCH", "/company/users/1", json={"temporarily_inactive": False})
    mira_on = await api("PATCH", "/company/users/12", json={"temporarily_inactive": False})
    again = await api("PATCH", "/company/users/12", json={"temporarily_inactive": False})

    assert [owner_off.json()["role"], owner_on.json()["role"]] == [3, 1]
    assert mira_on.json()["role"] == 2  # deactivated in the sample company: back as a user
    assert again.json()["role"] == 2  # reactivating an active user changes nothing


async def test_the_company_user_answer_carries_the_users_groups(api: Any) -> None:
    response = await api("PATCH", "/company/users/4", json={"apps_permissions": 5})

    user = response.json()
    assert (user["apps_permissions"], user["role"], user["temporarily_inactive"]) == (5, 2, False)
    assert sorted(g["name"] for g in user["groups"]) == ["Developers", "QA engineers"]


async def test_company_users_for_the_members_section_are_searched_by_address_or_name_with_their_groups(
    api: Any,
) -> None:
    chen = await api("GET", "/company/users", params={"for_members_section": "true", "query": "CHEN.wei@"})
    mira = await api("GET", "/company/users", params={"for_members_section": "true", "query": "Mira Volkova"})
    dana = await api("GET", "/company/users", params={"for_members_section": "true", "query": "dana.kim"})

    [user] = chen.json()
    assert (user["id"], user["role"], user["temporarily_inactive"]) == (4, 2, False)
    assert [g["name"] for g in user["groups"]] == ["QA engineers", "Developers"]
    assert {"id", "uid", "name", "permissions"} <= set(user["groups"][0])
    [inactive] = mira.json()  # deactivated users are members too
    assert (inactive["id"], inactive["role"], inactive["temporarily_inactive"]) == (12, 3, True)
    assert [g["name"] for g in inactive["groups"]] == ["Support"]
    assert [(u["id"], u["groups"]) for u in dana.json()] == [(5, [])]


async def test_company_users_are_paged_only_for_the_members_section(
    api: Any, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(extra_users=150)

    first = await api("GET", "/company/users", params={"for_members_section": "true", "limit": "500"})
    second = await api("GET", "/company/users", params={"for_members_section": "true", "offset": "100"})
    everyone = await api("GET", "/company/users", params={"query": "nobody matches this"})

    assert [len(first.json()), len(second.json())] == [100, 62]
    assert len(everyone.json()) == 162  # `query`, `limit`, `offset` work only with for_members_section


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "At least one field"),
        ({"temporarily_inactive": "yes"}, "temporarily_inactive"),
        ({"temporarily_inactive": 1}, "temporarily_inactive"),
        ({"apps_permissions": 3}, "apps_permissions"),
        ({"apps_permissions": True}, "apps_permissions"),
        ({"role": 3}, "role"),
    ],
)
async def test_a_company_user_patch_with_a_bad_body_is_400_with_a_message(
    api: Any, kaiten_sandbox: Sandbox, body: dict[str, Any], words: str
) -> None:
    before = dict(kaiten_sandbox.app.users[2])  # type: ignore[attr-defined]

    response = await api("PATCH", "/company/users/2", json=body)

    assert response.status_code == 400 and words in response.json()["message"]
    assert kaiten_sandbox.app.users[2] == before  # type: ignore[attr-defined]


async def test_a_company_user_patch_of_an_unknown_user_is_404_without_a_body(api: Any) -> None:
    unknown = await api("PATCH", "/company/users/999", json={"temporarily_inactive": True})
    not_an_id = await api("PATCH", "/company/users/anna", json={"temporarily_inactive": True})

    assert [(r.status_code, r.content) for r in (unknown, not_an_id)] == [(404, b"")] * 2
