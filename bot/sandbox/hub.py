"""The sandbox JetBrains Hub: users at `/api/rest` and `/hub/api/rest`, faithful to
notes/vendor-apis.md §3.10 — Bearer `perm:` tokens, `fields` trimming (every object carries
`type`), `query=` lookups that match loosely (so a client must filter), partial updates by
POST with Hub's validation, and the JetBrains error body.

Options: `rate_limit_429` (the next N API requests answer 429 with Retry-After: 1) and
`extra_users` (that many generated users, for bulk runs).
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.sandbox import company
from bot.sandbox.common import SandboxApp, SandboxState
from bot.sandbox.hub_fields import matches, parse_fields, trim

NAMESPACE = uuid.UUID("5b0d9c1e-6f8e-4a59-9d0a-0c3e3f1b7a11")
ROOTS = ("/api/rest", "/hub/api/rest")
CREATED = 1724937379886  # epoch millis, as Hub reports creationTime


def user_id(login: str) -> str:
    return str(uuid.uuid5(NAMESPACE, login))


def _user(login: str, name: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "user",
        "id": user_id(login),
        "login": login,
        "name": name,
        "banned": False,
        "guest": False,
        "creationTime": CREATED,
        "profile": {
            "type": "profile",
            "id": user_id(login + ":profile"),
            "email": {"type": "EmailJSON", "id": user_id(login + ":email"), "email": email, "verified": True},
        },
    } | extra


def sample_users(extra: int = 0) -> dict[str, dict[str, Any]]:
    users = [_user(p.login, p.full_name, p.email) for p in company.people("hub")]
    for u in users:
        if u["login"] == "emil.novak":
            u |= {"banned": True, "banReason": "Left the company (HR-1042)", "banBadge": "left"}
        if u["login"] == "kofi.mensah":
            u["guest"] = True
    users.append(_user("lberg-old", "Lena Berg (old account)", f"lena.berg@{company.DOMAIN}"))
    users += [_user(f"bulk{n}", f"Bulk User {n}", f"bulk{n}@{company.DOMAIN}") for n in range(1, extra + 1)]
    return {u["id"]: u for u in users}


def error(status: int, code: str, description: str, **more: Any) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description, **more}, status_code=status)


STEWARD = user_id("steward")
SCALARS = {"login": str, "name": str, "banReason": str, "banBadge": str, "banned": bool, "guest": bool}


class HubSandbox(SandboxApp):
    def __init__(self, **options: Any) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        super().__init__(SandboxState({"rate_limit_429": 0, "extra_users": 0} | options))

    def reset_data(self) -> None:
        self.users = sample_users(int(self.state.options.get("extra_users", 0)))

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for root in ROOTS:
            routes += [
                Route(f"{root}/users", self.list_users, methods=["GET"]),
                Route(f"{root}/users/{{user_id}}", self.get_user, methods=["GET"]),
                Route(f"{root}/users/{{user_id}}", self.update_user, methods=["POST"]),
            ]
        return routes

    def _refuse(self, request: Request) -> Response | None:
        if self.state.options.get("rate_limit_429", 0) > 0:
            self.state.options["rate_limit_429"] -= 1
            return Response("", status_code=429, headers={"Retry-After": "1"})
        if request.headers.get("authorization") != f"Bearer {company.HUB_TOKEN}":
            return error(401, "unauthorized", "The token is not valid or has expired")
        return None

    def _lookup(self, user_id: str) -> dict[str, Any] | None:
        if user_id == "me":
            user_id = STEWARD
        if user_id == "guest":
            return {
                "type": "user",
                "id": "guest",
                "login": "guest",
                "name": "Guest",
                "guest": True,
                "banned": False,
            }
        return self.users.get(user_id)

    async def get_user(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        user = self._lookup(request.path_params["user_id"])
        if user is None:
            return error(404, "Not Found", f"Entity with id {request.path_params['user_id']} not found")
        return JSONResponse(trim(user, parse_fields(request.query_params.get("fields"))))

    async def list_users(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        query = request.query_params.get("query", "")
        try:
            skip = int(request.query_params.get("$skip", "0"))
            top = int(request.query_params.get("$top", "100"))
        except ValueError:
            return error(400, "bad_request", "$skip and $top must be numbers")
        found = [u for u in self.users.values() if matches(u, query)]
        page = found[skip:] if top < 0 else found[skip : skip + top]
        answer = {"type": "userPage", "skip": skip, "top": top, "total": len(found), "users": page}
        tree = parse_fields(request.query_params.get("fields"))
        return JSONResponse(trim(answer, tree))

    async def update_user(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        user = self._lookup(request.path_params["user_id"])
        if user is None or user["id"] == "guest":
            return error(404, "Not Found", f"Entity with id {request.path_params['user_id']} not found")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return error(400, "bad_request", "Request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "bad_request", "A user object was expected")
        updated = copy.deepcopy(user)
        for name, kind in SCALARS.items():
            if name in body:
                if not isinstance(body[name], kind):
                    return error(
                        400, "bad_request", f"Field {name} must be {kind.__name__}", error_field=name
                    )
                updated[name] = body[name]
        email = ((body.get("profile") or {}).get("email") or {}).get("email")
        if email is not None:
            if not isinstance(email, str) or "@" not in email:
                return error(400, "invalid_properties", "Email is not valid", error_field="email")
            updated["profile"]["email"] |= {"email": email, "verified": False}
        login = updated["login"]
        if not login or any(c.isspace() for c in login):
            child = {"error": "login-is-invalid", "error_description": "Login must not contain spaces"}
            return error(
                400, "invalid_properties", "invalid login", error_field="login", error_children=[child]
            )
        if any(u["login"] == login and u["id"] != updated["id"] for u in self.users.values()):
            return error(400, "must-be-unique", f"Login {login} is already taken", error_field="login")
        if not updated.get("banned"):
            updated.pop("banReason", None)
            updated.pop("banBadge", None)
        self.users[updated["id"]] = updated
        return JSONResponse(trim(updated, parse_fields(request.query_params.get("fields"))))
