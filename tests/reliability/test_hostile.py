"""Hostile bodies at /slack/events: Steward answers each without a 5xx, calls no vendor and logs
no traceback at ERROR. A body over 1 MiB is refused (413) as it arrives; one without a valid
signature (or with a signature taken from another body) is refused (401) before it is parsed; a
signed one that cannot be parsed, however deep its nesting, is refused (400)."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ADMIN, CHANNEL, Rig
from tests.rig import signing

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ODD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["\u202e\u0000", "𝕊" * 4000, "\ufeff" * 100, "{", "[]", "null", "1e309"]
)
KNOWN = [
    "command",
    "text",
    "user_id",
    "channel_id",
    "response_url",
    "trigger_id",
    "team_id",
    "payload",
    "ssl_check",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ODD,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "user",
                    "actions",
                    "view",
                    "container",
                    "channel",
                    "id",
                    "value",
                    "action_id",
                    "state",
                    "values",
                    "private_metadata",
                    "callback_id",
                    "message",
                    "ts",
                ]
            )
            | ODD,
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def assert_harmless(rig: Rig, body: str) -> None:
    answer = rig.post(body)
    assert answer.status < 500, (body[:300], answer.status)


def assert_nothing_reached_vendors_or_error_log(rig: Rig) -> None:
    assert rig.vendor_calls() == []
    log = rig.log.read_text()
    errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    assert errors == [], "\n".join(errors[:20])


def test_random_signed_form_bodies_are_answered_without_a_5xx(rig: Rig) -> None:
    @FUZZ
    @given(st.dictionaries(st.sampled_from(KNOWN) | ODD, ODD, max_size=8))
    def post(fields: dict[str, str]) -> None:
        assert_harmless(rig, urlencode(fields))

    post()
    assert_nothing_reached_vendors_or_error_log(rig)


def test_random_signed_interactive_payloads_are_answered_without_a_5xx(rig: Rig) -> None:
    @FUZZ
    @given(
        JSON,
        st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut", None, 7]),
    )
    def post(payload: Any, kind: Any) -> None:
        if isinstance(payload, dict) and kind is not None:
            payload = payload | {"type": kind}
        assert_harmless(rig, urlencode({"payload": json.dumps(payload)}))

    post()
    assert_nothing_reached_vendors_or_error_log(rig)


def test_wrong_types_in_known_fields_are_answered_without_a_5xx(rig: Rig) -> None:
    wrong = (
        st.none()
        | st.integers()
        | st.lists(st.integers(), max_size=3)
        | st.dictionaries(ODD, ODD, max_size=2)
    )

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {
                "type": st.just("block_actions"),
                "user": wrong | st.fixed_dictionaries({"id": wrong}),
                "channel": wrong | st.fixed_dictionaries({"id": wrong}),
                "container": wrong | st.fixed_dictionaries({"message_ts": wrong}),
                "actions": wrong
                | st.lists(st.fixed_dictionaries({"action_id": wrong, "value": wrong}), max_size=2),
                "response_url": wrong,
            }
        )
    )
    def post(payload: dict[str, Any]) -> None:
        assert_harmless(rig, urlencode({"payload": json.dumps(payload)}))

    post()
    assert_nothing_reached_vendors_or_error_log(rig)


def test_a_signature_reused_with_another_body_is_refused(rig: Rig) -> None:
    signed = signing.slash_command(
        "check", user_id=ADMIN, channel_id=CHANNEL, response_url=rig.slack.hooks_url
    )
    other = signing.slash_command(
        "kaiten user 2 set theme=dark", user_id=ADMIN, channel_id=CHANNEL, response_url=rig.slack.hooks_url
    )
    answer = httpx.post(
        f"{rig.url}/slack/events", content=other, headers=signing.sign(signing_secret(), signed)
    )
    assert answer.status_code == 401
    assert rig.vendor_calls() == []


def signing_secret() -> str:
    from tests.e2e.conftest import SECRET

    return SECRET


# --- size, signature first, depth (issue 14, point 8) -------------------------------------------

MIB = 1 << 20
NESTED = 100_000  # far past Python's recursion limit, which json's parser obeys


def send_slowly(url: str, size: int, *, chunked: bool) -> tuple[int | None, int]:
    """POST `size` unsigned bytes to /slack/events over a raw socket, 64 KiB at a time, looking
    for an answer for 20 ms before each piece and stopping at the first; returns its status (None if none
    came) and how many body bytes were sent. httpx writes a whole body before it reads, and a
    server that refuses mid-body and hangs up leaves it a broken pipe instead of the answer."""
    host, port = url.removeprefix("http://").split(":")
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{length}\r\n\r\n"
    )
    piece = b"a" * (64 * 1024)
    sent = 0
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.encode())
        try:
            while sent < size and not select.select([sock], [], [], 0.02)[0]:
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if sent >= size and chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # Steward answered and hung up while this was still sending
            pass
        answer = b""
        with contextlib.suppress(OSError):
            while b"\r\n" not in answer and (data := sock.recv(4096)):
                answer += data
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_unsigned_32_mib_body_is_refused_413_while_healthz_keeps_answering(
    rig: Rig, chunked: bool
) -> None:
    size = 32 * MIB
    outcome: list[tuple[int | None, int]] = []
    sender = threading.Thread(target=lambda: outcome.append(send_slowly(rig.url, size, chunked=chunked)))
    sender.start()
    health = []
    try:
        while True:  # at least once, and for as long as the body is on its way
            health.append(httpx.get(f"{rig.url}/healthz", timeout=5).status_code)
            if not sender.is_alive():
                break
            time.sleep(0.05)
    finally:
        sender.join(timeout=60)
    [(status, sent)] = outcome
    assert status == 413, (status, sent)
    assert sent < size  # refused while it was still arriving, not after reading it whole
    assert set(health) == {200}
    assert_nothing_reached_vendors_or_error_log(rig)


def test_a_signed_body_of_1_mib_is_taken_and_one_byte_more_is_refused_413(rig: Rig) -> None:
    def verification(size: int) -> str:
        envelope = json.dumps({"type": "url_verification", "token": signing.TOKEN, "challenge": ""})
        challenge = "c" * (size - len(envelope))
        return envelope.replace('"challenge": ""', f'"challenge": "{challenge}"')

    at_limit = verification(MIB)
    assert len(at_limit) == MIB
    taken = rig.post(at_limit, headers={"content-type": "application/json"})
    assert taken.status == 200 and len(taken.json()["challenge"]) == len(json.loads(at_limit)["challenge"])
    refused = rig.post(verification(MIB + 1), headers={"content-type": "application/json"})
    assert refused.status == 413, refused.status


def test_a_signed_body_nested_100000_deep_gets_400_and_logs_no_error(rig: Rig) -> None:
    deep = "[" * NESTED + "]" * NESTED
    for body in (urlencode({"payload": deep}), urlencode({"payload": '{"type": ' + deep + "}"})):
        answer = rig.post(body)
        assert answer.status == 400, (answer.status, answer.body[:300])
    answer = rig.post(
        '{"type": "event_callback", "event": ' + deep + "}", headers={"content-type": "application/json"}
    )
    assert answer.status == 400, (answer.status, answer.body[:300])
    assert_nothing_reached_vendors_or_error_log(rig)


def test_an_unsigned_or_badly_signed_body_gets_401_before_it_is_parsed(rig: Rig) -> None:
    deep = urlencode({"payload": "[" * NESTED + "]" * NESTED})
    unsigned = httpx.post(
        f"{rig.url}/slack/events",
        content=deep,
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert unsigned.status_code == 401, (unsigned.status_code, unsigned.text[:300])
    assert rig.post(deep, secret="not-the-signing-secret").status == 401
    assert rig.post(urlencode({"payload": "{"}), secret="not-the-signing-secret").status == 401
    assert rig.post("token=x", headers={"x-slack-request-timestamp": "soon"}).status == 401
    assert_nothing_reached_vendors_or_error_log(rig)


def test_slacks_url_verification_and_ssl_check_are_answered_as_before(rig: Rig) -> None:
    challenge = json.dumps(
        {"token": signing.TOKEN, "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"}
    )
    answer = rig.post(challenge, headers={"content-type": "application/json"})
    assert answer.status == 200 and answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595"}
    assert rig.post(urlencode({"ssl_check": "1", "token": signing.TOKEN})).status == 200


def test_a_client_that_hangs_up_halfway_through_its_body_leaves_no_error(rig: Rig) -> None:
    host, port = rig.url.removeprefix("http://").split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: steward\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=x&te"
            )
    assert httpx.get(f"{rig.url}/healthz", timeout=5).status_code == 200
    time.sleep(0.5)  # for the server to notice the hang-ups, and log whatever it logs of them
    assert_nothing_reached_vendors_or_error_log(rig)
