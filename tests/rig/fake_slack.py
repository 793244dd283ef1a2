"""A fake Slack Web API on a loopback port: records every call, answers like Slack (see
`workspace.py`), and can be told to fail, hang or go down. Also offers a Socket Mode socket.

slack_sdk sends JSON bodies for chat.* and views.*, form bodies for the rest; both are read.
`response_url` posts land on /hooks/… and are recorded as method "response_url".
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.serve import LoopbackServer
from tests.rig.workspace import Message, Workspace

SCOPES = "commands,chat:write,im:write,users:read,users:read.email"
ERRORS = {429: "ratelimited", 503: "service_unavailable"}  # any other status: fatal_error


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float  # time.time() when the call arrived
    status: int = 200  # the HTTP status it got (a fault's, or 503 while down)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    method: str
    status: int  # 200: answered normally, after the delay
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_in: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self.workspace = Workspace(self.users, self.not_in)
        self._faults: list[_Fault] = []
        self._down = False
        self.socket_acks: list[dict[str, Any]] = []
        self._socket: tuple[WebSocket, asyncio.AbstractEventLoop] | None = None
        app = Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["POST", "GET"]),
                Route("/hooks/{rest:path}", self._hook, methods=["POST"]),
                WebSocketRoute("/socket", self._socket_mode),
            ]
        )
        self.server = LoopbackServer(app)

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

    def calls_from(self, start: int) -> list[Call]:
        """The calls from the `start`-th on (0-based), in order: a poller reads only what is new."""
        with self._lock:
            return self._calls[start:]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 15.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Poll until `count` calls of `method` (matching `where`) arrived. It blocks: from an
        async test whose own loop runs the code under test, use `asyncio.to_thread`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.status, str(c.args)[:200]) for c in self.calls()]
                raise AssertionError(f"waited {timeout} s for {count} × {method}; Slack saw {seen}")
            time.sleep(0.02)

    def clear(self) -> None:
        """Forget the calls so far (messages, faults and down stay)."""
        with self._lock:
            self._calls.clear()

    def message(self, channel: str, ts: str) -> Message:
        """The message as it stands now, after any chat.update."""
        return self.workspace.message(channel, ts)

    def thread(self, channel: str, ts: str) -> list[Message]:
        return self.workspace.thread(channel, ts)

    def cards(self) -> list[Message]:
        return self.workspace.cards()

    # --- faults -------------------------------------------------------------------------------

    def fail(
        self, method: str, *, status: int = 429, times: int = 1, retry_after: int = 1, delay: float = 0
    ) -> None:
        """The next `times` calls of `method` get `status` (429s carry Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        with self._lock:
            self._faults += [_Fault(method, status, delay, headers) for _ in range(times)]

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` are answered normally, but only after `seconds`."""
        with self._lock:
            self._faults += [_Fault(method, 200, seconds) for _ in range(times)]

    def down(self) -> None:
        """Every Web API call answers 503 until `up()`."""
        self._down = True

    def up(self) -> None:
        self._down = False

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

    def _record(self, method: str, args: dict[str, Any], request: Request, status: int = 200) -> None:
        with self._lock:
            self._calls.append(Call(method, args, time.time(), status, dict(request.headers)))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            fault = next((f for f in self._faults if f.method == method), None)
            if fault is not None:
                self._faults.remove(fault)
            return fault

    async def _hook(self, request: Request) -> Response:
        self._record("response_url", await self._args(request), request)
        return Response("ok")

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args = await self._args(request)
        fault = self._take_fault(method)
        status = 503 if self._down else fault.status if fault else 200
        self._record(method, args, request, status)
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        if status != 200:
            body = {"ok": False, "error": ERRORS.get(status, "fatal_error")}
            return JSONResponse(body, status_code=status, headers=fault.headers if fault else {})
        refused = self._refused(method, request.headers.get("authorization", ""))
        if refused:
            return JSONResponse({"ok": False, "error": refused})
        if method == "apps.connections.open":
            answer = {"ok": True, "url": self.server.url.replace("http://", "ws://") + "/socket"}
        else:
            answer = self.workspace.answer(method, args)
        return JSONResponse(answer, headers={"x-oauth-scopes": SCOPES})

    def _refused(self, method: str, authorization: str) -> str | None:
        if not authorization.startswith("Bearer "):
            return "not_authed"
        if method == "apps.connections.open":  # Socket Mode opens with the app-level token
            return None if authorization.startswith("Bearer xapp-") else "invalid_auth"
        return None if authorization == f"Bearer {self.token}" else "invalid_auth"
