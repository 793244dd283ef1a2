"""A sandbox JetBrains Hub: users as vendor-docs/hub-update-user.txt and notes/vendor-apis.md
§3.10 describe them, at both REST roots (`/api/rest` standalone, `/hub/api/rest` inside YouTrack).

    GET  /users/{id}?fields=     a UUID, `me` (the steward account) or `guest`
    GET  /users?query=&$skip=&$top=&fields=   → {"type", "skip", "top", "total", "users": [...]}
    POST /users/{id}?fields=     a partial user; other query parameters
                                 (failOnPermissionReduce, …) are ignored, as Hub does
    GET  /usergroups?query=&$skip=&$top=&fields=   → {"type", "usergroups": [...]} with `fields`
                                 naming each group's fields (and the page's total, skip, top)
    GET  /usergroups/{id}?fields=                  a group; `ownUsers` and `users` (hub_groups)
    POST /usergroups/{id}/users?fields=            `{"id": <user id>}` → the user
    DELETE /usergroups/{id}/users/{userId}         → 200, no body

Every API request needs `Authorization: Bearer <company.HUB_TOKEN>`; errors are the JetBrains
body `{"error", "error_description"[, "error_field", "error_children"]}`.

Options (constructor keywords, or `/__sandbox__/options` at run time):
    rate_limit_429   0   the next N API requests answer 429 with `Retry-After: 1` (Hub documents
                         no limit; this is for testing the retry path)
    extra_users      0   that many generated users more, bulk1…bulkN (bulk benchmarks)
    extra_groups     0   that many generated empty groups more, Bulk Group 1…N (paging)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.sandbox import company
from bot.sandbox import hub_data as data
from bot.sandbox import hub_groups as groups
from bot.sandbox.common import SandboxApp, SandboxState, with_extras
from bot.sandbox.hub_fields import FieldsError, parse_fields, trim, trim_page
from bot.sandbox.hub_query import QueryError, compile_query

Handler = Callable[[Request], Awaitable[Response]]

DEFAULTS: dict[str, Any] = {"rate_limit_429": 0, "extra_users": 0, "extra_groups": 0}
ROOTS = ("/api/rest", "/hub/api/rest")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
PAGE = 100  # $top when none is given (unconfirmed; -1 means no limit, as for user groups)
TEXT = ("login", "name", "banReason", "banBadge")
FLAGS = ("banned", "guest")
#: Type-checked in a POST but never written: `guest` marks Hub's one built-in guest account.
#: UNCONFIRMED whether Hub refuses or ignores a change to it; the sandbox ignores it.
READ_ONLY = ("guest",)


def error(status: int, code: str, description: str, **more: Any) -> JSONResponse:
    """The JetBrains error body (notes/vendor-apis.md §3.8)."""
    return JSONResponse({"error": code, "error_description": description, **more}, status_code=status)


def not_found(what: str) -> JSONResponse:
    return error(404, "Not Found", f"Entity with id {what} not found")


class HubSandbox(SandboxApp):
    kept = ("users", "groups")

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise TypeError(f"HubSandbox has no option {', '.join(unknown)}; it has {', '.join(DEFAULTS)}")
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self._extras = 0
        self._extra_groups = 0
        super().__init__(SandboxState({**DEFAULTS, **options}))

    def reset_data(self) -> None:
        self.users = data.sample_users()
        self.groups = data.sample_groups()
        self._extras = 0
        self._extra_groups = 0
        self._sync_extras()

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for root in ROOTS:
            routes += [
                Route(f"{root}/users", self._api(self.list_users), methods=["GET"]),
                Route(f"{root}/users/{{user_id}}", self._api(self.get_user), methods=["GET"]),
                Route(f"{root}/users/{{user_id}}", self._api(self.update_user), methods=["POST"]),
                Route(f"{root}/usergroups", self._api(self.list_groups), methods=["GET"]),
                Route(f"{root}/usergroups/{{group_id}}", self._api(self.get_group), methods=["GET"]),
                Route(f"{root}/usergroups/{{group_id}}/users", self._api(self.add_member), methods=["POST"]),
                Route(
                    f"{root}/usergroups/{{group_id}}/users/{{user_id}}",
                    self._api(self.remove_member),
                    methods=["DELETE"],
                ),
                # No ban endpoint or anything else here: banning is POST /users/{id} (§3.5).
                Route(f"{root}/{{rest:path}}", self._api(self.nothing), methods=ALL_METHODS),
            ]
        return routes

    # -- what every API request goes through --------------------------------------------------

    def _api(self, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            options = self.state.options
            if int(options["rate_limit_429"]) > 0:
                options["rate_limit_429"] = int(options["rate_limit_429"]) - 1
                refused = error(429, "too_many_requests", "Too many requests")
                refused.headers["Retry-After"] = "1"
                return refused
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or token.strip() != company.HUB_TOKEN:
                return error(401, "unauthorized", "The token is missing, not valid or has expired")
            self._sync_extras()
            try:
                return await handler(request)
            except (FieldsError, QueryError) as err:
                return error(400, "bad_request", str(err))

        return endpoint

    def _sync_extras(self) -> None:
        wanted = int(self.state.options["extra_users"])
        if wanted != self._extras:
            self.users = with_extras(self.users, wanted, data.is_extra, data.extra_user)
            self._extras = wanted
        wanted = int(self.state.options["extra_groups"])
        if wanted != self._extra_groups:
            self.groups = with_extras(self.groups, wanted, data.is_extra_group, data.extra_group)
            self._extra_groups = wanted

    def _lookup(self, user_id: str) -> dict[str, Any] | None:
        aliases = {"me": data.STEWARD_LOGIN, "guest": data.GUEST_LOGIN}
        if user_id in aliases:
            user_id = data.user_id(aliases[user_id])
        return self.users.get(user_id)

    def _answer(self, request: Request, value: Any) -> Response:
        return JSONResponse(trim(value, parse_fields(request.query_params.get("fields"))))

    def _shown(self, user: dict[str, Any]) -> dict[str, Any]:
        """A stored user as Hub answers it: with the groups that hold them directly."""
        return user | {"groups": groups.direct_groups(user["id"], self.groups)}

    def _window(self, request: Request) -> tuple[int, int] | Response:
        """`$skip` and `$top` of a list request, or Hub's 400."""
        params = request.query_params
        try:
            skip = int(params.get("$skip", "0"))
            top = int(params.get("$top", str(PAGE)))
        except ValueError:
            return error(400, "bad_request", "$skip and $top must be whole numbers")
        if skip < 0:
            return error(400, "bad_request", "$skip must not be negative")
        return skip, top

    # -- endpoints -----------------------------------------------------------------------------

    async def nothing(self, request: Request) -> Response:
        return error(404, "Not Found", "HTTP 404 Not Found")

    async def get_user(self, request: Request) -> Response:
        user = self._lookup(request.path_params["user_id"])
        if user is None:
            return not_found(request.path_params["user_id"])
        return self._answer(request, self._shown(user))

    async def list_users(self, request: Request) -> Response:
        window = self._window(request)
        if isinstance(window, Response):
            return window
        skip, top = window
        matching = compile_query(request.query_params.get("query", ""))
        found = [u for u in self.users.values() if matching(u)]
        page = [self._shown(u) for u in (found[skip:] if top < 0 else found[skip : skip + top])]
        return self._answer(
            request, {"type": "userPage", "skip": skip, "top": top, "total": len(found), "users": page}
        )

    async def update_user(self, request: Request) -> Response:
        user = self._lookup(request.path_params["user_id"])
        if user is None:
            return not_found(request.path_params["user_id"])
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return error(400, "bad_request", "The request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "bad_request", "A user object was expected")
        updated, refused = self._changed(user, body)
        if refused is not None:
            return refused
        self.users[updated["id"]] = updated
        return self._answer(request, self._shown(updated))

    # -- user groups (hub_groups) --------------------------------------------------------------

    def _view(self, group: dict[str, Any]) -> dict[str, Any]:
        return groups.view(group, self.groups, self.users, self._shown)

    async def list_groups(self, request: Request) -> Response:
        window = self._window(request)
        if isinstance(window, Response):
            return window
        skip, top = window
        matching = compile_query(request.query_params.get("query", ""), "user groups")
        found = [view for view in map(self._view, self.groups.values()) if matching(view)]
        page = found[skip:] if top < 0 else found[skip : skip + top]
        body = {"type": "userGroupPage", "skip": skip, "top": top, "total": len(found), "usergroups": page}
        return JSONResponse(trim_page(body, "usergroups", parse_fields(request.query_params.get("fields"))))

    async def get_group(self, request: Request) -> Response:
        group = self.groups.get(request.path_params["group_id"])
        if group is None:
            return not_found(request.path_params["group_id"])
        return self._answer(request, self._view(group))

    async def add_member(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return error(400, "bad_request", "The request body is not valid JSON")
        try:
            user = groups.add(request.path_params["group_id"], body, self.groups, self.users)
        except groups.MembershipError as err:
            return error(err.status, err.code, err.description)
        return self._answer(request, self._shown(user))

    async def remove_member(self, request: Request) -> Response:
        params = request.path_params
        try:
            groups.remove(params["group_id"], params["user_id"], self.groups, self.users)
        except groups.MembershipError as err:
            return error(err.status, err.code, err.description)
        return Response(status_code=200)

    def _changed(self, user: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], Response | None]:
        """`user` with the partial `body` applied, or Hub's 400 for the first thing wrong."""
        updated = copy.deepcopy(user)
        for name in (*TEXT, *FLAGS):
            if name not in body:
                continue
            kind = str if name in TEXT else bool
            if not isinstance(body[name], kind):
                expected = "a string" if kind is str else "a boolean"
                return updated, error(400, "bad_request", f"`{name}` must be {expected}", error_field=name)
            if name not in READ_ONLY:
                updated[name] = body[name]
        if "profile" in body:
            refused = _apply_email(updated, body["profile"])
            if refused is not None:
                return updated, refused
        login = str(updated["login"])
        if not login or any(ch.isspace() for ch in login):
            child = {
                "error": "login-is-invalid",
                "error_description": f"Login `{login}` must not be empty or contain spaces",
                "error_field": "login",
            }
            return updated, error(400, "invalid_properties", "invalid login", error_children=[child])
        if any(u["login"].lower() == login.lower() and u["id"] != updated["id"] for u in self.users.values()):
            return updated, error(
                400,
                "must-be-unique",
                f"Login {login} is already taken",
                error_developer_message="Value of the login property must be unique",
                error_field="login",
            )
        if not str(updated["name"]).strip():
            return updated, error(400, "invalid_properties", "Full name is required", error_field="name")
        if not updated["banned"]:
            # Unconfirmed: the sandbox forgets the reason and badge when a user is unbanned.
            updated.pop("banReason", None)
            updated.pop("banBadge", None)
        return updated, None


def _apply_email(updated: dict[str, Any], profile: Any) -> Response | None:
    """`profile.email.email` (§3.7); a new address is not verified yet."""
    email = profile.get("email") if isinstance(profile, dict) else None
    address = email.get("email") if isinstance(email, dict) else None
    if not isinstance(profile, dict) or (email is not None and not isinstance(email, dict)):
        return error(400, "bad_request", '`profile` must be {"email": {"email": …}}', error_field="profile")
    if address is None:
        return None
    if not isinstance(address, str) or "@" not in address or any(ch.isspace() for ch in address):
        return error(400, "invalid_properties", f"Email {address} is not valid", error_field="email")
    stored = updated["profile"].setdefault("email", {"type": "EmailJSON", "id": data.user_id(address)})
    if stored.get("email") != address:
        stored |= {"email": address, "verified": False}
    return None
