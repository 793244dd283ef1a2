"""Kaiten's API as Steward uses it: users and groups, read and patched (vendor-docs/kaiten-*.txt),
users deactivated and reactivated, and the members of groups (notes/vendor-apis.md §4.1).

Facts the code relies on: there is no GET /users/{id}, so users are read with GET /users?ids=…;
list endpoints answer bare arrays of at most 100 items, so every list is paged with
`limit`/`offset` until a short page; the `query` of GET /users is a substring search over e-mail
and name; GET /users leaves deactivated users out unless asked with `include_inactive=true`
(DOC users/retrieve-list-of-users, notes/vendor-apis.md §1.3 and §4.1); a user is deactivated
and reactivated with `temporarily_inactive` at PATCH /company/users/{id}, which answers `role` 3
for a deactivated user (DOC company-users/update-user); the group itself is under
/company/groups/{uid} but its members are under /groups/{uid}/users, added with
`{"user_id": <int>}` and removed with DELETE /groups/{uid}/users/{user_id} (DOC group-users,
notes §1.3 and §4.1); a user's own groups are only in the company user, which Kaiten lists (GET
/company/users) but has no GET for by id; and Kaiten allows 5 requests per second per token,
announcing the end of its window in `X-RateLimit-Reset` (a UTC epoch) rather than `Retry-After`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import quote

import httpx
import pydantic
from pydantic import SecretStr, TypeAdapter

from bot.errors import (
    Attempt,
    ConfigError,
    InvalidValue,
    VendorBadResponse,
    VendorError,
    VendorNotFound,
)
from bot.vendors.base import RATE_LIMIT_PATIENCE, Pacer, Record, VendorHTTP, json_body, status_error
from bot.vendors.fields import UpdateModel, build
from bot.vendors.kaiten.models import KaitenGroupUpdate, KaitenUserUpdate
from bot.vendors.kaiten.responses import KaitenCompanyUser, KaitenGroup, KaitenUser, vendor_message

VENDOR = "Kaiten"
PAGE = 100  # GET /users: "Default: 100 Max: 100"; GET /company/groups: "Default: 100"
UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: Kaiten's group uids are UUIDs (notes/vendor-apis.md §1.5): text shaped so is no group's name.
UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")

USER = TypeAdapter(KaitenUser)
USERS = TypeAdapter(list[KaitenUser])
GROUP = TypeAdapter(KaitenGroup)
GROUPS = TypeAdapter(list[KaitenGroup])
COMPANY_USERS = TypeAdapter(list[KaitenCompanyUser])


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T")
I = TypeVar("I", bound=_Identified)  # noqa: E741  # an item of a paged list
U = TypeVar("U", bound=UpdateModel)


class KaitenClient:
    """Kaiten users and groups over one paced, retrying request path."""

    key: ClassVar[str] = "kaiten"
    name: ClassVar[str] = VENDOR
    objects: ClassVar[Mapping[str, type[UpdateModel]]] = {
        "user": KaitenUserUpdate,
        "group": KaitenGroupUpdate,
    }

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        attempts: int = 4,
        rate: int = 5,  # requests per second; 0: not paced (Kaiten's 429s are still waited out)
        pacer: Pacer | None = None,
        patience: float = RATE_LIMIT_PATIENCE,
    ) -> None:
        if not token:
            raise ConfigError("KAITEN_TOKEN: is empty; set it to an API token from Kaiten's profile page.")
        self.base_url = base_url.rstrip("/")
        self._token = SecretStr(token)
        self._http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=_make_status_error,
            timeout=timeout,
            attempts=attempts,
            pacer=pacer if pacer is not None else Pacer(rate) if rate else None,
            patience=patience,
        )

    def __repr__(self) -> str:
        return f"KaitenClient({self.base_url!r})"

    # -- the Vendor protocol ------------------------------------------------------------------

    async def whoami(self) -> Record:
        return (await self.current_user()).record()

    async def find(self, obj: str, target: str) -> list[Record]:
        target = target.strip()
        if obj == "user":
            if target.isdigit():
                return [u.record() for u in await self.users(ids=[int(target)])]
            if "@" in target:
                wanted = target.lower()
                matches = await self.users(query=target)
                return [u.record() for u in matches if (u.email or "").lower() == wanted]
            raise InvalidValue(
                "user", "must be a Kaiten user id (a whole number) or an e-mail address", target
            )
        if obj == "group":
            _check_uid(target)
            try:
                return [(await self.group(target)).record()]
            except VendorNotFound:
                return []
        raise _unknown(obj)

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        if obj == "user":
            numbers = [int(i) for i in ids if i.strip().isdigit()]
            return {str(u.id): u.record() for u in await self.users(ids=numbers)}
        if obj == "group":
            uids = [uid for uid in dict.fromkeys(ids) if UID.match(uid)]
            groups = await asyncio.gather(*(self._group_or_none(uid) for uid in uids))
            return {g.uid: g.record() for g in groups if g is not None}
        raise _unknown(obj)

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        if obj == "user":
            user = await self.update_user(_user_id(current.id), _of(KaitenUserUpdate, change))
            return user.record()
        if obj == "group":
            group = await self.update_group(current.id, _of(KaitenGroupUpdate, change))
            return group.record()
        raise _unknown(obj)

    # -- the Groups protocol ------------------------------------------------------------------

    async def find_groups(self, target: str) -> list[Record]:
        """The group whose uid is `target`, else every group Kaiten's search finds for the name
        `target` (GET /company/groups?query=, every page: "`query` is a search, match the name
        exactly yourself", DOC groups/get-list-of-groups, notes/vendor-apis.md §4.1). Text shaped
        like a uid but no UUID ("Support") is tried as a uid first, then searched for; an unknown
        UUID finds nothing, without a search."""
        target = target.strip()
        if not target:
            raise InvalidValue("group", "must be a Kaiten group uid or a group name", target)
        if UID.match(target):
            try:
                return [(await self.group(target)).record()]
            except VendorNotFound:
                if UUID.match(target):
                    return []
        return [g.record() for g in await self.groups(query=target)]

    async def members(self, group: Record) -> list[Record]:
        """GET /groups/{uid}/users, every page: the group's users (notes/vendor-apis.md §1.3 and
        §4.1, citing DOC group-users/get-list-of-group-users). Their answers carry no `role`, so
        these records do not say whether a member is deactivated."""
        _check_uid(group.id)
        attempt = Attempt(f"list the members of group {group.label}", f"group {group.label}", writes=False)
        path = f"/groups/{quote(group.id, safe='')}/users"
        return [user.record() for user in await self._pages(path, {}, USERS, attempt)]

    async def add_member(self, group: Record, user: Record) -> None:
        """POST /groups/{uid}/users with `{"user_id": <int>}`; Kaiten answers the user and keeps
        the other members (notes/vendor-apis.md §4.1)."""
        _check_uid(group.id)
        user_id = _user_id(user.id)
        attempt = Attempt(
            f"add user {user_id} to group {group.label}",
            f"group {group.label} or user {user_id}",
            writes=True,
        )
        path = f"/groups/{quote(group.id, safe='')}/users"
        await self._call(USER, "POST", path, attempt, json={"user_id": user_id})

    async def remove_member(self, group: Record, user: Record) -> None:
        """DELETE /groups/{uid}/users/{user_id}; Kaiten answers the user (DOC
        group-users/remove-user-from-group, notes/vendor-apis.md §4.1)."""
        _check_uid(group.id)
        user_id = _user_id(user.id)
        attempt = Attempt(
            f"remove user {user_id} from group {group.label}",
            f"group {group.label} or user {user_id}",
            writes=True,
        )
        await self._call(USER, "DELETE", f"/groups/{quote(group.id, safe='')}/users/{user_id}", attempt)

    async def groups_of(self, user: Record) -> list[Record]:
        """The groups of the company user with `user`'s id: their `groups` (DOC company-users/
        get-list-of-users, notes/vendor-apis.md §4.1). Kaiten has no GET for one company user
        (only PATCH and DELETE /company/users/{id}), and GET /company/users filters with `query`
        (e-mail and full name) only with `for_members_section=true`, so the user's address is
        read first (GET /users?ids=…&include_inactive=true; a user record carries none) and the
        members section searched for it; the hit with the id is the user, deactivated or not
        (`temporarily_inactive_status` filters only when sent). Two requests: searching by the
        record's full name would save one only while the name is unique and unchanged.

        GET /users answers an id Kaiten does not know with an empty list, not a 404; Steward
        raises the `VendorNotFound` Kaiten's by-id calls give, so the caller reads one error."""
        user_id = _user_id(user.id)
        attempt = Attempt(f"list the groups of {user.label}", f"user {user_id}", writes=False)
        found = await self.users(ids=[user_id])
        if not found:
            raise VendorNotFound(VENDOR, attempt, status=404)
        term = found[0].email or found[0].full_name  # virtual users have no address
        params = {"for_members_section": "true", "query": term}
        hits = await self._pages("/company/users", params, COMPANY_USERS, attempt)
        company_user = next((hit for hit in hits if hit.id == user_id), None)
        if company_user is None:  # a user, but not among the company's members
            raise VendorNotFound(VENDOR, attempt, status=404)
        return [group.record() for group in company_user.groups]

    # -- the endpoints ------------------------------------------------------------------------

    async def current_user(self) -> KaitenUser:
        """GET /users/current: the token's own user."""
        attempt = Attempt("read its own user", "Steward's own user", writes=False)
        return await self._call(USER, "GET", "/users/current", attempt)

    async def users(self, ids: Sequence[int] | None = None, query: str | None = None) -> list[KaitenUser]:
        """GET /users, every page: all users, those with `ids` (asked 100 at a time), or those
        whose e-mail or name contains `query`. Deactivated users are included: Steward finds and
        shows them (their label says they are inactive)."""
        params: dict[str, str] = {} if query is None else {"query": query}
        inactive = {"include_inactive": "true"}
        if ids is None:
            what = "list users" if query is None else f"look up users matching {query}"
            attempt = Attempt(what, "users" if query is None else f"user {query}", writes=False)
            return await self._pages("/users", params | inactive, USERS, attempt)
        unique = list(dict.fromkeys(ids))
        if not unique:
            return []
        subject = f"user {unique[0]}" if len(unique) == 1 else f"{len(unique)} users"
        attempt = Attempt(f"read {subject}", subject, writes=False)
        chunks = [unique[at : at + PAGE] for at in range(0, len(unique), PAGE)]
        pages = await asyncio.gather(
            *(
                self._pages(
                    "/users",
                    params | {"ids": ",".join(map(str, c))} | inactive,
                    USERS,
                    attempt,
                    expect=len(c),
                )
                for c in chunks
            )
        )
        wanted = set(unique)  # a server that ignored `ids` must not hand us somebody else
        return [user for page in pages for user in page if user.id in wanted]

    async def update_user(self, user_id: int, change: KaitenUserUpdate) -> KaitenUser:
        """Apply `change` and return the user as Kaiten reports it afterwards: PATCH /users/{id}
        with the given fields but `temporarily_inactive`, which goes alone to `set_inactive`:
        before the others when it reactivates (they are then written to an active user), after
        them when it deactivates. With both, both calls are made; the answer is the last one's,
        with the first one's fields it leaves out (`role`). Should the second call fail, the
        first has changed the user, and the error says the change may have been applied."""
        body = _checked(change)
        inactive = body.pop("temporarily_inactive", None)
        steps: list[Callable[[], Awaitable[KaitenUser]]] = []
        if inactive is False:
            steps.append(lambda: self.set_inactive(user_id, False))
        if body:
            steps.append(lambda: self._patch_user(user_id, body))
        if inactive is True:
            steps.append(lambda: self.set_inactive(user_id, True))
        answers: list[KaitenUser] = []
        for step in steps:
            try:
                answers.append(await step())
            except VendorError as err:
                if answers and not isinstance(err, VendorBadResponse):
                    err.changed = "unknown"
                raise
        return _merged(answers)

    async def set_inactive(self, user_id: int, inactive: bool) -> KaitenUser:
        """PATCH /company/users/{id} with `{"temporarily_inactive": inactive}` and nothing else:
        deactivate (true: "user is still in company, but can't sign in and doesn't need a
        license") or reactivate (false). Needs the admin section "Members" (403 without it). The
        answer is the company user, `role` 3 when deactivated (DOC company-users/update-user;
        notes/vendor-apis.md §1.3 and §4.1)."""
        what = "deactivate" if inactive else "reactivate"
        attempt = Attempt(f"{what} user {user_id}", f"user {user_id}", writes=True)
        body = {"temporarily_inactive": inactive}
        return await self._call(USER, "PATCH", f"/company/users/{user_id}", attempt, json=body)

    async def _patch_user(self, user_id: int, body: dict[str, Any]) -> KaitenUser:
        attempt = Attempt(f"update user {user_id}", f"user {user_id}", writes=True)
        return await self._call(USER, "PATCH", f"/users/{user_id}", attempt, json=body)

    async def group(self, uid: str) -> KaitenGroup:
        """GET /company/groups/{uid}."""
        _check_uid(uid)
        attempt = Attempt(f"read group {uid}", f"group {uid}", writes=False)
        return await self._call(GROUP, "GET", f"/company/groups/{quote(uid, safe='')}", attempt)

    async def groups(self, query: str | None = None) -> list[KaitenGroup]:
        """GET /company/groups, every page."""
        params: dict[str, str] = {} if query is None else {"query": query}
        what = "list groups" if query is None else f"look up groups matching {query}"
        attempt = Attempt(what, "groups" if query is None else f"group {query}", writes=False)
        return await self._pages("/company/groups", params, GROUPS, attempt)

    async def update_group(self, uid: str, change: KaitenGroupUpdate) -> KaitenGroup:
        """PATCH /company/groups/{uid} with the given fields."""
        _check_uid(uid)
        body = _checked(change)
        attempt = Attempt(f"update group {uid}", f"group {uid}", writes=True)
        return await self._call(GROUP, "PATCH", f"/company/groups/{quote(uid, safe='')}", attempt, json=body)

    # -- plumbing -----------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    async def _call(
        self,
        shape: TypeAdapter[T],
        method: str,
        path: str,
        attempt: Attempt,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> T:
        response = await self._http.request(
            method, path, attempt=attempt, headers=self._headers(), params=params, json=json
        )
        data = json_body(response, VENDOR, attempt)
        try:
            return shape.validate_python(data)
        except pydantic.ValidationError as err:
            first = err.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "the answer"
            detail = f"not the expected shape: {where}: {first['msg'].lower()}"
            raise VendorBadResponse(VENDOR, attempt, status=response.status_code, detail=detail) from None

    async def _pages(
        self,
        path: str,
        params: Mapping[str, str],
        shape: TypeAdapter[list[I]],
        attempt: Attempt,
        *,
        expect: int | None = None,
    ) -> list[I]:
        """Every page of a list endpoint. A short page ends it; so does a page with nothing new
        (a server ignoring `offset` would otherwise be asked forever), and, when the number of
        items is known in advance (`ids=`), having them all."""
        items: dict[int, I] = {}
        offset = 0
        while True:
            page = await self._call(
                shape, "GET", path, attempt, params={**params, "limit": PAGE, "offset": offset}
            )
            fresh = [item for item in page if item.id not in items]
            items.update((item.id, item) for item in fresh)
            if len(page) < PAGE or not fresh or (expect is not None and len(items) >= expect):
                return list(items.values())
            offset += PAGE

    async def _group_or_none(self, uid: str) -> KaitenGroup | None:
        try:
            return await self.group(uid)
        except VendorNotFound:
            return None


def _make_status_error(response: httpx.Response, attempt: Attempt) -> VendorError:
    """The one place a Kaiten error status becomes a Steward error."""
    return status_error(VENDOR, "KAITEN_TOKEN", response, attempt, vendor_message(response))


def _checked(change: U) -> dict[str, Any]:
    """The PATCH body of `change`, refused before sending when it sets nothing or holds a value
    the model's rules forbid (a model built with `model_construct` skips them)."""
    if not change.model_fields_set:
        raise InvalidValue("fields", "at least one field must be given", {})
    return build(type(change), change.given()).body()


def _merged(answers: Sequence[KaitenUser]) -> KaitenUser:
    """One user from the answers of the calls made, in order: a later answer's fields win."""
    if len(answers) == 1:
        return answers[0]
    fields: dict[str, Any] = {}
    for answer in answers:
        fields.update(answer.model_dump(exclude_unset=True))
    return KaitenUser.model_validate(fields)


def _user_id(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise InvalidValue("user", "must be a Kaiten user id (a whole number)", value)
    return int(value)


def _check_uid(uid: str) -> None:
    if not UID.match(uid):
        raise InvalidValue(
            "group", "must be a Kaiten group uid, like 6b1f0c52-3b1a-4c8e-9f0e-0a1b2c3d4e01", uid
        )


def _of(model: type[U], change: UpdateModel) -> U:
    if not isinstance(change, model):
        raise TypeError(f"Kaiten expects a {model.__name__}, not a {type(change).__name__}")
    return change


def _unknown(obj: str) -> InvalidValue:
    return InvalidValue("object", "Kaiten has users and groups", obj)
