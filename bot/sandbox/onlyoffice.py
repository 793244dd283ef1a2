"""The sandbox ONLYOFFICE Workspace, faithful to notes/vendor-apis.md §2.12: login with a
201 envelope, raw and Bearer tokens, the plain-text 401, every path also with `.json`, the
success and error envelopes, and PUT /people/{id} with CommunityServer's omission semantics —
a careless client that leaves out `contacts`, `lead` or `isVisitor` wipes them, as the real
server would.

Options: `rate_limit` (500 requests per 10 s per token → 503 with Retry-After), `token_ttl`
(seconds a login token lives), `seats` (the quota for promoting guests), `extra_users`.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.sandbox import company
from bot.sandbox.common import FixedWindow, SandboxApp, SandboxState
from bot.sandbox.onlyoffice_data import GUID, apply_update, sample_users, shown

OPTIONS = {"rate_limit": True, "token_ttl": 3600, "seats": 50, "extra_users": 0}


def ok(data: Any, status: int = 200) -> JSONResponse:
    body: dict[str, Any] = {
        "count": len(data) if isinstance(data, list) else 1,
        "status": 0,
        "statusCode": status,
    }
    if body["count"] == 0:
        del body["count"]
    return JSONResponse(body | {"response": data}, status_code=status)


def fail(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"status": 1, "statusCode": status, "error": {"message": message}}, status_code=status
    )


class OnlyofficeSandbox(SandboxApp):
    def __init__(self, **options: Any) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}
        self.window = FixedWindow(500, 10.0)
        super().__init__(SandboxState(OPTIONS | options))

    def reset_data(self) -> None:
        self.users = sample_users(int(self.state.options.get("extra_users", 0)))
        self.tokens = {}
        self.window = FixedWindow(500, 10.0)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/2.0/authentication", self.login, methods=["POST"]),
            Route("/api/2.0/authentication.json", self.login, methods=["POST"]),
            Route("/api/2.0/people/{rest:path}", self.people, methods=["GET", "PUT"]),
        ]

    async def login(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        try:
            form = (
                json.loads(raw)
                if raw.strip().startswith("{")
                else {k: v[0] for k, v in parse_qs(raw).items()}
            )
        except ValueError:
            form = {}
        if (
            form.get("userName") != company.ONLYOFFICE_USERNAME
            or form.get("password") != company.ONLYOFFICE_PASSWORD
        ):
            return fail(500, "User authentication failed")
        token = secrets.token_urlsafe(24)
        ttl = float(self.state.options.get("token_ttl", 3600))
        self.tokens[token] = time.time() + ttl
        expires = dt.datetime.now(dt.timezone(dt.timedelta(hours=3))) + dt.timedelta(seconds=ttl)
        return ok({"token": token, "expires": expires.isoformat(timespec="microseconds")}, status=201)

    def _caller(self, request: Request) -> tuple[str | None, Response | None]:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else header
        valid = token == company.ONLYOFFICE_TOKEN or self.tokens.get(token, 0) > time.time()
        if not valid:
            extra = {"WWW-Authenticate": f'Basic Realm="{request.url.hostname}"'} if header else {}
            return None, PlainTextResponse("Unauthorized", status_code=401, headers=extra)
        if self.state.options.get("rate_limit", True):
            allowed, _, reset = self.window.hit(token)
            if not allowed:
                wait = str(max(1, int(reset - time.time() + 0.999)))
                return None, fail_with(503, "Too many requests", {"Retry-After": wait})
        return token, None

    async def people(self, request: Request) -> Response:
        _, refused = self._caller(request)
        if refused is not None:
            return refused
        path = request.path_params["rest"].removesuffix(".json")
        me = GUID("steward")
        if request.method == "GET":
            if path == "@self":
                return ok(shown(self.users[me]))
            if path == "email":
                email = request.query_params.get("email", "").lower()
                found = [u for u in self.users.values() if u["email"].lower() == email]
                return ok(shown(found[0])) if found else fail(404, "User not found")
            if path == "search":
                query = request.query_params.get("query", "").lower()
                hits = [shown(u) for u in self.users.values() if u["status"] == 1 and query in _text(u)]
                return ok(hits)
            found = [u for u in self.users.values() if u["userName"] == path] or (
                [self.users[path]] if path in self.users else []
            )
            return ok(shown(found[0])) if found else fail(404, "User not found")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return fail(400, "Invalid arguments")
        if not isinstance(body, dict):
            return fail(400, "Invalid arguments")
        if path.startswith("status/"):
            return self._status(path.removeprefix("status/"), body, me)
        return self._update(path, body, me)

    def _status(self, status: str, body: dict[str, Any], me: str) -> Response:
        code = {"active": 1, "1": 1, "terminated": 2, "2": 2}.get(status.lower())
        ids = body.get("userIds")
        if code is None or not isinstance(ids, list):
            return fail(400, "Invalid arguments")
        out = []
        for user_id in ids:
            user = self.users.get(str(user_id))
            if user is None:
                continue  # unknown ids are dropped from the result
            if not (user["isOwner"] or user["id"] == me):  # owner and self: skipped silently
                user["status"] = code
                user["terminated"] = None if code == 1 else _now()
            out.append(shown(user))
        return ok(out)

    def _update(self, user_id: str, body: dict[str, Any], me: str) -> Response:
        try:
            GUID.check(user_id)
        except ValueError:
            return fail(500, f"Guid should contain 32 digits with 4 dashes ({user_id})")
        user = self.users.get(user_id)
        if user is None:
            return fail(404, "user not found")
        if user["status"] != 1:
            return fail(500, "The user is suspended")
        seats = int(self.state.options.get("seats", 50))
        active = sum(1 for u in self.users.values() if u["status"] == 1 and not u["isVisitor"])
        error = apply_update(user, body, caller_is_admin=True, free_seats=seats - active, caller=me)
        if error is not None:
            return fail(error[0], error[1])
        return ok(shown(user))


def fail_with(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    response = fail(status, message)
    response.headers.update(headers)
    return response


def _text(user: dict[str, Any]) -> str:
    return " ".join(str(user.get(k, "")) for k in ("firstName", "lastName", "userName", "email")).lower()


def _now() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=3))).strftime("%Y-%m-%dT%H:%M:%S.%f0+03:00")
