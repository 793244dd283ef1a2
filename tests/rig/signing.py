"""Requests as Slack sends them: signed (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`), with the
payload shapes of slash commands, block actions and view submissions."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM = {"id": "T0STEWARD", "domain": "acme"}


def sign(secret: str, body: str, ts: int | None = None) -> dict[str, str]:
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
    trigger_id: str = "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel_id,
            "channel_name": "ops",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/steward",
            "text": text,
            "api_app_id": "A0STEWARD",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def _payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    action_id: str, value: str, *, user_id: str, channel_id: str, message_ts: str, response_url: str
) -> str:
    return _payload(
        {
            "type": "block_actions",
            "team": TEAM,
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": TEAM["id"],
            },
            "api_app_id": "A0STEWARD",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": "13345224609.8534564800.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "channel": {"id": channel_id, "name": "ops"},
            "message": {"type": "message", "ts": message_ts, "text": "card"},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": f"decide:{value}",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                    "text": {"type": "plain_text", "text": action_id},
                }
            ],
        }
    )


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    user_id: str,
    private_metadata: str,
    view_id: str = "V0FORM",
    blocks: list[Any] | None = None,
) -> str:
    return _payload(
        {
            "type": "view_submission",
            "team": TEAM,
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": TEAM["id"],
            },
            "api_app_id": "A0STEWARD",
            "token": "legacy-verification-token",
            "trigger_id": "13345224609.8534564800.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "view": {
                "id": view_id,
                "team_id": TEAM["id"],
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "hash": "156772938.1827394",
                "blocks": blocks or [],
                "state": {"values": values},
            },
            "response_urls": [],
        }
    )
