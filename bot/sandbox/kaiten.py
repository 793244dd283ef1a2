"""A sandbox Kaiten: users and groups as vendor-docs/kaiten-*.txt describe them, with the
behaviour notes/vendor-apis.md §1.7 lists (bare arrays, no GET /users/{id}, empty 403/404
bodies, 402 without the groups feature, 5 requests per second per token), group members under
/groups/{uid}/users, deactivation through PATCH /company/users/{id} and the company users with
their groups at GET /company/users (§4.1).

Options (constructor keywords, or `/__sandbox__/options` at run time):
    plan_groups         True   False: every group endpoint answers 402, as on a tariff without groups
    rate_limit          True   count requests per token in one-second windows aligned to the epoch
    rate                5      requests allowed per window
    retry_after_header  False  also send Retry-After with a 429 (Kaiten documents only X-RateLimit-*)
    extra_users         0      that many generated users more, ids from 1000 (bulk benchmarks)
    fail_after_write    0      the next N writes (PATCH, and POST/DELETE of a group member) are
                               applied, then answered 500, as when a proxy loses the answer: what
                               a retried write must survive
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.sandbox import company
from bot.sandbox import kaiten_data as data
from bot.sandbox.common import FixedWindow, SandboxApp, SandboxState, with_extras

Handler = Callable[[Request], Awaitable[Response]]

DEFAULTS: dict[str, Any] = {
    "plan_groups": True,
    "rate_limit": True,
    "rate": 5,
    "retry_after_header": False,
    "extra_users": 0,
    "fail_after_write": 0,
}
PREFIXES = ("/api/latest", "/api/v1")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
USERS_MAX = 100  # GET /users: "limit Default: 100 Max: 100"; GET /groups/{uid}/users: limit 1..100


def _message(status: int, text: str) -> Response:
    return JSONResponse({"message": text}, status_code=status)


def _empty(status: int) -> Response:
    """403 and 404: "Response body does not exist"."""
    return Response(status_code=status)


class KaitenSandbox(SandboxApp):
    kept = ("users", "groups")

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise TypeError(f"KaitenSandbox has no option {', '.join(unknown)}; it has {', '.join(DEFAULTS)}")
        self.users: dict[int, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self._extras = 0
        self._window = FixedWindow(int(DEFAULTS["rate"]))
        super().__init__(SandboxState({**DEFAULTS, **options}))

    def reset_data(self) -> None:
        self.users = data.sample_users()
        self.groups = data.sample_groups()
        self._extras = 0
        self._window = FixedWindow(int(self.state.options["rate"]))  # no counts left by a test before
        self._sync_extras()

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for root in PREFIXES:
            routes += [
                Route(f"{root}/users/current", self._api(self.current_user), methods=["GET"]),
                Route(f"{root}/users", self._api(self.list_users), methods=["GET"]),
                Route(f"{root}/users/{{id}}", self._api(self.patch_user), methods=["PATCH"]),
                Route(f"{root}/company/users", self._api(self.list_company_users), methods=["GET"]),
                Route(f"{root}/company/users/{{id}}", self._api(self.patch_company_user), methods=["PATCH"]),
                Route(f"{root}/company/groups", self._api(self.list_groups, groups=True), methods=["GET"]),
                Route(
                    f"{root}/company/groups/{{uid}}",
                    self._api(self.one_group, groups=True),
                    methods=["GET", "PATCH"],
                ),
                # Members live under /groups/, not /company/groups/ (notes/vendor-apis.md §1.3).
                Route(
                    f"{root}/groups/{{uid}}/users",
                    self._api(self.group_users, groups=True),
                    methods=["GET", "POST"],
                ),
                Route(
                    f"{root}/groups/{{uid}}/users/{{user_id}}",
                    self._api(self.remove_group_user, groups=True),
                    methods=["DELETE"],
                ),
                # Everything else, GET /users/{id} included: Kaiten documents no such endpoint.
                Route(f"{root}/{{rest:path}}", self._api(self.nothing), methods=ALL_METHODS),
            ]
        return routes

    # -- what every API request goes through --------------------------------------------------

    def _api(self, handler: Handler, *, groups: bool = False) -> Handler:
        async def endpoint(request: Request) -> Response:
            headers, refused = self._count(request)
            if refused is not None:
                response = refused
            elif not self._authorized(request):
                response = PlainTextResponse("Invalid token", status_code=401)
            elif groups and not self.state.options["plan_groups"]:
                response = _message(402, "Feature is not supported by tariff")
            else:
                self._sync_extras()
                response = await handler(request)
            response.headers.update(headers)
            return response

        return endpoint

    def _count(self, request: Request) -> tuple[dict[str, str], Response | None]:
        """The rate-limit headers for this request, and the 429 when it is one too many."""
        options = self.state.options
        if not options["rate_limit"]:
            return {}, None
        rate = int(options["rate"])
        if self._window.limit != rate:
            self._window = FixedWindow(rate)
        allowed, remaining, reset = self._window.hit(request.headers.get("authorization", ""))
        headers = {"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(int(reset))}
        if allowed:
            return headers, None
        extra = {}
        if options["retry_after_header"]:
            extra["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
        return headers, Response(status_code=429, headers=extra)  # the body is undocumented

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == company.KAITEN_TOKEN

    def _sync_extras(self) -> None:
        wanted = int(self.state.options["extra_users"])
        if wanted == self._extras:
            return
        self.users = with_extras(
            self.users,
            wanted,
            lambda user: int(user["id"]) >= data.EXTRA_FROM,
            lambda number: data.extra_user(data.EXTRA_FROM + number - 1),
        )
        self._extras = wanted

    async def _body(self, request: Request) -> tuple[Any, Response | None]:
        raw = await request.body()
        if not raw.strip():
            return None, None
        try:
            return json.loads(raw), None
        except ValueError:
            return None, _message(400, "Unexpected token in JSON")

    def _lose_answer(self) -> Response | None:
        """After a write was applied: the 500 `fail_after_write` asks for, if any is left."""
        left = int(self.state.options["fail_after_write"])
        if left <= 0:
            return None
        self.state.options["fail_after_write"] = left - 1
        return PlainTextResponse("Internal Server Error", status_code=500)

    # -- users --------------------------------------------------------------------------------

    async def current_user(self, request: Request) -> Response:
        return JSONResponse(data.shown(self.users[1], data.LIST_FIELDS))

    async def list_users(self, request: Request) -> Response:
        params = request.query_params
        try:
            ids = {int(i) for i in params["ids"].split(",") if i.strip()} if "ids" in params else None
            limit = min(int(params.get("limit", USERS_MAX)), USERS_MAX)
            offset = int(params.get("offset", 0))
        except ValueError:
            return _message(400, "ids, limit and offset should be integers")
        if limit < 1 or offset < 0:
            return _message(400, "limit should be >= 1 and offset should be >= 0")
        rows = sorted(self.users.values(), key=lambda u: int(u["id"]))
        if params.get("include_inactive", "false").lower() not in ("true", "1"):
            rows = [u for u in rows if u["role"] != data.DEACTIVATED]
        if ids is not None:
            rows = [u for u in rows if u["id"] in ids]
        needle = params.get("query", "").strip().lower()
        if needle:  # a substring of the e-mail or the full name
            rows = [u for u in rows if needle in u["email"].lower() or needle in u["full_name"].lower()]
        return JSONResponse([data.shown(u, data.LIST_FIELDS) for u in rows[offset : offset + limit]])

    async def patch_user(self, request: Request) -> Response:
        body, bad = await self._body(request)
        if bad is not None:
            return bad
        problem = data.check_user_patch(body)
        if problem:
            return _message(400, problem)
        user = self._user(request.path_params["id"])
        if user is None:
            return _empty(404)
        for name, value in body.items():
            if name == "password":
                user["has_password"] = True  # the sandbox keeps no passwords
            elif name != "old_password":
                user[name] = value
        user["updated"] = data.stamp()
        return self._lose_answer() or JSONResponse(data.shown(user, data.PATCH_FIELDS))

    async def list_company_users(self, request: Request) -> Response:
        """GET /company/users (DOC company-users/get-list-of-users; notes/vendor-apis.md §4.1):
        a bare array of company users, each with `role`, `temporarily_inactive` and `groups`.
        With `for_members_section=true` it is paged (`limit` 1..100, `offset`) and `query`
        keeps those whose e-mail or full name holds the text; without it, `query`, `limit` and
        `offset` "work only with for_members_section" and every user comes. Deactivated users
        are members too (`temporarily_inactive_status`, a filter the sandbox does not take, would
        narrow them)."""
        params = request.query_params
        rows = sorted(self.users.values(), key=lambda u: int(u["id"]))
        if params.get("for_members_section", "false").lower() in ("true", "1"):
            try:
                limit = min(int(params.get("limit", USERS_MAX)), USERS_MAX)
                offset = int(params.get("offset", 0))
            except ValueError:
                return _message(400, "limit and offset should be integers")
            if limit < 1 or offset < 0:
                return _message(400, "limit should be >= 1 and offset should be >= 0")
            needle = params.get("query", "").strip().lower()
            if needle:
                rows = [u for u in rows if needle in u["email"].lower() or needle in u["full_name"].lower()]
            rows = rows[offset : offset + limit]
        return JSONResponse([self._company_user(u) for u in rows])

    async def patch_company_user(self, request: Request) -> Response:
        """PATCH /company/users/{id} (DOC company-users/update-user; notes/vendor-apis.md §4.1):
        `temporarily_inactive` true makes the user's `role` 3 (deactivated), false gives back the
        role they had (a user of the sample company deactivated from the start comes back as 2).
        Answers the company user."""
        body, bad = await self._body(request)
        if bad is not None:
            return bad
        problem = data.check_company_user_patch(body)
        if problem:
            return _message(400, problem)
        user = self._user(request.path_params["id"])
        if user is None:
            return _empty(404)
        if "apps_permissions" in body:
            user["apps_permissions"] = body["apps_permissions"]
        inactive = body.get("temporarily_inactive")
        if inactive is True and user["role"] != data.DEACTIVATED:
            user["role_before_deactivation"] = user["role"]  # never shown: not in any answer's fields
            user["role"] = data.DEACTIVATED
        elif inactive is False and user["role"] == data.DEACTIVATED:
            user["role"] = user.pop("role_before_deactivation", data.MEMBER)
        user["updated"] = data.stamp()
        return self._lose_answer() or JSONResponse(self._company_user(user))

    def _company_user(self, user: dict[str, Any]) -> dict[str, Any]:
        shown = data.shown(user, data.COMPANY_USER_FIELDS)
        shown["temporarily_inactive"] = user["role"] == data.DEACTIVATED
        # The spec types `groups` as one CompanyUserGroup; a user may be in several, so a list.
        shown["groups"] = [
            data.shown(group, data.GROUP_FIELDS)
            for group in sorted(self.groups.values(), key=lambda g: int(g["id"]))
            if user["id"] in group.get("members", ())
        ]
        return shown

    def _user(self, raw_id: str) -> dict[str, Any] | None:
        return self.users.get(int(raw_id)) if raw_id.isascii() and raw_id.isdigit() else None

    # -- groups -------------------------------------------------------------------------------

    async def list_groups(self, request: Request) -> Response:
        params = request.query_params
        try:
            limit = int(params.get("limit", USERS_MAX))
            offset = int(params.get("offset", 0))
        except ValueError:
            return _message(400, "limit and offset should be integers")
        rows = sorted(self.groups.values(), key=lambda g: int(g["id"]))
        needle = params.get("query", "").strip().lower()
        if needle:
            rows = [g for g in rows if needle in g["name"].lower()]
        return JSONResponse([data.shown(g, data.GROUP_FIELDS) for g in rows[offset : offset + limit]])

    async def one_group(self, request: Request) -> Response:
        group = self.groups.get(request.path_params["uid"])
        if request.method == "GET":
            return JSONResponse(data.shown(group, data.GROUP_FIELDS)) if group else _empty(404)
        body, bad = await self._body(request)
        if bad is not None:
            return bad
        problem = data.check_group_patch(body)
        if problem:
            return _message(400, problem)
        if group is None:
            return _empty(404)
        group.update(body)
        group["updated"] = data.stamp()
        return self._lose_answer() or JSONResponse(data.shown(group, data.GROUP_FIELDS))

    async def group_users(self, request: Request) -> Response:
        """GET /groups/{uid}/users: the members, a bare array of group users by id, paged with
        `limit` (1..100) and `offset`; deactivated members are listed too (the docs do not say
        otherwise). POST: `{"user_id": …}` adds one and answers the user."""
        group = self.groups.get(request.path_params["uid"])
        if request.method == "GET":
            params = request.query_params
            try:
                limit = min(int(params.get("limit", USERS_MAX)), USERS_MAX)
                offset = int(params.get("offset", 0))
            except ValueError:
                return _message(400, "limit and offset should be integers")
            if limit < 1 or offset < 0:
                return _message(400, "limit should be >= 1 and offset should be >= 0")
            if group is None:
                return _empty(404)
            rows = [self.users[i] for i in group.get("members", ()) if i in self.users]
            return JSONResponse([data.shown(u, data.MEMBER_FIELDS) for u in rows[offset : offset + limit]])
        body, bad = await self._body(request)
        if bad is not None:
            return bad
        problem = data.check_member_post(body)
        if problem:
            return _message(400, problem)
        user = self.users.get(body["user_id"])
        if group is None or user is None:
            return _empty(404)
        members = group.setdefault("members", [])
        # UNCONFIRMED: the docs do not say what adding a member again does (notes/vendor-apis.md
        # §4.1); the sandbox answers 200 with the user and changes nothing.
        if user["id"] not in members:
            members.append(user["id"])
            members.sort()
        return self._lose_answer() or JSONResponse(data.shown(user, data.MEMBER_FIELDS))

    async def remove_group_user(self, request: Request) -> Response:
        """DELETE /groups/{uid}/users/{user_id}: answers the removed user."""
        group = self.groups.get(request.path_params["uid"])
        user = self._user(request.path_params["user_id"])
        if group is None or user is None:
            return _empty(404)
        members = group.setdefault("members", [])
        # UNCONFIRMED: the docs do not say what removing a non-member does (notes/vendor-apis.md
        # §4.1); the sandbox answers 200 with the user and changes nothing.
        if user["id"] in members:
            members.remove(user["id"])
        return self._lose_answer() or JSONResponse(data.shown(user, data.MEMBER_FIELDS))

    async def nothing(self, request: Request) -> Response:
        return _empty(404)
