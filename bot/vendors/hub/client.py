"""JetBrains Hub's users as Steward uses them (vendor-docs/hub-update-user.txt).

Facts the code relies on: the REST root is configured (standalone `…/api/rest` or YouTrack's
`…/hub/api/rest`); a permanent token goes as `Bearer perm:…`; Hub sends back only what `fields`
asks for, so every call names its fields; users are updated with POST /users/{id} taking a
partial user, e-mail nested as `profile.email.email`; lookups go through `query=` (`email: {…}`,
`login: {…}`), whose matches are not exact, so answers are filtered; errors carry the JetBrains
body `{error, error_description, error_developer_message, error_field, error_children}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
import pydantic
from pydantic import BaseModel, ConfigDict, SecretStr

from bot.errors import (
    Attempt,
    ConfigError,
    InvalidValue,
    VendorBadResponse,
    VendorError,
    VendorNotFound,
)
from bot.vendors.base import Record, VendorHTTP, json_body, read_each, short_text, status_error
from bot.vendors.fields import UpdateModel, build
from bot.vendors.hub.models import HubUserUpdate

VENDOR = "Hub"
USER_FIELDS = "id,login,name,banned,banReason,banBadge,guest,profile(email(email,verified))"
PAGE = 100
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class HubEmail(BaseModel):
    model_config = ConfigDict(extra="allow")
    email: str | None = None
    verified: bool | None = None


class HubProfile(BaseModel):
    model_config = ConfigDict(extra="allow")
    email: HubEmail | None = None


class HubUser(BaseModel):
    """A Hub user as answered with USER_FIELDS; anything else Hub adds is kept."""

    model_config = ConfigDict(extra="allow")
    id: str
    login: str | None = None
    name: str | None = None
    banned: bool | None = None
    banReason: str | None = None
    banBadge: str | None = None
    guest: bool | None = None
    profile: HubProfile | None = None

    @property
    def email(self) -> str | None:
        return self.profile.email.email if self.profile and self.profile.email else None

    def record(self) -> Record:
        values: dict[str, Any] = {
            "login": self.login,
            "name": self.name,
            "banned": bool(self.banned),
            "banReason": self.banReason,
            "banBadge": self.banBadge,
            "guest": bool(self.guest),
            "email": self.email,
        }
        return Record(self.id, f"{self.name or self.login} ({self.login})", values)


class HubPage(BaseModel):
    model_config = ConfigDict(extra="allow")
    users: list[HubUser] = []
    total: int | None = None


class HubClient:
    """Hub users over one retrying request path (Hub documents no rate limit, so no pacer;
    a 429 with Retry-After is still honoured)."""

    key: ClassVar[str] = "hub"
    name: ClassVar[str] = VENDOR
    objects: ClassVar[Mapping[str, type[UpdateModel]]] = {"user": HubUserUpdate}

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, token: str, *, timeout: float = 10.0, attempts: int = 4
    ) -> None:
        if not token:
            raise ConfigError("HUB_TOKEN is empty: Steward needs a permanent token, perm:…")
        self._token = SecretStr(token)
        self.base_url = base_url.rstrip("/")
        self._http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=_make_status_error,
            timeout=timeout,
            attempts=attempts,
        )

    def __repr__(self) -> str:
        return f"HubClient({self.base_url!r})"

    # --- the pipeline's view ------------------------------------------------------------------

    async def whoami(self) -> Record:
        return (await self.me()).record()

    async def find(self, obj: str, target: str) -> list[Record]:
        _only_users(obj)
        if target == "me" or _UUID.match(target):
            try:
                return [(await self.user(target)).record()]
            except VendorNotFound:
                return []
        if "@" in target:
            return [u.record() for u in await self.find_by_email(target)]
        return [u.record() for u in await self.find_by_login(target)]

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        _only_users(obj)

        async def fetch(user_id: str) -> Record:
            return (await self.user(user_id)).record()

        return await read_each(ids, fetch)

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        _only_users(obj)
        if not isinstance(change, HubUserUpdate):
            raise TypeError(f"a Hub user change is a HubUserUpdate, not {type(change).__name__}")
        return (await self.update_user(current.id, change)).record()

    # --- endpoints ----------------------------------------------------------------------------

    async def me(self, fields: str = USER_FIELDS) -> HubUser:
        return await self.user("me", fields)

    async def user(self, user_id: str, fields: str = USER_FIELDS) -> HubUser:
        attempt = Attempt(f"read user {user_id}", f"user {user_id}", writes=False)
        data = await self._call(
            "GET", f"/users/{quote(user_id, safe='')}", attempt, params={"fields": fields}
        )
        return _shape(HubUser, data, attempt)

    async def users(self, query: str, fields: str = USER_FIELDS) -> list[HubUser]:
        """Every user matching `query`, page by page."""
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
            page = _shape(HubPage, await self._call("GET", "/users", attempt, params=params), attempt)
            fresh = [u for u in page.users if u.id not in found]
            found.update((u.id, u) for u in fresh)
            if len(page.users) < PAGE or not fresh:
                return list(found.values())
            skip += PAGE

    async def find_by_email(self, address: str) -> list[HubUser]:
        wanted = address.strip().lower()
        return [u for u in await self.users(f"email: {{{address}}}") if (u.email or "").lower() == wanted]

    async def find_by_login(self, login: str) -> list[HubUser]:
        wanted = login.strip().lower()
        return [u for u in await self.users(f"login: {{{login}}}") if (u.login or "").lower() == wanted]

    async def update_user(self, user_id: str, change: HubUserUpdate, fields: str = USER_FIELDS) -> HubUser:
        if not change.model_fields_set:
            raise InvalidValue("fields", "at least one field must be given", {})
        body = build(HubUserUpdate, change.given()).body()
        attempt = Attempt(f"update user {user_id}", f"user {user_id}", writes=True)
        path = f"/users/{quote(user_id, safe='')}"
        data = await self._call("POST", path, attempt, params={"fields": fields}, json=body)
        return _shape(HubUser, data, attempt)

    async def _call(
        self, method: str, path: str, attempt: Attempt, *, params: Mapping[str, str], json: Any = None
    ) -> Any:
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Accept": "application/json",
        }
        response = await self._http.request(
            method, path, attempt=attempt, headers=headers, params=params, json=json
        )
        return json_body(response, VENDOR, attempt)


M = TypeVar("M", bound=BaseModel)


def _shape(model: type[M], data: Any, attempt: Attempt) -> M:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError:
        raise VendorBadResponse(VENDOR, attempt, status=200, detail="not the expected shape") from None


def _only_users(obj: str) -> None:
    if obj != "user":
        raise InvalidValue("object", "Hub has users only here", obj)


def vendor_message(response: httpx.Response) -> str:
    """The JetBrains error body as one sentence: its description (or developer message, or
    code), the field it concerns, and its children's descriptions."""
    try:
        data = response.json()
    except ValueError:
        return short_text(response)
    if not isinstance(data, dict):
        return ""

    def words(item: Mapping[str, Any]) -> str:
        text = str(
            item.get("error_description") or item.get("error_developer_message") or item.get("error") or ""
        )
        if item.get("error_field"):
            text += f" (field {item['error_field']})"
        return text

    parts = [words(data)] + [words(c) for c in data.get("error_children") or [] if isinstance(c, dict)]
    text = "; ".join(dict.fromkeys(p for p in parts if p))
    return text if len(text) <= 300 else text[:299] + "…"


def _make_status_error(response: httpx.Response, attempt: Attempt) -> VendorError:
    """The one place a Hub error status becomes a Steward error."""
    return status_error(VENDOR, "HUB_TOKEN", response, attempt, vendor_message(response))
