"""JetBrains Hub's users as Steward uses them (vendor-docs/hub-update-user.txt).

Facts the code relies on (notes/vendor-apis.md §3): the REST root is configured (standalone
`…/api/rest` or YouTrack's `…/hub/api/rest`); a permanent token goes as `Bearer perm:…`; Hub
sends back only what `fields` asks for, so every call names its fields; users are updated with
POST /users/{id} taking a partial user, e-mail nested as `profile.email.email`; lookups go
through `query=` (`email: {…}`, `login: {…}`), whose matching is not documented as exact, so the
answers are filtered; errors carry the JetBrains body `{error, error_description, …}`.

Group membership (the `Groups` protocol, notes/vendor-apis.md §4.3) uses Hub's user groups:
GET /usergroups (Get All User Groups), GET /usergroups/{id} (Get User Group), POST
/usergroups/{id}/users (Add User to Users of a User Group) and DELETE /usergroups/{id}/users/
{userId} (Remove User from Users of a User Group), all at jetbrains.com/help/hub/HUB-REST-API_
User-Groups_….html; each documents 200, 400, 403, 404 and 500. A user's own groups are the user's
`groups` attribute (`groups_of`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
import pydantic
from pydantic import BaseModel, SecretStr

from bot.errors import Attempt, ConfigError, InvalidValue, VendorBadResponse, VendorError, VendorNotFound
from bot.vendors.base import (
    RATE_LIMIT_PATIENCE,
    Record,
    VendorHTTP,
    json_body,
    read_each,
    short_text,
    status_error,
)
from bot.vendors.fields import UpdateModel, build
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.hub.responses import (
    USER_FIELDS,
    HubGroup,
    HubGroupPage,
    HubPage,
    HubUser,
    HubUserGroups,
    error_words,
)

VENDOR = "Hub"
CREDENTIAL = "HUB_TOKEN"
PAGE = 100  # users per GET /users page, groups per GET /usergroups page
#: What Steward asks for of a group it looks up: a group Record is its id and name.
GROUP_FIELDS = "id,name"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

M = TypeVar("M", bound=BaseModel)
#: How an answer that is not Hub's is described, by the model it failed.
_ANSWERS: dict[type[BaseModel], str] = {
    HubUser: "user",
    HubPage: "page of users",
    HubGroup: "user group",
    HubGroupPage: "page of user groups",
    HubUserGroups: "user",
}


class HubClient:
    """Hub users over one retrying request path. Hub documents no rate limit, so there is no
    pacer; a 429 (or a 503 with Retry-After) is still retried after the wait Hub asks for."""

    key: ClassVar[str] = "hub"
    name: ClassVar[str] = VENDOR
    objects: ClassVar[Mapping[str, type[UpdateModel]]] = {"user": HubUserUpdate}

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        attempts: int = 4,
        patience: float = RATE_LIMIT_PATIENCE,
    ) -> None:
        token = token.strip()
        if not token:
            raise ConfigError(f"{CREDENTIAL} is empty: Steward needs a Hub permanent token (perm:…).")
        if any(ch.isspace() or not ch.isprintable() for ch in token):
            # httpx would refuse the header and quote it, token and all, in its error.
            raise ConfigError(f"{CREDENTIAL} contains spaces or control characters; paste the token alone.")
        self._token = SecretStr(token)
        self.base_url = base_url.rstrip("/")
        self._http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=_make_status_error,
            timeout=timeout,
            attempts=attempts,
            patience=patience,
        )

    def __repr__(self) -> str:
        return f"HubClient({self.base_url!r})"

    # -- the Vendor protocol --------------------------------------------------------------------

    async def whoami(self) -> Record:
        return (await self.me()).record()

    async def find(self, obj: str, target: str) -> list[Record]:
        """`me`, a Hub UUID (unknown → []), an e-mail address, or else a login; lookups keep
        exact (case-insensitive) matches only, so an address shared by two accounts gives two."""
        _only_users(obj)
        target = target.strip()
        if target == "me" or UUID.match(target):
            try:
                return [(await self.user(target)).record()]
            except VendorNotFound:
                return []
        if "@" in target:
            return [u.record() for u in await self.find_by_email(target)]
        return [u.record() for u in await self.find_by_login(target)]

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        """One GET per id, concurrently (Hub has no batch read by id); unknown ids are left out."""
        _only_users(obj)

        async def fetch(user_id: str) -> Record:
            return (await self.user(user_id)).record()

        return await read_each(ids, fetch)

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        """POST the change to the user `current` describes (read afresh if it does not say
        whether they are banned). A ban's reason or badge is refused, before anything is sent,
        for a user who is not banned and is not being banned by the same change."""
        _only_users(obj)
        if not isinstance(change, HubUserUpdate):
            raise TypeError(f"Hub expects a HubUserUpdate, not a {type(change).__name__}")
        if BAN_DETAILS & change.model_fields_set:
            if "banned" not in current.values:
                current = (await self.user(current.id)).record()
            _check_ban_details(current, change)
        return (await self.update_user(current.id, change)).record()

    # -- the Groups protocol ----------------------------------------------------------------------

    async def find_groups(self, target: str) -> list[Record]:
        """A group's Hub UUID (unknown → []), else every group Hub's `name:` query finds for the
        name, which goes in `{ }` for names of several words (Search Query Grammar,
        jetbrains.com/help/hub/search-query-grammar.html)."""
        # Get All User Groups (jetbrains.com/help/hub/HUB-REST-API_User-Groups_Get-All-User-
        # Groups.html) lists `name: groupName — Group with the given name` but does not say that
        # the match is exact or whether case counts. JetBrains' ring-ui searches prefixes with
        # other words (`nameStartsWith:`, `Support*`), which suggests `name:` is exact, perhaps
        # case-sensitive: then a name typed in another case finds nothing, and close matches
        # come back only from a server that matches loosely (the sandbox does). Either way the
        # caller keeps the exact, case-insensitive match.
        target = target.strip()
        if UUID.match(target):
            try:
                return [(await self.group(target)).record()]
            except VendorNotFound:
                return []
        name = _lookup_value("group name", target)
        return [g.record() for g in await self.groups(f"name: {{{name}}}")]

    async def members(self, group: Record) -> list[Record]:
        """The group's direct members, from its `ownUsers` (Hub's `users` would add everyone in
        its subgroups, at any depth), as the same user records `find` and `read` return. The
        attribute is one set in one answer: Hub documents no paging inside `fields`."""
        found = await self.group(group.id, f"{GROUP_FIELDS},ownUsers({USER_FIELDS})", label=group.label)
        return [user.record() for user in found.ownUsers or []]

    async def add_member(self, group: Record, user: Record) -> None:
        """POST /usergroups/{groupId}/users with the user's Hub id. JetBrains' YouTrackSharp also
        sends `failOnPermissionReduce=true`, which Hub's page does not document; Steward does not.
        Whether adding a member again is an error is not documented (the sandbox answers 200)."""
        attempt = Attempt(f"add {user.label} to group {group.label}", f"group {group.label}", writes=True)
        path = f"/usergroups/{_segment(group.id, 'group')}/users"
        body = {"id": _checked(user.id)}
        await self._call(HubUser, "POST", path, attempt, params={"fields": "id"}, json=body)

    async def remove_member(self, group: Record, user: Record) -> None:
        """DELETE /usergroups/{groupId}/users/{userId}: Hub answers 200 (with nothing Steward
        reads). Whether removing a non-member is an error is not documented (the sandbox: 200);
        a member through a subgroup only is not a direct member, and stays a member."""
        attempt = Attempt(
            f"remove {user.label} from group {group.label}", f"group {group.label}", writes=True
        )
        path = f"/usergroups/{_segment(group.id, 'group')}/users/{_segment(user.id)}"
        await self._http.request("DELETE", path, attempt=attempt, headers=self._headers())

    async def groups_of(self, user: Record) -> list[Record]:
        """The user's direct groups, from the user's own `groups` attribute in one GET
        /users/{id} (banned users are read like any other; an unknown id is Hub's 404), the All
        Users group left out.

        Why this and not a user-group query: Hub documents `groups` as "The list of groups where
        the user belongs" beside a separate "Transitive Groups of User" (GET /users/{id}/
        transitivegroups, the groups through parent groups too), so `groups` are the direct ones,
        as `ownUsers` are a group's. The user-group query `has: user` means "Groups with users"
        (any user), not this one's; `user: <user>` ("Groups that immediately contain the given
        user", Get All User Groups) would do, but answers an unknown user with no 404. All Users
        (`allUsers`) "always includes all user accounts": it says nothing about the person and
        no one is added to or removed from it, so it is no membership to list."""
        attempt = Attempt(f"list the groups of {user.label}", f"user {user.id}", writes=False)
        path = f"/users/{_segment(user.id)}"
        params = {"fields": f"id,groups({GROUP_FIELDS},allUsers)"}
        found = await self._call(HubUserGroups, "GET", path, attempt, params=params)
        return [group.record() for group in found.groups if not group.allUsers]

    # -- endpoints ------------------------------------------------------------------------------

    async def me(self, fields: str = USER_FIELDS) -> HubUser:
        """GET /users/me: the account the token belongs to."""
        return await self.user("me", fields)

    async def user(self, user_id: str, fields: str = USER_FIELDS) -> HubUser:
        """GET /users/{id}: `id` is a Hub UUID, `me` or `guest`."""
        attempt = Attempt(f"read user {user_id}", f"user {user_id}", writes=False)
        path = f"/users/{_segment(user_id)}"
        return await self._call(HubUser, "GET", path, attempt, params={"fields": fields})

    async def users(self, query: str, fields: str = USER_FIELDS) -> list[HubUser]:
        """GET /users?query=…, every page until a short one (or one with nothing new)."""
        attempt = Attempt(f"look up users ({query})", f"users matching {query}", writes=False)
        found: dict[str, HubUser] = {}
        skip = 0
        while True:
            params = {
                "query": query,
                "fields": f"users({fields}),total",
                "$skip": str(skip),
                "$top": str(PAGE),
            }
            page = await self._call(HubPage, "GET", "/users", attempt, params=params)
            fresh = [u for u in page.users if u.id not in found]
            found.update((u.id, u) for u in fresh)
            skip += len(page.users)
            if len(page.users) < PAGE or not fresh or (page.total is not None and skip >= page.total):
                return list(found.values())

    async def find_by_email(self, address: str) -> list[HubUser]:
        """Users whose `profile.email.email` is `address`, ignoring case."""
        # `email: email` — "Users with the given email" and `login: userLogin` — "A user with the
        # given login" are in the query fields Hub documents for users (Get All Users; Get All
        # Users of a User Group, e.g. jetbrains.com/help/hub/1.0/HUB-REST-API_User-Groups_Users-
        # of-User-Group_Get-All-Users-of-a-User-Group.html); a value goes in `{ }` ("Search Query
        # Grammar", jetbrains.com/help/hub/search-query-grammar.html: `{myglobalpermission}`).
        address = _lookup_value("e-mail", address)
        wanted = address.lower()
        return [u for u in await self.users(f"email: {{{address}}}") if (u.email or "").lower() == wanted]

    async def find_by_login(self, login: str) -> list[HubUser]:
        """Users whose login is `login`, ignoring case."""
        login = _lookup_value("login", login)
        wanted = login.lower()
        return [u for u in await self.users(f"login: {{{login}}}") if (u.login or "").lower() == wanted]

    async def group(self, group_id: str, fields: str = GROUP_FIELDS, *, label: str = "") -> HubGroup:
        """GET /usergroups/{id}: one user group."""
        name = label or group_id
        attempt = Attempt(f"read group {name}", f"group {name}", writes=False)
        path = f"/usergroups/{_segment(group_id, 'group')}"
        return await self._call(HubGroup, "GET", path, attempt, params={"fields": fields})

    async def groups(self, query: str, fields: str = GROUP_FIELDS) -> list[HubGroup]:
        """GET /usergroups?query=…, every page until a short one (or one with nothing new).
        `fields` names each group's fields ("Returns only the specified subset of the fields for
        each UserGroup", Get All User Groups)."""
        attempt = Attempt(f"look up groups ({query})", f"groups matching {query}", writes=False)
        found: dict[str, HubGroup] = {}
        skip = 0
        while True:
            params = {"query": query, "fields": fields, "$skip": str(skip), "$top": str(PAGE)}
            page = await self._call(HubGroupPage, "GET", "/usergroups", attempt, params=params)
            fresh = [g for g in page.usergroups if g.id not in found]
            found.update((g.id, g) for g in fresh)
            skip += len(page.usergroups)
            if len(page.usergroups) < PAGE or not fresh:
                return list(found.values())

    async def update_user(self, user_id: str, change: HubUserUpdate, fields: str = USER_FIELDS) -> HubUser:
        """POST /users/{id} with the given fields only; ban is `banned` + `banReason`/`banBadge`."""
        if not change.model_fields_set:
            raise InvalidValue("fields", "at least one field must be given", {})
        body = build(HubUserUpdate, change.given()).body()  # a model_construct'ed change is checked too
        attempt = Attempt(f"update user {user_id}", f"user {user_id}", writes=True)
        path = f"/users/{_segment(user_id)}"
        return await self._call(HubUser, "POST", path, attempt, params={"fields": fields}, json=body)

    async def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        attempt: Attempt,
        *,
        params: Mapping[str, str],
        json: Any = None,
    ) -> M:
        response = await self._http.request(
            method, path, attempt=attempt, headers=self._headers(), params=params, json=json
        )
        data = json_body(response, VENDOR, attempt)
        try:
            return model.model_validate(data)
        except pydantic.ValidationError:
            detail = f"not a Hub {_ANSWERS.get(model, 'answer')}"
            raise VendorBadResponse(VENDOR, attempt, status=response.status_code, detail=detail) from None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.get_secret_value()}", "Accept": "application/json"}


def _make_status_error(response: httpx.Response, attempt: Attempt) -> VendorError:
    """The one place a Hub error answer becomes a Steward error: the JetBrains error body made
    one sentence (see `error_words`), or the short text of a body that is not that JSON; a
    token Hub echoes back is masked; the status decides the class (bot.vendors.base)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    message = error_words(data) if isinstance(data, dict) else short_text(response)
    try:
        token = response.request.headers.get("authorization", "").partition(" ")[2].strip()
    except RuntimeError:  # a response built by hand has no request
        token = ""
    if len(token) >= 4:
        message = message.replace(token, "•••")
    if len(message) > 300:
        message = message[:299] + "…"
    return status_error(VENDOR, CREDENTIAL, response, attempt, message)


#: A ban's reason and badge: they describe a ban (Update Existing User lists them beside `banned`,
#: vendor-docs/hub-update-user.txt), and whether Hub keeps them on a user who is not banned is
#: UNCONFIRMED (the sandbox drops them, as at an unban), so Steward sets them only with a ban.
BAN_DETAILS = frozenset({"banReason", "banBadge"})


def _check_ban_details(current: Record, change: HubUserUpdate) -> None:
    """Refuse `banReason`/`banBadge` for a user who will not be banned after `change`."""
    banned = change.banned if "banned" in change.model_fields_set else bool(current.values.get("banned"))
    if banned:
        return
    field = sorted(BAN_DETAILS & change.model_fields_set)[0]
    state = "is being unbanned" if current.values.get("banned") else "is not banned"
    raise InvalidValue(
        field,
        f"belongs to a ban, and {current.label} {state}: to ban with a reason, use "
        "`ban reason=…` (or set `banned=true` in the same request)",
        getattr(change, field),
    )


def _checked(some_id: str, what: str = "user") -> str:
    if not some_id.strip():
        rule = "must be a Hub user id, `me` or `guest`" if what == "user" else f"must be a Hub {what} id"
        raise InvalidValue(what, rule, some_id)
    return some_id


def _segment(some_id: str, what: str = "user") -> str:
    return quote(_checked(some_id, what), safe="")


def _lookup_value(what: str, value: str) -> str:
    value = value.strip()
    # Hub's query grammar brackets values in { }; a brace inside would end the value early.
    if not value or "{" in value or "}" in value:
        raise InvalidValue(what, "must be non-empty text without { or }", value)
    return value


def _only_users(obj: str) -> None:
    if obj != "user":
        raise InvalidValue("object", "Hub has users only", obj)
