"""Every vendor × every way a call can fail: which error Steward raises, what its message tells a
person, and how many times the request was sent.

Faults are injected at the sandbox vendor, on the write itself, over real loopback HTTP.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot import errors
from bot.sandbox import company
from bot.sandbox.common import Fault
from bot.vendors.fields import build
from bot.vendors.hub.client import HubClient
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.kaiten.client import KaitenClient
from bot.vendors.kaiten.models import KaitenUserUpdate
from bot.vendors.onlyoffice.client import OnlyofficeClient
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate
from tests.conftest import Sandbox
from tests.rig.raw_http import answering

ATTEMPTS = 4
TIMEOUT = 0.3
# Rate-limited answers that say when to come back are waited out within the client's patience,
# however many (tests/vendors/test_hub.py); here none is, so each is reported at once.
PATIENCE = 0.0


@dataclass(frozen=True)
class VendorCase:
    """How to reach one vendor, write to it, and shape its error bodies."""

    name: str
    fixture: str
    method: str  # the HTTP method of the write, so faults hit the write and not a read before it
    bodies: dict[int, tuple[str, str]]  # status -> (content type, body)
    message: dict[int, str]  # status -> the vendor's words Steward must quote

    def client(self, http: httpx.AsyncClient, url: str) -> Any:
        if self.name == "Kaiten":
            return KaitenClient(
                http,
                f"{url}/api/latest",
                company.KAITEN_TOKEN,
                timeout=TIMEOUT,
                attempts=ATTEMPTS,
                patience=PATIENCE,
            )
        if self.name == "ONLYOFFICE":
            return OnlyofficeClient(
                http,
                url,
                token=company.ONLYOFFICE_TOKEN,
                timeout=TIMEOUT,
                attempts=ATTEMPTS,
                patience=PATIENCE,
            )
        return HubClient(
            http,
            f"{url}/hub/api/rest",
            company.HUB_TOKEN,
            timeout=TIMEOUT,
            attempts=ATTEMPTS,
            patience=PATIENCE,
        )

    async def write(self, client: Any) -> Callable[[], Awaitable[Any]]:
        """Find a sample user (before any fault is set) and return the write to attempt."""
        email = f"anna.petrova@{company.DOMAIN}"
        [record] = await client.find("user", email)
        model = {"Kaiten": KaitenUserUpdate, "ONLYOFFICE": OnlyofficeUserUpdate, "Hub": HubUserUpdate}[
            self.name
        ]
        field = {
            "Kaiten": {"full_name": "Anna P."},
            "ONLYOFFICE": {"title": "Lead"},
            "Hub": {"name": "Anna P."},
        }
        change = build(model, field[self.name])
        return lambda: client.write("user", record, change)


def _office_error(status: int, message: str) -> tuple[str, str]:
    return "application/json", f'{{"status":1,"statusCode":{status},"error":{{"message":"{message}"}}}}'


def _hub_error(error: str, description: str) -> tuple[str, str]:
    return "application/json", f'{{"error":"{error}","error_description":"{description}"}}'


KAITEN = VendorCase(
    "Kaiten",
    "kaiten_sandbox",
    "PATCH",
    bodies={
        400: ("application/json", '{"message":"full_name must be shorter"}'),
        401: ("text/plain", "Invalid token"),
        402: ("application/json", '{"message":"Feature is not supported by tariff"}'),
        403: ("text/plain", ""),
        404: ("text/plain", ""),
        429: ("text/plain", ""),
        500: ("text/plain", "Internal error"),
        503: ("text/plain", ""),
    },
    message={400: "full_name must be shorter", 402: "Feature is not supported by tariff"},
)
OFFICE = VendorCase(
    "ONLYOFFICE",
    "onlyoffice_sandbox",
    "PUT",
    bodies={
        400: _office_error(400, "Invalid arguments"),
        401: ("text/plain", "Unauthorized"),
        402: _office_error(402, "Your pricing plan does not support this"),
        403: _office_error(403, "Access denied"),
        404: _office_error(404, "user not found"),
        429: _office_error(429, "Too many requests"),
        # a message that is none of the refusals ONLYOFFICE raises (test below): a server fault
        500: _office_error(500, "Object reference not set to an instance of an object."),
        503: ("text/plain", ""),
    },
    message={
        400: "Invalid arguments",
        402: "Your pricing plan does not support this",
        403: "Access denied",
        404: "user not found",
        500: "Object reference not set to an instance of an object",
    },
)
HUB = VendorCase(
    "Hub",
    "hub_sandbox",
    "POST",
    bodies={
        400: _hub_error("invalid_properties", "invalid login"),
        401: _hub_error("unauthorized", "Token is invalid"),
        402: _hub_error("payment_required", "License limit reached"),
        403: _hub_error("forbidden", "You have no permission to update user"),
        404: _hub_error("Not Found", "Entity with id 42 not found"),
        429: _hub_error("too_many_requests", "Slow down"),
        500: _hub_error("server_error", "Database is locked"),
        503: ("text/plain", ""),
    },
    message={
        400: "invalid login",
        401: "Token is invalid",
        402: "License limit reached",
        403: "You have no permission to update user",
        404: "Entity with id 42 not found",
        500: "Database is locked",
    },
)
VENDORS = [KAITEN, OFFICE, HUB]

# status -> (error class, attempts made, words every message must contain)
STATUSES: dict[int, tuple[type[errors.VendorError], int, tuple[str, ...]]] = {
    400: (errors.VendorRejected, 1, ("did not accept", "Nothing was changed")),
    401: (errors.VendorAuthError, 1, ("rejected Steward's credentials", "An operator must check")),
    402: (errors.VendorPlanError, 1, ("not in the company's plan",)),
    403: (errors.VendorForbidden, 1, ("may not", "403")),
    404: (errors.VendorNotFound, 1, ("has no user",)),
    429: (errors.VendorRateLimited, 1, ("too many", "429", "after 1 attempt")),
    500: (errors.VendorServerError, ATTEMPTS, ("500 Internal Server Error", "unknown whether")),
    503: (errors.VendorRateLimited, 1, ("503",)),
}
CREDENTIAL = {"Kaiten": "KAITEN_TOKEN", "ONLYOFFICE": "ONLYOFFICE_TOKEN", "Hub": "HUB_TOKEN"}


def _fault(vendor: VendorCase, status: int) -> Fault:
    content_type, body = vendor.bodies[status]
    headers = {}
    if status == 429:
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 1)}
        if vendor.name != "Kaiten":
            headers = {"Retry-After": "1"}
    if status == 503:
        headers = {"Retry-After": "1"}
    return Fault(
        status=status, body=body, content_type=content_type, headers=headers, method=vendor.method, times=50
    )


@pytest.mark.parametrize("status", sorted(STATUSES))
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
async def test_a_vendor_status_is_explained_and_retried_only_when_retrying_can_help(
    vendor: VendorCase, status: int, request: pytest.FixtureRequest, http: httpx.AsyncClient
) -> None:
    sandbox: Sandbox = request.getfixturevalue(vendor.fixture)
    client = vendor.client(http, sandbox.url)
    write = await vendor.write(client)
    sandbox.fail(_fault(vendor, status))

    with pytest.raises(errors.VendorError) as caught:
        await write()

    kind, attempts, words = STATUSES[status]
    err = caught.value
    text = str(err)
    assert type(err) is kind, text
    assert err.attempts_made == attempts
    assert len(sandbox.requests(vendor.method)) == attempts
    assert text.startswith(vendor.name) or f" {vendor.name} " in text or f"{vendor.name}'s" in text
    for word in words:
        assert word in text
    if status in vendor.message:
        assert vendor.message[status] in text
    if status == 401:
        assert CREDENTIAL[vendor.name] in text


# ONLYOFFICE raises its own refusals as plain exceptions, which reach the client as 500 with the
# error envelope (CommunityServer ApiHttpHandler); the texts are the server's (EmployeeApi.cs,
# PermissionResolver/AuthorizingException.cs, Resource.resx). Each is thrown before anything is saved.
OFFICE_REFUSALS = [
    ("The user is suspended", errors.VendorRefused, "enable"),
    ("The user is not suspended", errors.VendorRefused, "disable"),
    ("Exceeds the maximum active users (50)", errors.VendorRefused, "Free a seat"),
    ("Incorrect firstname or lastname", errors.VendorRejected, "Correct the value"),
    ("User with this email is already registered", errors.VendorRejected, "Correct the value"),
    (
        '\\"Boris Ivanov\\" access denied \\"Edit user information, \\". '
        "Cause: Edit user information: access denied..",
        errors.VendorForbidden,
        "rights",
    ),
]


@pytest.mark.parametrize(
    ("message", "kind", "remedy"),
    OFFICE_REFUSALS,
    ids=["suspended", "not suspended", "no seat", "name", "email taken", "access denied"],
)
async def test_an_onlyoffice_refusal_sent_as_a_500_is_not_retried_and_nothing_was_changed(
    message: str,
    kind: type[errors.VendorError],
    remedy: str,
    onlyoffice_sandbox: Sandbox,
    http: httpx.AsyncClient,
) -> None:
    client = OFFICE.client(http, onlyoffice_sandbox.url)
    write = await OFFICE.write(client)
    content_type, body = _office_error(500, message)
    onlyoffice_sandbox.fail(Fault(status=500, body=body, content_type=content_type, method="PUT", times=50))

    with pytest.raises(errors.VendorError) as caught:
        await write()

    err, text = caught.value, str(caught.value)
    assert err.attempts_made == 1 and len(onlyoffice_sandbox.requests("PUT")) == 1, text
    assert err.changed == "no" and "Nothing was changed." in text and "unknown whether" not in text
    assert type(err) is kind, text
    assert message.replace("\\", "").rstrip(".") in text and "(500)" in text
    assert remedy in text


@pytest.mark.parametrize(
    "body",
    [
        '{"status":1,"statusCode":500,"error":{"message":"","hresult":-2146233088}}',
        '{"status":1,"statusCode":500,"error":{"message":"The user is suspended for now"}}',
        '{"status":1,"statusCode":500}',
    ],
    ids=["no message", "not a refusal text", "no error"],
)
async def test_an_onlyoffice_500_without_a_refusal_it_is_known_to_raise_stays_a_server_fault(
    body: str, onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = OFFICE.client(http, onlyoffice_sandbox.url)
    write = await OFFICE.write(client)
    onlyoffice_sandbox.fail(Fault(status=500, body=body, method="PUT", times=50))

    with pytest.raises(errors.VendorServerError) as caught:
        await write()

    assert caught.value.attempts_made == ATTEMPTS
    assert "unknown whether the change was applied" in str(caught.value)


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
async def test_a_vendor_that_does_not_answer_in_time_is_tried_again_then_reported_as_unknown(
    vendor: VendorCase, request: pytest.FixtureRequest, http: httpx.AsyncClient
) -> None:
    sandbox: Sandbox = request.getfixturevalue(vendor.fixture)
    client = vendor.client(http, sandbox.url)
    write = await vendor.write(client)
    sandbox.fail(Fault(status=200, body="{}", method=vendor.method, delay=TIMEOUT * 4, times=50))

    with pytest.raises(errors.VendorTimeout) as caught:
        await write()

    assert caught.value.attempts_made == ATTEMPTS
    assert len(sandbox.requests(vendor.method)) == ATTEMPTS
    text = str(caught.value)
    assert f"{vendor.name} did not answer (timed out after {TIMEOUT:g} s)" in text
    assert "unknown whether the change was applied" in text


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
async def test_a_vendor_refusing_connections_is_tried_again_and_nothing_was_changed(
    vendor: VendorCase, http: httpx.AsyncClient
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = vendor.client(http, closed)

    with pytest.raises(errors.VendorUnreachable) as caught:
        await client.whoami()

    assert caught.value.attempts_made == ATTEMPTS
    text = str(caught.value)
    assert f"could not connect to {vendor.name}" in text
    assert "Nothing was changed" in text


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
async def test_a_vendor_that_drops_the_connection_before_answering_is_tried_again_and_said_so(
    vendor: VendorCase, http: httpx.AsyncClient
) -> None:
    async with answering(b"") as (vendor_url, heads):  # reads the request, then hangs up
        client = vendor.client(http, vendor_url)
        with pytest.raises(errors.VendorUnreachable) as caught:
            await client.whoami()

    # aiohttp sends a GET or PUT once more on a new connection when one drops (a keep-alive
    # connection the vendor closed while idle); Steward's own attempts are counted as ever
    assert caught.value.attempts_made == ATTEMPTS and ATTEMPTS <= len(heads) <= 2 * ATTEMPTS
    assert "the connection was closed before an answer" in str(caught.value)
    assert caught.value.changed != "no"  # the request reached the vendor: it may have acted on it


@pytest.mark.parametrize("kind", ["malformed", "html"])
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
async def test_an_answer_that_is_not_the_vendors_json_is_reported_not_guessed(
    vendor: VendorCase, kind: str, request: pytest.FixtureRequest, http: httpx.AsyncClient
) -> None:
    sandbox: Sandbox = request.getfixturevalue(vendor.fixture)
    client = vendor.client(http, sandbox.url)
    write = await vendor.write(client)
    sandbox.fail(Fault(kind=kind, status=502 if kind == "html" else 200, method=vendor.method, times=50))

    with pytest.raises(errors.VendorError) as caught:
        await write()

    text = str(caught.value)
    assert vendor.name in text
    assert "<html" not in text  # a proxy's error page is never pasted into Slack
    if kind == "malformed":
        assert isinstance(caught.value, errors.VendorBadResponse)
        assert caught.value.attempts_made == 1
        assert "could not read" in text
        assert "unknown whether the change was applied" in text
    else:  # a 502 page from a proxy: a server error, retried, then explained
        assert isinstance(caught.value, errors.VendorServerError)
        assert caught.value.attempts_made == ATTEMPTS
        assert "502 Bad Gateway" in text
