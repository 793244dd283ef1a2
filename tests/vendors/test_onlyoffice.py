"""The ONLYOFFICE client against the sandbox ONLYOFFICE over loopback HTTP."""

from __future__ import annotations

import logging

import httpx
import pytest
import stamina

from bot.errors import InvalidValue, VendorAuthError
from bot.sandbox import company
from bot.sandbox.common import Fault
from bot.sandbox.onlyoffice_data import GUID
from bot.vendors.fields import build
from bot.vendors.onlyoffice.client import OnlyofficeClient
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate
from tests.conftest import Sandbox

KOFI = GUID("kofi.mensah")  # a guest with two contacts and a lead
ANNA = GUID("anna.petrova")
GLEB = GUID("gleb.orlov")  # terminated


def login_client(http: httpx.AsyncClient, sandbox: Sandbox) -> OnlyofficeClient:
    return OnlyofficeClient(
        http, sandbox.url, username=company.ONLYOFFICE_USERNAME, password=company.ONLYOFFICE_PASSWORD
    )


async def test_the_token_is_sent_raw_and_answers_are_unwrapped(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    me = await onlyoffice.me()
    by_email = await onlyoffice.user_by_email("KOFI.MENSAH@acme.test")
    by_id = await onlyoffice.user(KOFI)

    assert me.userName == "steward"
    assert by_email.id == by_id.id == KOFI and by_id.isVisitor
    [first, second, third] = onlyoffice_sandbox.requests()
    assert first.headers["authorization"] == company.ONLYOFFICE_TOKEN  # no scheme, as the docs say
    assert (first.path, second.path, second.query) == (
        "/api/2.0/people/@self",
        "/api/2.0/people/email",
        "email=KOFI.MENSAH%40acme.test",
    )
    assert third.path == f"/api/2.0/people/{KOFI}"


async def test_updating_the_title_alone_keeps_the_guests_contacts_guest_status_and_lead(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    await onlyoffice.update_user(KOFI, build(OnlyofficeUserUpdate, {"title": "Lead contractor"}))

    after = await onlyoffice.user(KOFI)
    assert after.title == "Lead contractor"
    assert after.isVisitor is True
    assert after.lead == ANNA
    assert [(c["type"], c["value"]) for c in after.contacts] == [
        ("mail", "kofi@contractor.test"),
        ("skype", "kofi.m"),
    ]
    [put] = onlyoffice_sandbox.requests("PUT")
    assert put.json()["isVisitor"] is True and put.json()["lead"] == ANNA and len(put.json()["contacts"]) == 2


async def test_the_sandbox_catches_a_careless_client_that_sends_only_the_title(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    headers = {"Authorization": company.ONLYOFFICE_TOKEN}
    url = f"{onlyoffice_sandbox.url}/api/2.0/people/{KOFI}.json"
    answer = await http.put(url, json={"title": "Lead contractor"}, headers=headers)

    user = answer.json()["response"]
    assert answer.status_code == 200
    assert "contacts" not in user and "lead" not in user and user["isVisitor"] is False  # wiped, promoted


async def test_enabling_a_terminated_user_goes_through_the_status_endpoint_and_disabling_through_put(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    enabled = await onlyoffice.update_user(GLEB, build(OnlyofficeUserUpdate, {"disable": False}))
    disabled = await onlyoffice.update_user(
        ANNA, build(OnlyofficeUserUpdate, {"disable": True, "title": "Owner"})
    )

    assert enabled.status == 1
    puts = onlyoffice_sandbox.requests("PUT")
    assert puts[0].path == "/api/2.0/people/status/Active" and puts[0].json() == {"userIds": [GLEB]}
    assert puts[-1].path == f"/api/2.0/people/{ANNA}" and puts[-1].json()["disable"] is True
    assert disabled.status == 2 and disabled.title == "Owner"


async def test_a_put_on_a_terminated_user_is_explained_with_onlyoffices_words(
    onlyoffice: OnlyofficeClient,
) -> None:
    with pytest.raises(Exception, match="The user is suspended"):
        await onlyoffice.update_user(GLEB, build(OnlyofficeUserUpdate, {"title": "x"}))


async def test_a_login_is_made_once_and_renewed_before_the_token_expires(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    await client.me()
    assert len(onlyoffice_sandbox.requests("POST", "/authentication")) == 1

    onlyoffice_sandbox.option(token_ttl=60)  # shorter than the 5 minutes Steward renews ahead
    client2 = login_client(http, onlyoffice_sandbox)
    await client2.me()
    await client2.me()
    assert len(onlyoffice_sandbox.requests("POST", "/authentication")) == 3
    body = onlyoffice_sandbox.requests("POST", "/authentication")[0].json()
    assert body == {"userName": company.ONLYOFFICE_USERNAME, "password": company.ONLYOFFICE_PASSWORD}


async def test_a_401_on_a_login_token_logs_in_again_once(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    onlyoffice_sandbox.app.tokens.clear()  # the portal forgot the token (restart, logout)

    me = await client.me()

    assert me.userName == "steward"
    assert len(onlyoffice_sandbox.requests("POST", "/authentication")) == 2


async def test_a_wrong_password_is_tried_once_and_names_the_settings(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OnlyofficeClient(
        http, onlyoffice_sandbox.url, username=company.ONLYOFFICE_USERNAME, password="wrong-pass"
    )
    with pytest.raises(VendorAuthError) as caught:
        await client.me()
    assert "ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD" in str(caught.value)
    assert len(onlyoffice_sandbox.requests("POST", "/authentication")) == 1  # no lock-out by retries


async def test_503_with_retry_after_is_waited_out(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    onlyoffice_sandbox.fail(Fault(status=503, body="", headers={"Retry-After": "1"}, method="GET"))
    with stamina.set_testing(False):
        me = await onlyoffice.me()
    first, second = onlyoffice_sandbox.requests("GET")
    assert me.userName == "steward"
    assert (first.status, second.status) == (503, 200)
    assert second.time - first.time >= 1.0


async def test_invalid_input_is_refused_before_any_request(
    onlyoffice: OnlyofficeClient, onlyoffice_sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidValue, match="at least one field"):
        await onlyoffice.update_user(KOFI, OnlyofficeUserUpdate())
    with pytest.raises(InvalidValue, match="GUID"):
        await onlyoffice.find("user", "kofi")
    assert onlyoffice_sandbox.requests() == []


async def test_the_password_and_tokens_appear_in_no_log_line_or_error(
    onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = login_client(http, onlyoffice_sandbox)
    await client.me()
    token = next(iter(onlyoffice_sandbox.app.tokens))
    onlyoffice_sandbox.fail(Fault(status=500, body='{"status":1,"error":{"message":"boom"}}', times=10))
    with pytest.raises(Exception) as caught:
        await client.me()
    text = caplog.text + str(caught.value) + repr(client)
    for secret in (company.ONLYOFFICE_PASSWORD, token):
        assert secret not in text
