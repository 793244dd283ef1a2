"""The Kaiten client against the sandbox Kaiten over real loopback HTTP: what it sends for each
endpoint, what it makes of the answers, how it pages, paces itself and waits out a 429, and that
its token never leaks."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import stamina

from bot import errors
from bot.sandbox import company
from bot.sandbox.common import Fault, Recorded
from bot.sandbox.kaiten_data import EXTRA_FROM
from bot.vendors.base import Pacer, Record
from bot.vendors.fields import UpdateModel
from bot.vendors.kaiten import (
    KaitenClient,
    KaitenGroup,
    KaitenGroupUpdate,
    KaitenUser,
    KaitenUserUpdate,
    parse_permissions,
    permission_names,
)
from tests.conftest import Sandbox

TOKEN = company.KAITEN_TOKEN
ROOT = "/api/latest"
ADMINS = "00000000-0000-4000-8000-000000000002"
QA = "00000000-0000-4000-8000-000000000001"
AUDITORS = "00000000-0000-4000-8000-000000000005"  # members|billing and 8, a bit the docs do not list
MIRA = f"mira.volkova@{company.DOMAIN}"  # user 12, deactivated
ANNA = f"anna.petrova@{company.DOMAIN}"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def query(request: Recorded) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(request.query).items()}


def only(sandbox: Sandbox) -> Recorded:
    [request] = sandbox.requests()
    return request


# -- what goes over the wire, endpoint by endpoint -------------------------------------------


async def test_every_request_sends_the_token_as_bearer_and_asks_for_json(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    me = await kaiten.whoami()

    request = only(kaiten_sandbox)
    assert (request.method, request.path) == ("GET", f"{ROOT}/users/current")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert me == Record("1", f"Steward Service (steward@{company.DOMAIN})", me.values)
    assert me.values["full_name"] == "Steward Service"
    assert me.values["theme"] == "auto"


async def test_current_user_keeps_what_it_does_not_declare(kaiten: KaitenClient) -> None:
    user = await kaiten.current_user()

    assert isinstance(user, KaitenUser)
    assert (user.id, user.email, user.role) == (1, f"steward@{company.DOMAIN}", 1)
    assert user.email_settings is None and user.telegram_id is None  # null, as live answers have it
    assert user.model_extra is not None and user.model_extra["company_id"] == 1


async def test_users_by_id_are_asked_for_with_comma_joined_ids(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    users = await kaiten.users(ids=[3, 2, 3])

    request = only(kaiten_sandbox)
    assert (request.method, request.path) == ("GET", f"{ROOT}/users")
    assert query(request) == {"ids": "3,2", "include_inactive": "true", "limit": "100", "offset": "0"}
    assert sorted((u.id, u.full_name) for u in users) == [(2, "Anna Petrova"), (3, "Boris Ivanov")]


async def test_all_users_are_read_page_by_page_until_a_short_page(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(extra_users=250)

    users = await kaiten.users()

    people = len(company.people("kaiten"))
    assert len(users) == len({u.id for u in users}) == people + 250
    pages = [query(r) for r in kaiten_sandbox.requests("GET", "/users")]
    assert pages == [
        {"include_inactive": "true", "limit": "100", "offset": str(offset)} for offset in (0, 100, 200)
    ]


async def test_many_ids_are_asked_for_a_hundred_at_a_time(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(extra_users=250)
    wanted = list(range(EXTRA_FROM, EXTRA_FROM + 250))

    users = await kaiten.users(ids=wanted)

    assert sorted(u.id for u in users) == wanted
    asked = sorted(len(query(r)["ids"].split(",")) for r in kaiten_sandbox.requests("GET", "/users"))
    assert asked == [50, 100, 100]  # one request per chunk: a chunk's users fit in one page


async def test_a_user_is_patched_with_exactly_the_given_fields(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    change = KaitenUserUpdate(full_name="Anna P.", theme="dark", password="s3cret-pass")

    user = await kaiten.update_user(2, change)

    request = only(kaiten_sandbox)
    assert (request.method, request.path) == ("PATCH", f"{ROOT}/users/2")
    assert request.json() == {"full_name": "Anna P.", "theme": "dark", "password": "s3cret-pass"}
    assert (user.id, user.full_name, user.theme) == (2, "Anna P.", "dark")
    assert user.updated is not None and STAMP.match(user.updated) and user.updated != user.created


async def test_a_group_is_read_listed_and_patched_by_uid(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    group = await kaiten.group(ADMINS)
    groups = await kaiten.groups()
    qa = await kaiten.groups(query="qa")
    patched = await kaiten.update_group(QA, KaitenGroupUpdate(permissions="members,billing,spaces"))

    get, listed, searched, patch = kaiten_sandbox.requests()
    assert (get.method, get.path) == ("GET", f"{ROOT}/company/groups/{ADMINS}")
    assert (listed.method, listed.path, query(listed)) == (
        "GET",
        f"{ROOT}/company/groups",
        {"limit": "100", "offset": "0"},
    )
    assert query(searched) == {"query": "qa", "limit": "100", "offset": "0"}
    assert (patch.method, patch.path, patch.json()) == (
        "PATCH",
        f"{ROOT}/company/groups/{QA}",
        {"permissions": 19},
    )
    assert isinstance(group, KaitenGroup) and (group.name, group.permissions) == ("Admins", 1 | 2 | 4)
    assert {g.name for g in groups} == {"Admins", "QA engineers", "Support", "Developers", "Auditors"}
    assert [g.uid for g in qa] == [QA]
    assert (patched.uid, patched.permissions) == (QA, 19)


# -- the Vendor protocol: find, read, write -----------------------------------------------------


async def test_a_user_is_found_by_id(kaiten: KaitenClient, kaiten_sandbox: Sandbox) -> None:
    [boris] = await kaiten.find("user", "3")

    assert query(only(kaiten_sandbox))["ids"] == "3"
    assert boris.id == "3" and boris.label == f"Boris Ivanov (boris.ivanov@{company.DOMAIN})"
    assert await kaiten.find("user", "999") == []


async def test_an_email_finds_exactly_that_person_whatever_the_case(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [anna] = await kaiten.find("user", ANNA.upper())

    assert query(only(kaiten_sandbox))["query"] == ANNA.upper()
    assert anna.id == "2" and anna.values["full_name"] == "Anna Petrova"
    assert "password" not in anna.values and "old_password" not in anna.values


async def test_an_email_that_only_contains_anothers_finds_no_one(kaiten: KaitenClient) -> None:
    partial = f"a.berg@{company.DOMAIN}"  # inside lena.berg@…: Kaiten's search is a substring search

    assert [u.email for u in await kaiten.users(query=partial)] == [f"lena.berg@{company.DOMAIN}"]
    assert await kaiten.find("user", partial) == []
    assert await kaiten.find("user", f"nobody@{company.DOMAIN}") == []


async def test_a_group_is_found_by_uid_and_an_unknown_uid_finds_nothing(kaiten: KaitenClient) -> None:
    [admins] = await kaiten.find("group", ADMINS)

    assert admins == Record(
        ADMINS, "Admins", {"name": "Admins", "permissions": 7, "add_to_cards_and_spaces_enabled": True}
    )
    assert await kaiten.find("group", "00000000-0000-4000-8000-00000000dead") == []


async def test_a_deactivated_user_is_found_by_id_and_by_e_mail_and_labelled_inactive(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [by_id] = await kaiten.find("user", "12")
    [by_mail] = await kaiten.find("user", MIRA)
    read = await kaiten.read("user", ["12", "2"])

    assert by_id == by_mail == read["12"]
    assert by_id.label == f"Mira Volkova ({MIRA}), inactive in Kaiten"
    assert read["2"].label == f"Anna Petrova ({ANNA})"  # an active user's label says nothing more
    assert all(query(r)["include_inactive"] == "true" for r in kaiten_sandbox.requests("GET", "/users"))


async def test_a_mask_with_a_bit_steward_has_no_name_for_is_read_and_written_whole(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [auditors] = await kaiten.find("group", AUDITORS)

    after = await kaiten.write(
        "group", auditors, KaitenGroupUpdate(permissions=auditors.values["permissions"] | 512)
    )

    assert auditors.values["permissions"] == 1 | 2 | 8
    assert kaiten_sandbox.requests("PATCH")[0].json() == {"permissions": 1 | 2 | 8 | 512}
    assert after.values["permissions"] == 1 | 2 | 8 | 512


def test_permission_names_name_unknown_bits_one_by_one_and_parse_back() -> None:
    mask = 1 | 2 | 8 | 1048576  # 8 is skipped by the docs' table; 1048576 is past its end

    assert permission_names(mask) == ["members", "billing", "8", "1048576"]
    assert permission_names(mask, unknown="bit {}") == ["members", "billing", "bit 8", "bit 1048576"]
    assert parse_permissions(",".join(permission_names(mask))) == mask
    assert parse_permissions(8) == parse_permissions("8") == 8
    assert parse_permissions(2**53 - 1) == 2**53 - 1  # the largest integer JSON carries exactly


@pytest.mark.parametrize("mask", [-1, 2**53, "-1", "9" * 5000, True, 1.5])
def test_a_mask_that_is_no_non_negative_json_integer_is_refused(mask: Any) -> None:
    with pytest.raises(ValueError):
        parse_permissions(mask)


async def test_read_returns_the_known_ids_in_one_request_for_users(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    users = await kaiten.read("user", ["2", "3", "999", "not-an-id"])

    assert query(only(kaiten_sandbox))["ids"] == "2,3,999"
    assert sorted(users) == ["2", "3"]
    assert users["3"].values["username"] == "boris.ivanov"


async def test_read_returns_the_known_groups_one_request_each(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    unknown = "00000000-0000-4000-8000-00000000dead"

    groups = await kaiten.read("group", [ADMINS, QA, unknown])

    assert sorted(groups) == sorted([ADMINS, QA])
    assert groups[QA].values["permissions"] == 3
    assert sorted(r.path.rsplit("/", 1)[1] for r in kaiten_sandbox.requests("GET")) == sorted(
        [ADMINS, QA, unknown]
    )


async def test_write_returns_what_kaiten_reports_after_the_patch(kaiten: KaitenClient) -> None:
    [anna] = await kaiten.find("user", ANNA)
    [qa] = await kaiten.find("group", QA)

    user = await kaiten.write("user", anna, KaitenUserUpdate(initials="AK", email_frequency="never"))
    group = await kaiten.write(
        "group", qa, KaitenGroupUpdate(name="QA", add_to_cards_and_spaces_enabled=True)
    )

    assert (user.id, user.values["initials"], user.values["email_frequency"]) == ("2", "AK", 1)
    assert group == Record(
        QA, "QA", {"name": "QA", "permissions": 3, "add_to_cards_and_spaces_enabled": True}
    )


NOBODY = Record("2", "Anna Petrova", {})
NO_GROUP = Record(QA, "QA engineers", {})


@pytest.mark.parametrize(
    ("call", "field", "rule", "value"),
    [
        (lambda k: k.write("user", NOBODY, KaitenUserUpdate()), "fields", "at least one field", {}),
        (
            lambda k: k.write("user", NOBODY, KaitenUserUpdate.model_construct(initials="ABC")),
            "initials",
            "must be exactly 2 characters",
            "ABC",
        ),
        (
            lambda k: k.write("group", NO_GROUP, KaitenGroupUpdate.model_construct(permissions=-1)),
            "permissions",
            "from 0 to",
            -1,
        ),
        (lambda k: k.find("user", "Anna"), "user", "id (a whole number) or an e-mail address", "Anna"),
        (lambda k: k.find("group", "QA engineers"), "group", "must be a Kaiten group uid", "QA engineers"),
    ],
    ids=["empty change", "initials", "permissions", "user target", "group target"],
)
async def test_invalid_input_is_refused_before_any_request(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, call: Any, field: str, rule: str, value: Any
) -> None:
    with pytest.raises(errors.InvalidValue) as caught:
        await call(kaiten)

    assert (caught.value.field, caught.value.value) == (field, value)
    assert rule in caught.value.rule
    assert kaiten_sandbox.requests() == []


async def test_a_change_for_the_wrong_object_is_a_programming_error(kaiten: KaitenClient) -> None:
    change: UpdateModel = KaitenGroupUpdate(name="QA")

    with pytest.raises(TypeError):
        await kaiten.write("user", NOBODY, change)


# -- group membership (the Groups protocol) --------------------------------------------------

SUPPORT = "00000000-0000-4000-8000-000000000003"
DEAD = "00000000-0000-4000-8000-00000000dead"
BORIS = Record("3", f"Boris Ivanov (boris.ivanov@{company.DOMAIN})", {})


async def test_find_groups_reads_a_uid_and_an_unknown_uid_finds_nothing_without_a_search(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [admins] = await kaiten.find_groups(ADMINS)
    unknown = await kaiten.find_groups(DEAD)

    assert admins == Record(
        ADMINS, "Admins", {"name": "Admins", "permissions": 7, "add_to_cards_and_spaces_enabled": True}
    )
    assert unknown == []
    assert [(r.method, r.path) for r in kaiten_sandbox.requests()] == [
        ("GET", f"{ROOT}/company/groups/{ADMINS}"),
        ("GET", f"{ROOT}/company/groups/{DEAD}"),
    ]


async def test_find_groups_by_name_asks_kaitens_search_and_leaves_the_exact_match_to_the_caller(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    found = await kaiten.find_groups("  qa ENGINEERS ")
    one_word = await kaiten.find_groups("Support")  # uid-shaped text: the uid first, then the name

    search = kaiten_sandbox.requests()[0]
    assert (search.path, query(search)) == (
        f"{ROOT}/company/groups",
        {"query": "qa ENGINEERS", "limit": "100", "offset": "0"},
    )
    assert [(g.id, g.label) for g in found] == [(QA, "QA engineers")]
    assert [(g.id, g.label) for g in one_word] == [(SUPPORT, "Support")]
    assert [(r.path, query(r).get("query"), r.status) for r in kaiten_sandbox.requests()][1:] == [
        (f"{ROOT}/company/groups/Support", None, 404),
        (f"{ROOT}/company/groups", "Support", 200),
    ]


async def test_find_groups_reads_every_page_of_the_search(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    groups = kaiten_sandbox.app.groups  # type: ignore[attr-defined]
    for number in range(150):
        uid = f"10000000-0000-4000-8000-{number:012d}"
        groups[uid] = {"id": 100 + number, "uid": uid, "name": f"Night team {number}", "permissions": 0}

    found = await kaiten.find_groups("night TEAM")

    assert len(found) == 150
    assert [query(r)["offset"] for r in kaiten_sandbox.requests("GET")] == ["0", "100"]


async def test_members_are_read_under_groups_not_company_groups_as_user_records(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [qa] = await kaiten.find_groups(QA)
    kaiten_sandbox.app.state.clear_log()

    members = await kaiten.members(qa)

    request = only(kaiten_sandbox)
    assert (request.method, request.path, query(request)) == (
        "GET",
        f"{ROOT}/groups/{QA}/users",
        {"limit": "100", "offset": "0"},
    )
    assert [(m.id, m.label) for m in members] == [
        ("2", f"Anna Petrova ({ANNA})"),
        ("4", f"Chen Wei (chen.wei@{company.DOMAIN})"),
    ]
    assert members[0].values["username"] == "anna.petrova" and members[0].values["theme"] == "auto"
    assert await kaiten.members(Record(AUDITORS, "Auditors", {})) == []


async def test_members_are_read_every_page(kaiten: KaitenClient, kaiten_sandbox: Sandbox) -> None:
    kaiten_sandbox.option(extra_users=250)
    kaiten_sandbox.app.groups[QA]["members"] = list(range(EXTRA_FROM, EXTRA_FROM + 250))  # type: ignore[attr-defined]

    members = await kaiten.members(NO_GROUP)

    assert sorted(int(m.id) for m in members) == list(range(EXTRA_FROM, EXTRA_FROM + 250))
    assert [query(r)["offset"] for r in kaiten_sandbox.requests("GET")] == ["0", "100", "200"]


async def test_a_member_is_added_by_user_id_and_removed_by_path(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    await kaiten.add_member(NO_GROUP, BORIS)
    added = await kaiten.members(NO_GROUP)
    await kaiten.remove_member(NO_GROUP, BORIS)
    removed = await kaiten.members(NO_GROUP)

    post, _, delete, _ = kaiten_sandbox.requests()
    assert (post.method, post.path, post.json()) == ("POST", f"{ROOT}/groups/{QA}/users", {"user_id": 3})
    assert (delete.method, delete.path, delete.body) == ("DELETE", f"{ROOT}/groups/{QA}/users/3", "")
    assert [m.id for m in added] == ["2", "3", "4"]  # the other members kept
    assert [m.id for m in removed] == ["2", "4"]


def _plan(sandbox: Sandbox) -> None:
    sandbox.option(plan_groups=False)


def _fault(status: int, body: str = "", path: str = "/groups/") -> Any:
    def apply(sandbox: Sandbox) -> None:
        sandbox.fail(Fault(status=status, body=body, path=path))

    return apply


MEMBERSHIP_CALLS = {
    "find_groups": lambda k: k.find_groups(QA),
    "members": lambda k: k.members(NO_GROUP),
    "add_member": lambda k: k.add_member(NO_GROUP, BORIS),
    "remove_member": lambda k: k.remove_member(NO_GROUP, BORIS),
}


@pytest.mark.parametrize("call", list(MEMBERSHIP_CALLS))
@pytest.mark.parametrize(
    ("setup", "error", "words"),
    [
        (_fault(400, '{"message": "user_id should be integer"}', "/"), "VendorRejected", "should be integer"),
        (_plan, "VendorPlanError", "Feature is not supported by tariff"),
        (_fault(403, "", "/"), "VendorForbidden", "(403)"),
        (_fault(401, "Invalid token", "/"), "VendorAuthError", "Invalid token"),
    ],
    ids=["400", "402", "403", "401"],
)
async def test_membership_errors_map_through_the_status_table_with_kaitens_words(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, call: str, setup: Any, error: str, words: str
) -> None:
    setup(kaiten_sandbox)

    with pytest.raises(errors.VendorError) as caught:
        await MEMBERSHIP_CALLS[call](kaiten)

    assert type(caught.value).__name__ == error
    assert words in str(caught.value) and "Kaiten" in str(caught.value)
    assert len(kaiten_sandbox.requests()) == 1  # refused, not retried


async def test_an_unknown_group_or_user_is_not_found(kaiten: KaitenClient) -> None:
    gone = Record(DEAD, "Gone", {})
    nobody = Record("999", "Nobody", {})
    calls = [
        kaiten.members(gone),
        kaiten.add_member(gone, BORIS),
        kaiten.remove_member(gone, BORIS),
        kaiten.add_member(NO_GROUP, nobody),
        kaiten.remove_member(NO_GROUP, nobody),
    ]

    failures = []
    for pending in calls:
        with pytest.raises(errors.VendorNotFound) as caught:
            await pending
        failures.append(str(caught.value))

    assert "Kaiten has no group Gone (404)" in failures[0]
    assert all("(404)" in text and "Nothing was changed" in text for text in failures)
    assert "user 999" in failures[3] and "user 999" in failures[4]


@pytest.mark.parametrize(
    ("call", "field", "value"),
    [
        (lambda k: k.find_groups("  "), "group", ""),
        (lambda k: k.members(Record("QA engineers", "QA engineers", {})), "group", "QA engineers"),
        (lambda k: k.add_member(NO_GROUP, Record("anna", "Anna", {})), "user", "anna"),
        (lambda k: k.remove_member(Record("a/b", "x", {}), BORIS), "group", "a/b"),
    ],
    ids=["empty name", "members of a name", "add a non-id", "remove from a bad uid"],
)
async def test_membership_input_is_checked_before_any_request(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, call: Any, field: str, value: str
) -> None:
    with pytest.raises(errors.InvalidValue) as caught:
        await call(kaiten)

    assert (caught.value.field, caught.value.value) == (field, value)
    assert kaiten_sandbox.requests() == []


# -- the groups a person is in (Groups.groups_of) -------------------------------------------

DEVELOPERS = "00000000-0000-4000-8000-000000000004"


async def test_groups_of_reads_the_address_then_finds_the_company_user_by_it_and_picks_them_by_id(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    groups = await kaiten.groups_of(Record("4", "Chen Wei", {}))

    assert groups == [
        Record(
            QA,
            "QA engineers",
            {"name": "QA engineers", "permissions": 3, "add_to_cards_and_spaces_enabled": False},
        ),
        Record(
            DEVELOPERS,
            "Developers",
            {"name": "Developers", "permissions": 16 | 32 | 4096, "add_to_cards_and_spaces_enabled": False},
        ),
    ]
    read, search = kaiten_sandbox.requests()
    assert (read.method, read.path, query(read)) == (
        "GET",
        f"{ROOT}/users",
        {"ids": "4", "include_inactive": "true", "limit": "100", "offset": "0"},
    )
    assert (search.method, search.path, query(search)) == (
        "GET",
        f"{ROOT}/company/users",
        {"for_members_section": "true", "query": f"chen.wei@{company.DOMAIN}", "limit": "100", "offset": "0"},
    )


async def test_groups_of_keeps_only_the_user_with_that_id_among_the_search_hits(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    users = kaiten_sandbox.app.users  # type: ignore[attr-defined]
    users[4]["email"] = f"wei@{company.DOMAIN}"  # "wei@…" is found in "chen.wei@…" too
    users[10]["email"] = f"chen.wei@{company.DOMAIN}"  # Julia, in Support

    assert [g.label for g in await kaiten.groups_of(Record("4", "Chen Wei", {}))] == [
        "QA engineers",
        "Developers",
    ]


async def test_groups_of_a_person_in_no_group_is_empty(kaiten: KaitenClient) -> None:
    assert await kaiten.groups_of(Record("5", "Dana Kim", {})) == []


async def test_groups_of_a_deactivated_user_are_read_like_anyone_elses(kaiten: KaitenClient) -> None:
    [mira] = await kaiten.find("user", MIRA)

    assert mira.values["temporarily_inactive"] is True
    assert [(g.id, g.label) for g in await kaiten.groups_of(mira)] == [(SUPPORT, "Support")]


async def test_groups_of_an_unknown_user_is_not_found(kaiten: KaitenClient, kaiten_sandbox: Sandbox) -> None:
    with pytest.raises(errors.VendorNotFound) as caught:
        await kaiten.groups_of(Record("999", "Nobody", {}))

    text = str(caught.value)
    assert "Kaiten has no user 999 (404)" in text and "Nothing was changed" in text
    assert [r.path for r in kaiten_sandbox.requests()] == [f"{ROOT}/users"]  # no search for nobody


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ({"status": 403}, "VendorForbidden", "may not list the groups of Chen Wei (403)"),
        ({"status": 401, "body": "Invalid token"}, "VendorAuthError", "Invalid token"),
    ],
    ids=["403", "401"],
)
async def test_groups_of_errors_map_through_the_status_table(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, fault: dict[str, Any], error: str, words: str
) -> None:
    kaiten_sandbox.fail(Fault(path="/company/users", **fault))

    with pytest.raises(errors.VendorError) as caught:
        await kaiten.groups_of(Record("4", "Chen Wei", {}))

    assert type(caught.value).__name__ == error
    assert words in str(caught.value) and caught.value.changed == "no"


async def test_groups_of_takes_a_kaiten_user_id_only(kaiten: KaitenClient, kaiten_sandbox: Sandbox) -> None:
    with pytest.raises(errors.InvalidValue):
        await kaiten.groups_of(Record("anna", "Anna", {}))

    assert kaiten_sandbox.requests() == []


# -- deactivate / reactivate: temporarily_inactive -------------------------------------------


async def test_records_say_whether_the_user_is_temporarily_inactive(kaiten: KaitenClient) -> None:
    read = await kaiten.read("user", ["12", "2"])

    assert read["12"].values["temporarily_inactive"] is True  # role 3 in Kaiten's answer
    assert read["2"].values["temporarily_inactive"] is False
    assert read["12"].label.endswith(", inactive in Kaiten") and "inactive" not in read["2"].label


async def test_deactivating_patches_the_company_user_with_only_that_field(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [anna] = await kaiten.find("user", ANNA)
    kaiten_sandbox.app.state.clear_log()

    after = await kaiten.write("user", anna, KaitenUserUpdate(temporarily_inactive=True))

    request = only(kaiten_sandbox)
    assert (request.method, request.path, request.json()) == (
        "PATCH",
        f"{ROOT}/company/users/2",
        {"temporarily_inactive": True},
    )
    assert after.id == "2" and after.label == f"Anna Petrova ({ANNA}), inactive in Kaiten"
    assert after.values["temporarily_inactive"] is True
    [again] = await kaiten.find("user", ANNA)
    assert again.values["temporarily_inactive"] is True


async def test_reactivating_patches_the_company_user_back(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    [mira] = await kaiten.find("user", MIRA)
    kaiten_sandbox.app.state.clear_log()

    after = await kaiten.write("user", mira, KaitenUserUpdate(temporarily_inactive=False))

    assert only(kaiten_sandbox).json() == {"temporarily_inactive": False}
    assert after.values["temporarily_inactive"] is False and after.label == f"Mira Volkova ({MIRA})"
    assert (await kaiten.read("user", ["12"]))["12"].values["temporarily_inactive"] is False


@pytest.mark.parametrize(
    ("inactive", "order"),
    [(True, ["/users/2", "/company/users/2"]), (False, ["/company/users/2", "/users/2"])],
    ids=["deactivate last", "reactivate first"],
)
async def test_a_change_with_other_fields_too_makes_both_calls(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, inactive: bool, order: list[str]
) -> None:
    change = KaitenUserUpdate(full_name="Anna P.", theme="dark", temporarily_inactive=inactive)

    after = await kaiten.write("user", NOBODY, change)

    patches = kaiten_sandbox.requests("PATCH")
    assert [r.path.removeprefix(ROOT) for r in patches] == order
    bodies = {r.path.removeprefix(ROOT): r.json() for r in patches}
    assert bodies == {
        "/users/2": {"full_name": "Anna P.", "theme": "dark"},
        "/company/users/2": {"temporarily_inactive": inactive},
    }
    assert (after.values["full_name"], after.values["theme"]) == ("Anna P.", "dark")
    assert after.values["temporarily_inactive"] is inactive


REFUSED = '{"message": "temporarily_inactive should be boolean"}'
INVALID = {"status": 401, "body": "Invalid token", "content_type": "text/plain"}


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ({"status": 400, "body": REFUSED}, "VendorRejected", "temporarily_inactive should be boolean"),
        (INVALID, "VendorAuthError", "Invalid token"),
        ({"status": 403}, "VendorForbidden", "may not deactivate user 2 (403)"),
        ({"status": 404}, "VendorNotFound", "has no user 2 (404)"),
    ],
    ids=["400", "401", "403", "404"],
)
async def test_deactivation_errors_map_through_the_status_table(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox, fault: dict[str, Any], error: str, words: str
) -> None:
    kaiten_sandbox.fail(Fault(**fault))

    with pytest.raises(errors.VendorError) as caught:
        await kaiten.write("user", NOBODY, KaitenUserUpdate(temporarily_inactive=True))

    assert type(caught.value).__name__ == error
    assert words in str(caught.value) and caught.value.changed == "no"


async def test_an_unknown_user_is_not_found_when_deactivated(kaiten: KaitenClient) -> None:
    with pytest.raises(errors.VendorNotFound):
        await kaiten.write("user", Record("999", "user 999", {}), KaitenUserUpdate(temporarily_inactive=True))


async def test_when_the_second_call_fails_the_first_may_have_changed_the_user(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.fail(Fault(status=403, path="/company/users/"))

    with pytest.raises(errors.VendorForbidden) as caught:
        await kaiten.write("user", NOBODY, KaitenUserUpdate(full_name="Anna P.", temporarily_inactive=True))

    assert caught.value.changed == "unknown"  # the full name was written before the refusal
    assert "check user 2 in Kaiten" in str(caught.value)
    assert kaiten_sandbox.app.users[2]["full_name"] == "Anna P."  # type: ignore[attr-defined]


async def test_the_new_calls_keep_to_five_requests_a_second(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    await asyncio.gather(
        *(kaiten.members(NO_GROUP) for _ in range(6)),
        *(kaiten.add_member(NO_GROUP, BORIS) for _ in range(4)),
        *(kaiten.find_groups("QA engineers") for _ in range(3)),
        *(
            kaiten.write("user", NOBODY, KaitenUserUpdate(temporarily_inactive=flag))
            for flag in (True, False)
        ),
    )

    log = kaiten_sandbox.requests()
    assert len(log) == 15 and {r.status for r in log} == {200}
    times = sorted(r.time for r in log)
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 5


# -- rate limits and retries -----------------------------------------------------------------


async def test_twenty_calls_never_put_more_than_five_requests_in_any_second(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    await asyncio.gather(*(kaiten.current_user() for _ in range(20)))

    log = kaiten_sandbox.requests()
    assert len(log) == 20 and {r.status for r in log} == {200}
    times = sorted(r.time for r in log)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 5


async def test_a_request_is_counted_from_when_it_went_out_not_from_when_it_got_its_turn() -> None:
    pacer = Pacer(1, per=0.3, margin=0.0)
    first = await pacer.wait()
    await asyncio.sleep(0.2)  # it waited this long for its connection before it went out
    first.end()
    went_out = time.monotonic()

    second = await pacer.wait()
    second.end()

    assert time.monotonic() - went_out >= 0.3 - 0.01  # a full window after it went out


async def test_paced_requests_are_counted_when_written_so_a_slow_answer_costs_no_turns(
    kaiten_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    kaiten_sandbox.slow(2.0)
    paced = KaitenClient(http, f"{kaiten_sandbox.url}{ROOT}", TOKEN, rate=2)

    await asyncio.gather(*(paced.current_user() for _ in range(3)))

    times = sorted(r.time for r in kaiten_sandbox.requests())
    # The third goes out a window after the first two were written (about 1 s), not a window
    # after their answers came back 2 s later (about 3 s).
    assert 1.0 <= times[2] - times[0] < 2.5


async def test_a_rate_of_zero_sends_without_pacing_for_a_kaiten_with_another_limit(
    kaiten_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    kaiten_sandbox.option(rate_limit=False)  # e.g. an on-premises Kaiten without the 5 requests/s
    unpaced = KaitenClient(http, f"{kaiten_sandbox.url}{ROOT}", TOKEN, rate=0)

    await asyncio.gather(*(unpaced.current_user() for _ in range(20)))

    times = sorted(r.time for r in kaiten_sandbox.requests())
    assert len(times) == 20 and times[-1] - times[0] < 1.0  # a paced client needs over 3 s


async def test_a_429_is_waited_out_until_x_ratelimit_reset_and_then_succeeds(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    kaiten_sandbox.option(rate=1)  # Kaiten's limit lower than the client's pace: 429s will come

    with stamina.set_testing(False):
        for _ in range(3):  # two calls meet a 429 unless a window boundary falls between them
            await kaiten.current_user()
            if any(r.status == 429 for r in kaiten_sandbox.requests()):
                break

    log = kaiten_sandbox.requests()
    refused = [i for i, r in enumerate(log) if r.status == 429]
    assert refused and log[-1].status == 200
    for i in refused:
        reset = int(log[i].time) + 1  # the sandbox's X-RateLimit-Reset: the end of its 1 s window
        assert log[i + 1].time >= reset


async def test_a_write_retried_after_a_lost_answer_leaves_the_state_of_one_write(
    kaiten: KaitenClient, kaiten_sandbox: Sandbox
) -> None:
    """Why retrying writes is safe: Steward sends absolute values, so a PATCH that Kaiten applied
    but whose answer was lost (a 500) and that is then sent again changes nothing more."""
    change = KaitenUserUpdate(full_name="Anna Karenina", theme="light")

    def state() -> dict[str, Any]:
        return {k: v for k, v in kaiten_sandbox.app.users[2].items() if k != "updated"}  # type: ignore[attr-defined]

    kaiten_sandbox.option(fail_after_write=1)
    after_retry = await kaiten.write("user", NOBODY, change)
    retried = state()
    first, second = kaiten_sandbox.requests("PATCH")
    assert (first.status, second.status) == (500, 200)
    assert first.json() == second.json() == {"full_name": "Anna Karenina", "theme": "light"}

    kaiten_sandbox.app.reset_data()
    once = await kaiten.write("user", NOBODY, change)

    assert retried == state()
    assert after_retry.values == once.values


# -- secrets ---------------------------------------------------------------------------------


async def test_the_token_never_reaches_a_log_line_an_error_or_a_repr(
    kaiten_sandbox: Sandbox, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/api/latest"
    refused = KaitenClient(http, closed, TOKEN, attempts=2)
    client = KaitenClient(
        http, f"{kaiten_sandbox.url}{ROOT}", TOKEN, attempts=2
    )  # five requests: no pacing wait
    failures: list[errors.VendorError] = []

    async def failing(call: Any, *faults: Fault) -> None:
        kaiten_sandbox.fail(*faults)
        with pytest.raises(errors.VendorError) as caught:
            await call
        failures.append(caught.value)

    echo = f'{{"message": "token {TOKEN} is not valid here"}}'
    await failing(client.update_user(2, KaitenUserUpdate(full_name="X")), Fault(status=400, body=echo))
    await failing(client.whoami(), Fault(status=401, body="Invalid token", content_type="text/plain"))
    await failing(client.group(QA), Fault(status=500, body=f"oops {TOKEN}", times=10))
    await failing(refused.whoami())
    kaiten_sandbox.fail()
    await failing(client.group("00000000-0000-4000-8000-00000000dead"))

    assert [type(f).__name__ for f in failures] == [
        "VendorRejected", "VendorAuthError", "VendorServerError", "VendorUnreachable", "VendorNotFound",
    ]  # fmt: skip
    assert "token ••• is not valid here" in str(failures[0])  # Kaiten's words, the token masked
    for failure in failures:
        assert "Kaiten" in str(failure)
        assert TOKEN not in str(failure) and TOKEN not in repr(failure) and TOKEN not in repr(vars(failure))
    assert any("Kaiten" in r.getMessage() for r in caplog.records)  # the request path did log
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in repr(client) and TOKEN not in repr(vars(client))
