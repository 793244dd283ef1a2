"""Requests as Slack sends them: signed (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`), with the
payload shapes of slash commands, block actions (in a message or in a modal) and view submissions.

Slash commands arrive as plain form fields; interactivity arrives as one form field `payload`
holding JSON. Actions inside a modal carry no channel, message or response_url — only the view.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

TEAM = {"id": "T0STEWARD", "domain": "acme"}
APP_ID = "A0STEWARD"
BOT_ID = "B0STEWARD"
TOKEN = "legacy-verification-token"  # Slack still sends it; Bolt ignores it
TRIGGER = "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536"


def new_trigger() -> str:
    """A trigger id as Slack makes one, different each call: Slack gives every command its own."""
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def sign(secret: str, body: str, ts: int | None = None) -> dict[str, str]:
    """Headers that make `body` a genuine Slack request; `ts` defaults to now (Bolt refuses
    timestamps more than 300 s away from its clock)."""
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": f"v0={digest}",
    }


def slash_command(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    team_id: str = TEAM["id"],
    trigger_id: str | None = None,
    command: str = "/steward",
) -> str:
    """A slash command; each gets a fresh trigger id unless `trigger_id` is given (Steward takes a
    second delivery of one trigger id for a replay)."""
    return urlencode(
        {
            "token": TOKEN,
            "team_id": team_id,
            "team_domain": TEAM["domain"],
            "channel_id": channel_id,
            "channel_name": "ops",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger(),
        }
    )


def block_actions(
    action_id: str,
    value: str,
    *,
    user_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    block_id: str | None = None,
    message_text: str = "card",
    message_blocks: list[Any] | None = None,
    trigger_id: str = TRIGGER,
) -> str:
    """A button clicked in a message the bot posted in `channel_id` at `message_ts`."""
    return _payload(
        {
            **_envelope("block_actions", user_id, trigger_id),
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": "ops"},
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": BOT_ID,
                "ts": message_ts,
                "text": message_text,
                "blocks": message_blocks or [],
            },
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [_button(action_id, value, block_id or f"decide:{value}")],
        }
    )


def block_actions_in_view(
    action_id: str,
    value: str,
    *,
    user_id: str,
    view_id: str = "V0FORM",
    callback_id: str = "steward_form",
    private_metadata: str = "",
    state_values: dict[str, dict[str, Any]] | None = None,
    block_id: str = "actions",
    blocks: list[Any] | None = None,
    trigger_id: str = TRIGGER,
) -> str:
    """A button clicked inside an open modal (a fresh trigger_id comes with it, for views.push)."""
    view = _view(view_id, callback_id, private_metadata, state_values or {}, blocks)
    return _payload(
        {
            **_envelope("block_actions", user_id, trigger_id),
            "container": {"type": "view", "view_id": view_id},
            "view": view,
            "actions": [_button(action_id, value, block_id)],
        }
    )


def view_submission(
    callback_id: str,
    state_values: dict[str, dict[str, Any]],
    private_metadata: str = "",
    *,
    user_id: str,
    view_id: str = "V0FORM",
    blocks: list[Any] | None = None,
    trigger_id: str = TRIGGER,
) -> str:
    """A modal submitted; `state_values` is `{block_id: {action_id: {"type": …, "value": …}}}`."""
    return _payload(
        {
            **_envelope("view_submission", user_id, trigger_id),
            "view": _view(view_id, callback_id, private_metadata, state_values, blocks),
            "response_urls": [],
        }
    )


def _payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _envelope(kind: str, user_id: str, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": TEAM,
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM["id"]},
        "api_app_id": APP_ID,
        "token": TOKEN,
        "trigger_id": trigger_id,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _button(action_id: str, value: str, block_id: str) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "type": "button",
        "action_ts": f"{time.time():.6f}",
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
    }


def _view(
    view_id: str,
    callback_id: str,
    private_metadata: str,
    state_values: dict[str, dict[str, Any]],
    blocks: list[Any] | None,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": TEAM["id"],
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "hash": "156772938.1827394",
        "title": {"type": "plain_text", "text": "Steward", "emoji": True},
        "submit": {"type": "plain_text", "text": "Next", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "blocks": blocks or [],
        "state": {"values": state_values},
        "root_view_id": view_id,
        "previous_view_id": None,
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "app_id": APP_ID,
        "app_installed_team_id": TEAM["id"],
        "bot_id": BOT_ID,
    }
