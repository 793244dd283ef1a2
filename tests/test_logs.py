"""The log filter: configured secrets and Slack's response URLs, in every spelling a logged body
or URL takes, become `•••` before a record is written (issue 14, point 12)."""

from __future__ import annotations

import json
import logging
import sys
from urllib.parse import urlencode

import pytest

from bot.logs import MASK, Redact

HOOK = "https://hooks.slack.com/commands/T0STEWARD/1234567890/0aBcDeFgHiJkLmNoPqRsTuVw"
LOOPBACK = "http://127.0.0.1:8080/hooks/cmd"  # a response_url that is not on Slack's host


def written(
    message: str, *args: object, logger: str = "slack_bolt.AsyncApp", secrets: tuple[str, ...] = ()
) -> str:
    record = logging.LogRecord(logger, logging.DEBUG, __file__, 1, message, args or None, None)
    assert Redact(secrets).filter(record)
    return record.getMessage()


SPELLINGS = {  # how a body carrying a response_url reaches a log line, and what of it must stay
    "form": (
        lambda url: urlencode({"text": "check", "response_url": url, "trigger_id": "1.2"}),
        "trigger_id=1.2",
    ),
    "payload": (
        lambda url: urlencode({"payload": json.dumps({"response_url": url, "type": "x"})}),
        "%22type%22",
    ),
    "json": (lambda url: json.dumps({"response_url": url, "type": "x"}), '"type": "x"'),
    "json-escaped": (lambda url: json.dumps({"response_url": url}).replace("/", "\\/"), "{"),  # Slack's JSON
    "repr": (lambda url: repr({"response_urls": [{"response_url": url, "channel_id": "C1"}]}), "'C1'"),
}


@pytest.mark.parametrize("url", [HOOK, LOOPBACK])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_response_url_in_a_logged_body_is_masked(url: str, spelling: str) -> None:
    spell, kept = SPELLINGS[spelling]
    text = written("Invalid request signature detected (body: %s)", spell(url))
    assert "hooks" not in text and MASK in text and kept in text, text


@pytest.mark.parametrize("url", [HOOK, LOOPBACK])
def test_the_webhook_clients_url_is_masked(url: str) -> None:
    text = written(f"Sending a request - url: {url}, body: {{}}", logger="slack_sdk.webhook.async_client")
    assert text == f"Sending a request - url: {MASK}, body: {{}}"


def test_a_slack_hook_url_is_masked_wherever_it_is_logged() -> None:
    text = written("POST %s failed: 404", HOOK, logger="aiohttp.client")
    assert text == f"POST {MASK} failed: 404"
    assert written("ok, https://slack.com/api/chat.postMessage answered") == (
        "ok, https://slack.com/api/chat.postMessage answered"
    )


def test_configured_secrets_are_still_masked_and_tracebacks_too() -> None:
    try:
        raise RuntimeError(f"vendor said: token xoxb-123456 is bad; respond at {HOOK}")
    except RuntimeError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert Redact(["xoxb-123456"]).filter(record)
    assert (
        record.exc_text and "xoxb-123456" not in record.exc_text and "hooks.slack.com" not in record.exc_text
    )
