"""What the fake Slack knows and how it answers each Web API method: the bot's identity, the user
directory, the channels the bot is not in, and every message posted, with its updates and its
thread replies. Unknown methods answer `{"ok": true}`, as bolt-python's own mock server does."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BOT = {
    "url": "https://acme.slack.test/",
    "team": "Acme",
    "team_id": "T0STEWARD",
    "user": "steward",
    "user_id": "U0STEWARDBOT",
    "bot_id": "B0STEWARD",
}


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None = None
    updates: int = 0


def _json(value: Any) -> Any:
    """Form bodies carry blocks and views as JSON strings; JSON bodies carry them as they are."""
    return json.loads(value) if isinstance(value, str) else value


class Workspace:
    def __init__(self, users: dict[str, dict[str, Any]], not_in: set[str]) -> None:
        self.users, self.not_in = users, not_in
        self._lock = threading.Lock()
        self._messages: dict[tuple[str, str], Message] = {}
        self._serial = itertools.count(1)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
            self, "_" + method.replace(".", "_"), None
        )
        return handler(args) if handler else {"ok": True}

    # --- reading the state -------------------------------------------------------------------

    def message(self, channel: str, ts: str) -> Message:
        with self._lock:
            found = self._messages.get((channel, ts))
            if found is None:
                raise AssertionError(f"no message {ts} in {channel}; Slack has {sorted(self._messages)}")
            return found

    def thread(self, channel: str, ts: str) -> list[Message]:
        with self._lock:
            return [m for m in self._messages.values() if m.channel == channel and m.thread_ts == ts]

    def cards(self) -> list[Message]:
        """Top-level messages in channels (not threads, not direct messages)."""
        with self._lock:
            return [m for m in self._messages.values() if m.thread_ts is None and m.channel[0] != "D"]

    # --- the methods, named after Slack's (`chat.postMessage` -> `_chat_postMessage`) ----------

    def _next_ts(self) -> str:
        # unique and increasing, shaped like Slack's message timestamps
        return f"1700000000.{next(self._serial):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, **BOT}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        if channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        ts, text, blocks = self._next_ts(), str(args.get("text", "")), _json(args.get("blocks") or [])
        thread_ts = args.get("thread_ts")
        with self._lock:
            self._messages[(channel, ts)] = Message(channel, ts, text, blocks, thread_ts)
        message = {"type": "message", "bot_id": BOT["bot_id"], "ts": ts, "text": text, "blocks": blocks}
        return {"ok": True, "channel": channel, "ts": ts, "message": message | _if(thread_ts=thread_ts)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        with self._lock:
            message = self._messages.get((channel, ts))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.blocks = _json(args.get("blocks") or [])
            message.text, message.updates = str(args.get("text", "")), message.updates + 1
            shown = {"text": message.text, "blocks": message.blocks}
        return {"ok": True, "channel": channel, "ts": ts, "text": shown["text"], "message": shown}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args.get("view") or {})
        view_id = args.get("view_id") or "V0FORM"
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{next(self._serial)}"}}

    _views_update = _views_push = _views_open

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user"))
        user = self.users.get(user_id)
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        name = str(user.get("real_name", user_id))
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": BOT["team_id"],
                "name": name.lower().replace(" ", "."),
                "real_name": name,
                "deleted": False,
                "is_bot": False,
                "profile": {"real_name": name, **user},
            },
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": f"D0{str(args.get('users', 'X'))[:8]}"}}


def _if(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
