"""A fake Slack Web API on a loopback port: records every call, answers like Slack, keeps the
messages it was sent (with their updates and threads), and can be told to fail.

slack_sdk sends JSON bodies for chat.* and views.*, form bodies for the rest; both are read.
`response_url` posts land on /hooks/… and are recorded as method "response_url".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.serve import LoopbackServer


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None = None
    updates: int = 0


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_in: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self._ts = itertools.count(1)
        self._faults: list[tuple[str, int, dict[str, str], float]] = []
        self.down = False
        self.socket_acks: list[dict[str, Any]] = []
        self._socket: tuple[WebSocket, asyncio.AbstractEventLoop] | None = None
        app = Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["POST", "GET"]),
                Route("/hooks/{rest:path}", self._hook, methods=["POST"]),
                WebSocketRoute("/socket", self._socket_mode),
            ]
        )
        self.server = LoopbackServer(app)  # type: ignore[arg-type]

    # --- life ---------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return f"{self.server.url}/api/"

    @property
    def hooks_url(self) -> str:
        return f"{self.server.url}/hooks/"

    # --- reading what happened ----------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0, where: Any = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, str(c.args)[:200]) for c in self.calls()]
                raise AssertionError(f"waited {timeout} s for {count} × {method}; Slack saw {seen}")
            time.sleep(0.02)

    def thread(self, channel: str, ts: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages.values() if m.channel == channel and m.thread_ts == ts]

    def cards(self) -> list[Message]:
        with self._lock:
            return [
                m for m in self.messages.values() if m.thread_ts is None and not m.channel.startswith("D")
            ]

    def fail(
        self, method: str, *, status: int = 429, times: int = 1, retry_after: float = 1, delay: float = 0
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        with self._lock:
            self._faults += [(method, status, headers, delay)] * times

    # --- Socket Mode ---------------------------------------------------------------------------

    def wait_for_socket(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self._socket is None:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode connection arrived")
            time.sleep(0.02)

    def send_envelope(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Deliver an event over the Socket Mode connection, as Slack does."""
        assert self._socket is not None
        socket, loop = self._socket
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        asyncio.run_coroutine_threadsafe(socket.send_json(envelope), loop).result(5)

    async def _socket_mode(self, socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0STEWARD"}}
        )
        self._socket = (socket, asyncio.get_running_loop())
        try:
            while True:
                text = await socket.receive_text()
                if text.startswith("{"):
                    with self._lock:
                        self.socket_acks.append(json.loads(text))
        except WebSocketDisconnect:
            self._socket = None

    # --- the server ---------------------------------------------------------------------------

    async def _args(self, request: Request) -> dict[str, Any]:
        raw = (await request.body()).decode()
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(request.url.query).items()}
        if raw.strip().startswith("{"):
            args |= json.loads(raw)
        elif raw:
            args |= {k: v[0] for k, v in parse_qs(raw).items()}
        return args

    def _record(self, method: str, args: dict[str, Any], status: int = 200) -> None:
        with self._lock:
            self._calls.append(Call(method, args, time.time(), status))

    async def _hook(self, request: Request) -> Response:
        self._record("response_url", await self._args(request))
        return Response("ok")

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args = await self._args(request)
        fault = None
        with self._lock:
            for item in self._faults:
                if item[0] == method:
                    fault = item
                    self._faults.remove(item)
                    break
        if self.down or fault is not None:
            status = 503 if fault is None else fault[1]
            if fault and fault[3]:
                await asyncio.sleep(fault[3])
            self._record(method, args, status)
            return JSONResponse(
                {"ok": False, "error": "ratelimited"}, status_code=status, headers=fault[2] if fault else {}
            )
        expected = "Bearer xapp-" if method == "apps.connections.open" else f"Bearer {self.token}"
        if not str(request.headers.get("authorization", "")).startswith(expected):
            self._record(method, args, 200)
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        self._record(method, args)
        return JSONResponse(self._answer(method, args), headers={"x-oauth-scopes": "commands,chat:write"})

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.test/",
                "team": "Acme",
                "team_id": "T0STEWARD",
                "user": "steward",
                "user_id": "U0STEWARDBOT",
                "bot_id": "B0STEWARD",
            }
        if method == "chat.postMessage":
            channel = str(args.get("channel"))
            if channel in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
            ts = f"1700000000.{next(self._ts):06d}"
            blocks = args.get("blocks") or []
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            with self._lock:
                self.messages[(channel, ts)] = Message(
                    channel, ts, str(args.get("text", "")), blocks, args.get("thread_ts")
                )
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}
        if method == "chat.update":
            key = (str(args.get("channel")), str(args.get("ts")))
            with self._lock:
                if key not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                message = self.messages[key]
                blocks = args.get("blocks") or []
                message.blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
                message.text, message.updates = str(args.get("text", "")), message.updates + 1
            return {"ok": True, "channel": key[0], "ts": key[1]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.server.url.replace("http://", "ws://") + "/socket"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method in ("views.open", "views.update", "views.push"):
            view = args.get("view") or {}
            view = json.loads(view) if isinstance(view, str) else view
            return {
                "ok": True,
                "view": {"id": args.get("view_id") or "V0FORM", "hash": f"h{next(self._ts)}", **view},
            }
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": args.get("user"), "profile": user}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D0{str(args.get('users', 'X'))[:8]}"}}
        return {"ok": True}
