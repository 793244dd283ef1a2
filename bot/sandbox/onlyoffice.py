"""A sandbox ONLYOFFICE Workspace, faithful to notes/vendor-apis.md §2.12:

    POST /api/2.0/authentication            {userName, password} as JSON or a form → 201
                                            {token, expires}; a wrong password → 500
                                            "User authentication failed"
    GET  /api/2.0/people                    active users
    GET  /api/2.0/people/@self              the caller: the steward account, or Boris Ivanov
    GET  /api/2.0/people/{username or id}   404 "User not found"
    GET  /api/2.0/people/email?email=       404 "User not found"
    GET  /api/2.0/people/search?query=      active users only
    PUT  /api/2.0/people/{userid}           with UpdateMember's omission semantics (onlyoffice_update.py)
    PUT  /api/2.0/people/status/{Active|Terminated}  {"userIds": […]} → the users; Active
                                            activates only a Terminated user (not one on leave)
    PUT  /api/2.0/people/{userid}/email     {"email"} → the user, the address lower-cased and to be
                                            activated again (`mails`, `sessions_reset` record the
                                            mail sent and the sessions ended); the address of anyone
                                            (the user too, any case) → 500 "User with this email is
                                            already registered"; a Terminated, LDAP, SSO or unknown
                                            user, or the owner for someone else → 403 "No permissions
                                            to perform this action" (EmployeeApi.ChangeUserEmail)
    GET  /api/2.0/group                     every group {id, name, manager (a user name)}
    GET  /api/2.0/group/search?groupName=   groups whose name holds the text, case-sensitively
    GET  /api/2.0/group/user/{userid}       the user's groups {id, name, manager}, any status;
                                            [] for an id the portal does not have
    GET  /api/2.0/group/{id}                the group with its manager and members, Terminated
                                            members left out; 404 "group not found"
    PUT  /api/2.0/group/{id}/members        {"members": […]} adds, keeping the others; unknown ids
                                            are skipped without a word → the group
    POST /api/2.0/group/{id}/members        replaces the members (Terminated ones stay) → 201
    DELETE /api/2.0/group/{id}/members      {"members": […]} (a JSON body) removes those → the group
                                            (GroupsApi.cs; a non-admin is refused with a 500)

Every path also answers with `.json` appended. A token goes raw in `Authorization` (or as
`Bearer …`); company.ONLYOFFICE_TOKEN is always valid, login tokens live `token_ttl` seconds;
both are the steward account's, an admin. Without a valid token: 401, plain text `Unauthorized`.
Answers come in the success envelope (zero counts left out), errors in `{"status": 1,
"statusCode", "error": {"message", …}}`, with `/` written `\\/` as the server's serializer does;
the server's own refusals ("The user is suspended", no free seat, no rights) are such 500s.

company.ONLYOFFICE_USER_TOKEN is Boris Ivanov's, who is not an admin. As the server treats such a
caller (EmployeeApi.UpdateMember, UpdateUserStatus), his PUT to another user and to the status
endpoint are refused with a 500 (an AuthorizingException, `"Boris Ivanov" access denied "Edit
user information, ". …`), and on his own profile the title, lead and groups he sends are ignored
without a word. A user from LDAP or SSO keeps their names, location and title whoever sends them.

Options (constructor keywords, or `/__sandbox__/options` at run time):
    rate_limit   True   500 requests per 10 s per token, then 503 with Retry-After (documented
                        for the cloud); a number N for N per 10 s; False for no limit
    token_ttl    3600   seconds a login token lives
    seats        50     the user quota: promoting a guest or re-activating needs a free seat
    extra_users  0      that many generated users more, bulk1…bulkN (bulk benchmarks)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.sandbox import company
from bot.sandbox import onlyoffice_data as data
from bot.sandbox.common import FixedWindow, SandboxApp, SandboxState, with_extras
from bot.sandbox.onlyoffice_update import Refusal, access_denied, active_members, is_guid, update

Handler = Callable[[Request, str], Awaitable[Response]]

DEFAULTS: dict[str, Any] = {"rate_limit": True, "token_ttl": 3600, "seats": 50, "extra_users": 0}
API = "/api/2.0"
HRESULT = -2146233088  # what .NET gives a plain Exception; the envelope always carries one
NOT_ACTIVATED, AUTO_GENERATED = 0, 4  # EmployeeActivationStatus
#: What the group calls demand (Core.Users.Constants: Action_EditGroups, Action_AddRemoveUser).
GROUP_RIGHTS = ("Edit categories and groups", "Add/Remove user")
#: Near enough to what System.Net.Mail.MailAddress parses: dot-atoms around one `@`.
_ATOM = r'[^\s@<>()\[\],;:\\".]+'
MAIL_ADDRESS = re.compile(rf"^{_ATOM}(\.{_ATOM})*@{_ATOM}(\.{_ATOM})*$")


class ServerJSON(JSONResponse):
    """JSON as the server's JsonNetSerializer writes it: `/` inside strings escaped as `\\/`."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return text.replace("/", "\\/").encode()


def ok(response: Any, status: int = 200) -> Response:
    count = len(response) if isinstance(response, list) else 1
    envelope = {"count": count, "status": 0, "statusCode": status, "response": response}
    if not count:
        del envelope["count"]
    return ServerJSON(envelope, status_code=status)


def fail(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    error = {"message": message, "hresult": HRESULT, "data": {}}
    return ServerJSON(
        {"status": 1, "statusCode": status, "error": error}, status_code=status, headers=headers
    )


class OnlyofficeSandbox(SandboxApp):
    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise TypeError(
                f"OnlyofficeSandbox has no option {', '.join(unknown)}; it has {', '.join(DEFAULTS)}"
            )
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}  # login token -> when it expires (epoch seconds)
        self.mails: list[tuple[str, str]] = []  # (user id, address): activation mails "sent"
        self.sessions_reset: list[str] = []  # user ids whose sessions an e-mail change ended
        self.window = FixedWindow(500, 10.0)
        self._extras = 0
        super().__init__(SandboxState({**DEFAULTS, **options}))

    def reset_data(self) -> None:
        self.users = data.sample_users()
        self.tokens = {}
        self.mails = []
        self.sessions_reset = []
        self.window = FixedWindow(500, 10.0)
        self._extras = 0
        self._sync_extras()

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for suffix in ("", ".json"):
            routes += [
                Route(f"{API}/authentication{suffix}", self.login, methods=["POST"]),
                Route(f"{API}/people{suffix}", self._api(self.everyone), methods=["GET"]),
                Route(f"{API}/group{suffix}", self._api(self.all_groups), methods=["GET"]),
            ]
        return [
            *routes,
            Route(f"{API}/people/{{rest:path}}", self._api(self.people_get), methods=["GET"]),
            Route(f"{API}/people/{{rest:path}}", self._api(self.people_put), methods=["PUT"]),
            Route(
                f"{API}/group/{{rest:path}}",
                self._api(self.group_call),
                methods=["GET", "PUT", "POST", "DELETE"],
            ),
            Route(f"{API}/{{rest:path}}", self._api(self.nothing), methods=["GET", "POST", "PUT", "DELETE"]),
        ]

    # -- what every API request goes through --------------------------------------------------

    def _api(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            token = header[7:] if header[:7].lower() == "bearer " else header
            caller = self._caller(token)
            if caller is None:
                realm = {"WWW-Authenticate": f'Basic Realm="{request.url.hostname}"'} if header else {}
                return PlainTextResponse("Unauthorized", status_code=401, headers=realm)
            request.state.caller = caller
            limit = self.state.options["rate_limit"]
            if limit:
                self.window.limit = 500 if limit is True else int(limit)
                allowed, _, reset = self.window.hit(token)
                if not allowed:
                    wait = str(max(1, math.ceil(reset - time.time())))
                    return fail(503, "Too many requests", {"Retry-After": wait})
            self._sync_extras()
            return await handler(request, request.path_params.get("rest", "").removesuffix(".json"))

        return endpoint

    def _caller(self, token: str) -> str | None:
        """The id of the user `token` belongs to; None for a token the sandbox does not know."""
        if token == company.ONLYOFFICE_TOKEN or self.tokens.get(token, 0) > time.time():
            return data.user_id(data.STEWARD_LOGIN)
        if token == company.ONLYOFFICE_USER_TOKEN:
            return data.user_id(data.USER_LOGIN)
        return None

    def _sync_extras(self) -> None:
        wanted = int(self.state.options["extra_users"])
        if wanted == self._extras:
            return
        self.users = with_extras(self.users, wanted, data.is_extra, data.extra_user)
        self._extras = wanted

    def _shown(self, request: Request, user: dict[str, Any]) -> dict[str, Any]:
        return data.shown(user, f"{request.url.scheme}://{request.url.netloc}")

    # -- endpoints ------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            form = (
                json.loads(raw)
                if raw.lstrip().startswith("{")
                else {k: v[0] for k, v in parse_qs(raw).items()}
            )
        except ValueError:
            form = {}
        given = {str(k).lower(): v for k, v in form.items()} if isinstance(form, dict) else {}
        if (
            given.get("username") != company.ONLYOFFICE_USERNAME
            or given.get("password") != company.ONLYOFFICE_PASSWORD
        ):
            return fail(500, "User authentication failed")
        token = secrets.token_urlsafe(32)
        ttl = float(self.state.options["token_ttl"])
        self.tokens[token] = time.time() + ttl
        expires = data.stamp(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl))
        return ok({"token": token, "expires": expires}, status=201)

    async def nothing(self, request: Request, path: str) -> Response:
        return fail(404, "Method not found")

    async def everyone(self, request: Request, path: str) -> Response:
        return ok([self._shown(request, u) for u in self.users.values() if u["status"] == data.ACTIVE])

    async def people_get(self, request: Request, path: str) -> Response:
        params = request.query_params
        if path == "@self":
            return ok(self._shown(request, self.users[request.state.caller]))
        if path == "email":
            wanted = params.get("email", "").strip().lower()
            found = [u for u in self.users.values() if u["email"].lower() == wanted]
            return ok(self._shown(request, found[0])) if found else fail(404, "User not found")
        if path in ("search", "@search") or path.startswith("@search/"):
            query = (params.get("query") or path.removeprefix("@search").lstrip("/")).lower()
            hits = [u for u in self.users.values() if u["status"] == data.ACTIVE and query in _searched(u)]
            return ok([self._shown(request, u) for u in hits])
        if "/" in path:
            return fail(404, "Method not found")
        # GET {username}: the user name first, then the same text as a GUID.
        found = [u for u in self.users.values() if u["userName"] == path]
        found = found or [u for u in self.users.values() if u["id"] == path.lower()]
        return ok(self._shown(request, found[0])) if found else fail(404, "User not found")

    async def people_put(self, request: Request, path: str) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return fail(400, "Invalid arguments")
        if not isinstance(body, dict):
            return fail(400, "Invalid arguments")
        caller = self.users[request.state.caller]
        if path.startswith("status/"):
            if not caller["isAdmin"]:  # DemandPermissions(Action_EditUser), for anyone's status
                return fail(500, access_denied(caller).message)
            return self._status(request, path.removeprefix("status/"), body)
        if path.endswith("/email") and path.count("/") == 1:
            return self._email(request, path.removesuffix("/email"), body)
        if "/" in path:
            return fail(404, "Method not found")
        return self._update(request, path, body)

    def _status(self, request: Request, status: str, body: dict[str, Any]) -> Response:
        code = {"active": data.ACTIVE, "1": data.ACTIVE, "terminated": data.TERMINATED, "2": data.TERMINATED}
        wanted = code.get(status.lower())
        ids = {k.lower(): v for k, v in body.items()}.get("userids")
        if wanted is None or not isinstance(ids, list):
            return fail(400, "Invalid arguments")
        me = request.state.caller
        out = []
        for given in ids:
            user = self.users.get(str(given).lower())
            if user is None or user["isLDAP"]:
                continue  # unknown and LDAP users are dropped from the answer
            skipped = user["isOwner"] or user["id"] == me  # skipped silently, shown unchanged
            no_seat = not user["isVisitor"] and active_members(self.users) >= self.seats
            if wanted == data.ACTIVE and (user["status"] != data.TERMINATED or no_seat):
                skipped = True  # only a Terminated user is activated, and only into a free seat
            if not skipped:
                user["status"] = wanted
                user["terminated"] = None if wanted == data.ACTIVE else user["terminated"] or data.now()
            out.append(self._shown(request, user))
        return ok(out)

    def _update(self, request: Request, user_id: str, body: dict[str, Any]) -> Response:
        if not is_guid(user_id):
            return fail(
                500, "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
            )
        caller = self.users[request.state.caller]
        if not (caller["isAdmin"] or caller["id"] == user_id.lower()):
            # DemandPermissions(UserSecurityProvider(id), Action_EditUser) comes before the look-up
            return fail(500, access_denied(caller).message)
        user = self.users.get(user_id.lower())
        if user is None:
            return fail(404, "user not found")  # lower-case here: GetUserInfo's words
        changed = update(
            user, body, caller=caller["id"], admin=caller["isAdmin"], users=self.users, seats=self.seats
        )
        if isinstance(changed, Refusal):
            return fail(changed.status, changed.message)
        self.users[user["id"]] = changed
        return ok(self._shown(request, changed))

    def _email(self, request: Request, user_id: str, body: dict[str, Any]) -> Response:
        """EmployeeApi.ChangeUserEmail, in its order: the right to edit the user, the address taken
        by anyone (GetUserByEmail ignores case, and finds the user themselves too), the user,
        then `new MailAddress(email)`; the address is stored `.Address.ToLowerInvariant()`."""
        if not is_guid(user_id):
            return fail(400, "Invalid arguments")  # {userid} binds to a Guid
        caller = self.users[request.state.caller]
        if not (caller["isAdmin"] or caller["id"] == user_id.lower()):
            return fail(500, access_denied(caller).message)
        email = {k.lower(): v for k, v in body.items()}.get("email")
        if email is not None and not isinstance(email, str):
            return fail(400, "Invalid arguments")
        email = email or ""
        if email and any(u["email"].lower() == email.lower() for u in self.users.values()):
            return fail(500, "User with this email is already registered")  # {!User} is "User"
        user = self.users.get(user_id.lower())
        if (
            user is None  # GetUsers gives the LostUser, a system user
            or user["status"] == data.TERMINATED
            or user["isLDAP"]
            or user["isSSO"]
            or (user["isOwner"] and user["id"] != caller["id"])
        ):
            return fail(403, "No permissions to perform this action")  # a SecurityException
        if not email:
            return ok(self._shown(request, user))  # an empty address changes nothing
        if not MAIL_ADDRESS.match(email):
            return fail(500, "The specified string is not in the form required for an e-mail address.")
        user["email"] = email.lower()
        auto = user["activationStatus"] & AUTO_GENERATED
        user["activationStatus"] = AUTO_GENERATED if auto else NOT_ACTIVATED
        self.sessions_reset.append(user["id"])  # CookiesManager.ResetUserCookie
        self.mails.append((user["id"], email))  # SendEmailActivationInstructions(user, email)
        return ok(self._shown(request, user))

    # -- groups (GroupsApi.cs) ------------------------------------------------------------------

    async def all_groups(self, request: Request, path: str) -> Response:
        return ok([data.group_summary(g) for g in data.GROUP_NAMES])

    async def group_call(self, request: Request, path: str) -> Response:
        parts = path.split("/")
        if request.method == "GET" and path == "search":
            # GetTagsByName: the name trimmed, an empty one finds nothing, String.Contains (ordinal)
            wanted = (request.query_params.get("groupName") or "").strip()
            hits = [g for g, name in data.GROUP_NAMES.items() if wanted and wanted in name]
            return ok([data.group_summary(g) for g in hits])
        if request.method == "GET" and len(parts) == 2 and parts[0] == "user":
            return self._groups_of(parts[1])
        if request.method == "GET" and len(parts) == 1:
            return self._group(request, parts[0], lambda group: ok(self._group_shown(request, group)))
        if len(parts) == 2 and parts[1] == "members" and request.method != "GET":
            return await self._members(request, parts[0])
        return fail(404, "Method not found")

    def _groups_of(self, user_id: str) -> Response:
        """GetByUserId: UserManager.GetUserGroups(userid), the departments that hold the user,
        whatever the user's status; it does not look the user up, so an id the portal does not
        have gets `[]`. An id that is no GUID does not bind (400)."""
        if not is_guid(user_id):
            return fail(400, "Invalid arguments")
        user = self.users.get(user_id.lower())
        held = user["groups"] if user is not None else []
        return ok([data.group_summary(g) for g in held if g in data.GROUP_NAMES])

    def _group(self, request: Request, group_id: str, then: Callable[[str], Response]) -> Response:
        """GetGroupInfo: a group id that binds, of a group the portal has."""
        if not is_guid(group_id):
            return fail(400, "Invalid arguments")
        if group_id.lower() not in data.GROUP_NAMES:
            return fail(404, "group not found")  # ItemNotFoundException, lower-case
        return then(group_id.lower())

    def _group_shown(self, request: Request, group: str) -> dict[str, Any]:
        return data.group_full(group, self.users, f"{request.url.scheme}://{request.url.netloc}")

    async def _members(self, request: Request, group_id: str) -> Response:
        """AddMembersTo (PUT), SetMembersTo (POST), RemoveMembersFrom (DELETE, the list in a JSON
        body). The rights come first (DemandPermissions(Action_EditGroups, Action_AddRemoveUser),
        an AuthorizingException: 500), then the group; ids of users the portal does not have are
        skipped without a word."""
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return fail(400, "Invalid arguments")
        caller = self.users[request.state.caller]
        if not caller["isAdmin"]:
            return fail(500, access_denied(caller, *GROUP_RIGHTS).message)
        given = {k.lower(): v for k, v in body.items()}.get("members") if isinstance(body, dict) else None
        if not isinstance(given, list) or not all(is_guid(m) for m in given):
            return fail(400, "Invalid arguments")  # IEnumerable<Guid> did not bind

        def change(group: str) -> Response:
            wanted = [self.users[m.lower()] for m in given if m.lower() in self.users]
            if request.method == "POST":  # GetUsersByGroup(id): Active and LeaveOfAbsence members
                for user in self.users.values():
                    if group in user["groups"] and user["status"] != data.TERMINATED:
                        user["groups"] = [g for g in user["groups"] if g != group]
            for user in wanted:
                if request.method == "DELETE":
                    user["groups"] = [g for g in user["groups"] if g != group]
                elif group not in user["groups"]:
                    user["groups"] = [*user["groups"], group]
            return ok(self._group_shown(request, group), status=201 if request.method == "POST" else 200)

        return self._group(request, group_id, change)

    @property
    def seats(self) -> int:
        return int(self.state.options["seats"])


def _searched(user: dict[str, Any]) -> str:
    """What search matches: names, user name, e-mail and contacts, ignoring case."""
    words = [user["firstName"], user["lastName"], user["userName"], user["email"]]
    words += [c["value"] for c in user["contacts"]]
    return " ".join(words).lower()
