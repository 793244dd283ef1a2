"""What the three sandbox vendors share: a request log tests can read, switches for latency and
faults, a fixed-window rate limiter, and the control routes under `/__sandbox__/`.

Control routes (outside every vendor's API root, so no client can hit them by mistake):
    GET    /__sandbox__/requests      the recorded API requests, oldest first
    DELETE /__sandbox__/requests      forget them
    POST   /__sandbox__/faults        {"latency": 2.0, "faults": [Fault, ...]}  (replaces both)
    DELETE /__sandbox__/faults        no latency, no faults
    POST   /__sandbox__/options       vendor switches, e.g. {"plan_groups": false}
    POST   /__sandbox__/reset         sample data, log, faults and options back to the start

A Fault answers the next matching request instead of the vendor (`times` requests, default 1):
    {"status": 500, "body": "...", "content_type": "text/plain", "headers": {...},
     "method": "PATCH", "path": "/users/", "times": 3, "delay": 0}
    {"kind": "malformed"}   a 200 whose body is not JSON
    {"kind": "html", "status": 502}   an HTML error page, as a proxy in front of a vendor sends
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTROL = "/__sandbox__"


@dataclass
class Recorded:
    """One API request the sandbox received."""

    time: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Fault:
    status: int = 500
    body: str = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "status"  # status | malformed | html
    method: str = ""
    path: str = ""
    times: int = 1
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (not self.method or self.method.upper() == method) and (not self.path or self.path in path)

    def response(self) -> Response:
        if self.kind == "malformed":
            return Response('{"response": {"id": 1,', status_code=200, media_type="application/json")
        if self.kind == "html":
            page = f"<html><body><h1>{self.status} Bad Gateway</h1><hr>nginx</body></html>"
            return Response(page, status_code=self.status, media_type="text/html")
        return Response(
            self.body, status_code=self.status, media_type=self.content_type, headers=self.headers
        )


class SandboxState:
    """Log, faults and options of one sandbox vendor; safe to read from another thread."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.defaults = dict(options or {})
        self.options: dict[str, Any] = dict(self.defaults)
        self.log: list[Recorded] = []
        self.latency = 0.0
        self.faults: list[Fault] = []

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.log.append(entry)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method) and (path is None or path in r.path)
            ]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def set_faults(self, latency: float = 0.0, faults: list[Fault] | None = None) -> None:
        with self._lock:
            self.latency = latency
            self.faults = list(faults or [])

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def reset(self) -> None:
        with self._lock:
            self.options = dict(self.defaults)
            self.log.clear()
            self.latency = 0.0
            self.faults = []


class FixedWindow:
    """`limit` requests per key in each window of `seconds`, windows aligned to the epoch, as
    vendors that send an epoch `X-RateLimit-Reset` count them."""

    def __init__(self, limit: int, seconds: float = 1.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, int, float]:
        """(allowed, remaining, reset epoch) for one more request by `key`."""
        now = time.time() if now is None else now
        window = int(now // self.seconds)
        with self._lock:
            if len(self._counts) > 1000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        reset = (window + 1) * self.seconds
        return count <= self.limit, max(0, self.limit - count), reset


class Recorder:
    """ASGI middleware: record every API request, then apply latency and faults."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL):
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        entry = Recorded(
            time=time.time(),
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=body.decode("utf-8", "replace"),
        )
        self.state.record(entry)

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            await send(message)

        if self.state.latency:
            await asyncio.sleep(self.state.latency)
        fault = self.state.take_fault(scope["method"], scope["path"])
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            await fault.response()(scope, replay, capture)
            return
        await self.app(scope, replay, capture)


def control_routes(state: SandboxState, reset_data: Callable[[], None]) -> list[BaseRoute]:
    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.clear_log()
            return JSONResponse({"ok": True})
        return JSONResponse([asdict(r) for r in state.requests()])

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.set_faults()
            return JSONResponse({"ok": True})
        data = await request.json()
        state.set_faults(float(data.get("latency", 0.0)), [Fault(**f) for f in data.get("faults", [])])
        return JSONResponse({"ok": True})

    async def options(request: Request) -> Response:
        state.options.update(await request.json())
        return JSONResponse(state.options)

    async def reset(request: Request) -> Response:
        state.reset()
        reset_data()
        return JSONResponse({"ok": True})

    return [
        Route(f"{CONTROL}/requests", requests, methods=["GET", "DELETE"]),
        Route(f"{CONTROL}/faults", faults, methods=["POST", "DELETE"]),
        Route(f"{CONTROL}/options", options, methods=["POST"]),
        Route(f"{CONTROL}/reset", reset, methods=["POST"]),
    ]


class SandboxApp:
    """A sandbox vendor: its Starlette routes wrapped in the `Recorder`, plus control routes.

    Subclasses set `state`, build their routes in `routes()` and their sample data in `reset_data()`.
    """

    #: The attributes that hold the sample company as calls have changed it: what the sandbox
    #: of a terminal keeps between `steward run` calls (bot/sandbox/saved.py).
    kept: ClassVar[tuple[str, ...]] = ("users",)

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.reset_data()
        self.starlette = Starlette(routes=[*control_routes(state, self.reset_data), *self.routes()])
        self._asgi = Recorder(self.starlette, state)

    def routes(self) -> list[BaseRoute]:
        raise NotImplementedError

    def reset_data(self) -> None:
        raise NotImplementedError

    def snapshot(self) -> dict[str, list[list[Any]]]:
        """The kept data as JSON: each mapping as [key, value] pairs, so integer keys stay integers."""
        return {name: [[key, value] for key, value in getattr(self, name).items()] for name in self.kept}

    def restore(self, saved: Mapping[str, Any]) -> None:
        for name in self.kept:
            pairs = saved.get(name)
            if isinstance(pairs, list):
                setattr(self, name, {key: value for key, value in pairs})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def with_extras(
    users: dict[Any, dict[str, Any]],
    wanted: int,
    is_extra: Callable[[dict[str, Any]], bool],
    make: Callable[[int], dict[str, Any]],
) -> dict[Any, dict[str, Any]]:
    """`users` without the generated ones, plus `wanted` fresh ones made by `make(1…wanted)`,
    keyed by their `id` (the `extra_users` option, for bulk runs)."""
    kept = {key: user for key, user in users.items() if not is_extra(user)}
    for number in range(1, wanted + 1):
        extra = make(number)
        kept[extra["id"]] = extra
    return kept
