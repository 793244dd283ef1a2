"""Hostile bodies, correctly signed, at /slack/events: Steward answers each without a 5xx, calls
no vendor and logs no traceback at ERROR. A signature taken from another body is refused."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

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
    import httpx

    answer = httpx.post(
        f"{rig.url}/slack/events", content=other, headers=signing.sign(signing_secret(), signed)
    )
    assert answer.status_code == 401
    assert rig.vendor_calls() == []


def signing_secret() -> str:
    from tests.e2e.conftest import SECRET

    return SECRET
