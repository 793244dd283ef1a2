"""What a body at /slack/events must look like before Bolt sees it.

Bolt parses the body before it checks the signature, and its listener matchers index the parsed
payload blindly (`body["actions"][0]["action_id"]`, `"id" in body["user"]`): a malformed body
from anyone became a 500 with an ERROR traceback. Slack itself always sends these shapes, so a
body without them is nobody's request and is answered 400 without reaching Bolt."""

from __future__ import annotations

from typing import Any

from slack_bolt.request.internals import parse_body


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str)


def _optional_object(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def well_formed(raw: bytes, content_type: str | None) -> bool:
    try:
        body = parse_body(raw.decode("utf-8", errors="replace"), content_type)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    if "type" not in body:  # a slash command or ssl_check: form fields, always strings
        return all(isinstance(v, str) for v in body.values())
    kind = body["type"]
    if kind == "url_verification":  # Slack's check of the Request URL, answered by Bolt
        return isinstance(body.get("challenge"), str)
    if not isinstance(kind, str) or not _has_id(body.get("user")):
        return False
    if not all(_optional_object(body.get(k)) for k in ("channel", "container", "team", "message")):
        return False
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
            and all(isinstance(a.get("block_id", ""), str) for a in actions)
        )
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return isinstance(view, dict) and isinstance(view.get("callback_id"), str)
    return kind in ("shortcut", "message_action") and isinstance(body.get("callback_id"), str)
