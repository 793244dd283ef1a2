"""What a body at /slack/events must be before Bolt sees it, checked in this order: at most
`MAX_BODY` bytes (`read_capped`), signed by Slack (`signed`), and well formed (`well_formed`).

Bolt parses the body before it checks the signature, and its listener matchers index the parsed
payload blindly (`body["actions"][0]["action_id"]`, `"id" in body["user"]`): a malformed body
from anyone became a 500 with an ERROR traceback, and so did JSON nested deeper than Python's
recursion limit. Nothing is parsed here before the signature holds. Slack itself always sends
these shapes, so a signed body without them is nobody's request and is answered 400 without
reaching Bolt."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

#: The largest body taken, in bytes. Slack's stay far below it: the biggest carry a whole modal
#: (at most 100 blocks) or message (at most 50) with their state.
MAX_BODY = 1 << 20


async def read_capped(
    chunks: AsyncGenerator[bytes, None], length: str | None, limit: int = MAX_BODY
) -> bytes | None:
    """The body from `chunks`, or None once it is over `limit` bytes: at once when its
    Content-Length (`length`) says so, else as soon as the bytes read pass it; what is left of
    it is never read."""
    if length is not None and length.isascii() and length.isdigit() and int(length) > limit:
        return None  # uvicorn has refused (400) a Content-Length that is not digits
    parts: list[bytes] = []
    size = 0
    async with contextlib.aclosing(chunks):
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                return None
            parts.append(chunk)
    return b"".join(parts)


def signed(raw: bytes, timestamp: str | None, signature: str | None, verifier: SignatureVerifier) -> bool:
    """Whether Slack signed `raw` (`x-slack-request-timestamp`, `x-slack-signature`) with a
    timestamp within five minutes of now: Bolt's own check, made before anything parses it."""
    try:
        return verifier.is_valid(raw, timestamp, signature)
    except ValueError:  # a timestamp that is not a number, or a body that is not UTF-8
        return False


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str)


def _optional_object(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def well_formed(raw: bytes, content_type: str | None) -> bool:
    try:
        body = parse_body(raw.decode("utf-8", errors="replace"), content_type)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep for Python
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
