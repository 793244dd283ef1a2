"""The Hub client against the sandbox Hub over loopback HTTP, on both REST roots."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import httpx
import pytest

from bot.errors import InvalidValue, VendorNotFound, VendorRejected
from bot.sandbox import company
from bot.sandbox.hub import user_id
from bot.vendors.fields import build
from bot.vendors.hub.client import USER_FIELDS, HubClient
from bot.vendors.hub.models import HubUserUpdate
from tests.conftest import Sandbox

ANNA = user_id("anna.petrova")
EMIL = user_id("emil.novak")  # banned


@pytest.mark.parametrize("root", ["/api/rest", "/hub/api/rest"])
async def test_me_and_a_user_by_id_on_either_rest_root(
    root: str, hub_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = HubClient(http, hub_sandbox.url + root, company.HUB_TOKEN)

    me = await client.me()
    emil = await client.user(EMIL)

    assert me.login == "steward" and emil.banned and emil.banReason == "Left the company (HR-1042)"
    first = hub_sandbox.requests()[0]
    assert first.path == f"{root}/users/me"
    assert first.headers["authorization"] == f"Bearer {company.HUB_TOKEN}"
    assert parse_qs(first.query)["fields"] == [USER_FIELDS]


async def test_fields_trim_the_answer_and_no_fields_gives_ids_for_nested_objects(
    hub_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    headers = {"Authorization": f"Bearer {company.HUB_TOKEN}"}
    url = f"{hub_sandbox.url}/api/rest/users/{ANNA}"
    trimmed = (await http.get(url, params={"fields": "id,profile(email(email))"}, headers=headers)).json()
    full = (await http.get(url, headers=headers)).json()

    assert trimmed == {
        "type": "user",
        "id": ANNA,
        "profile": {
            "type": "profile",
            "email": {"type": "EmailJSON", "email": f"anna.petrova@{company.DOMAIN}"},
        },
    }
    assert full["login"] == "anna.petrova" and set(full["profile"]) == {"type", "id"}


async def test_lookups_by_email_and_login_keep_only_exact_matches(
    hub: HubClient, hub_sandbox: Sandbox
) -> None:
    assert [u.login for u in await hub.find_by_email(f"ANNA.petrova@{company.DOMAIN}")] == ["anna.petrova"]
    assert await hub.find_by_email(f"anna@{company.DOMAIN}") == []
    assert sorted(u.login or "" for u in await hub.find_by_email(f"lena.berg@{company.DOMAIN}")) == [
        "lberg-old",
        "lena.berg",
    ]
    assert [u.login for u in await hub.find_by_login("lena.berg")] == [
        "lena.berg"
    ]  # "lena.berg" is a prefix of no other
    queries = [parse_qs(r.query)["query"][0] for r in hub_sandbox.requests("GET", "/users")]
    assert queries[0] == f"email: {{ANNA.petrova@{company.DOMAIN}}}"
    assert queries[-1] == "login: {lena.berg}"


async def test_a_ban_with_reason_and_an_unban_round_trip(hub: HubClient, hub_sandbox: Sandbox) -> None:
    banned = await hub.update_user(
        ANNA, build(HubUserUpdate, {"banned": True, "banReason": "left", "banBadge": "gone"})
    )
    unbanned = await hub.update_user(ANNA, build(HubUserUpdate, {"banned": False}))

    assert (banned.banned, banned.banReason, banned.banBadge) == (True, "left", "gone")
    assert unbanned.banned is False
    posts = hub_sandbox.requests("POST")
    assert [p.json() for p in posts] == [
        {"banned": True, "banReason": "left", "banBadge": "gone"},
        {"banned": False},
    ]
    assert all(p.path == f"/hub/api/rest/users/{ANNA}" for p in posts)


async def test_an_email_change_lands_at_profile_email_email(hub: HubClient, hub_sandbox: Sandbox) -> None:
    after = await hub.update_user(
        ANNA, build(HubUserUpdate, {"email": "anna.p@acme.test", "name": "Anna P."})
    )

    [post] = hub_sandbox.requests("POST")
    assert post.json() == {"name": "Anna P.", "profile": {"email": {"email": "anna.p@acme.test"}}}
    assert after.email == "anna.p@acme.test" and after.name == "Anna P."


async def test_hubs_error_body_becomes_one_readable_message(hub: HubClient) -> None:
    with pytest.raises(VendorRejected) as caught:
        await hub.update_user(ANNA, build(HubUserUpdate, {"login": "boris.ivanov"}))
    assert "Login boris.ivanov is already taken (field login)" in str(caught.value)
    with pytest.raises(VendorNotFound, match="Entity with id"):
        await hub.user("00000000-0000-4000-8000-0000000000ff")


async def test_the_sandbox_refuses_a_login_with_a_space_with_its_children(
    hub_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    headers = {"Authorization": f"Bearer {company.HUB_TOKEN}"}
    answer = await http.post(
        f"{hub_sandbox.url}/api/rest/users/{ANNA}", json={"login": "a b"}, headers=headers
    )
    assert answer.status_code == 400
    assert answer.json()["error_description"] == "invalid login" and answer.json()["error_children"]


async def test_invalid_input_is_refused_before_any_request(hub: HubClient, hub_sandbox: Sandbox) -> None:
    with pytest.raises(InvalidValue, match="must not contain spaces"):
        build(HubUserUpdate, {"login": "a b"})
    with pytest.raises(InvalidValue, match="at least one field"):
        await hub.update_user(ANNA, HubUserUpdate())
    assert hub_sandbox.requests() == []


async def test_the_token_appears_in_no_log_line_or_error(
    hub_sandbox: Sandbox, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = HubClient(http, f"{hub_sandbox.url}/hub/api/rest", company.HUB_TOKEN)
    await client.me()
    wrong = HubClient(http, f"{hub_sandbox.url}/hub/api/rest", "perm:wrong.token.value")
    with pytest.raises(Exception) as caught:
        await wrong.me()
    text = caplog.text + str(caught.value) + repr(client)
    assert company.HUB_TOKEN not in text and "perm:wrong.token.value" not in text
    assert "HUB_TOKEN" in str(caught.value)
