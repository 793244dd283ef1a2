"""ONLYOFFICE Workspace's people API as Steward uses it (vendor-docs/onlyoffice-update-user.txt).

Facts the code relies on (notes/vendor-apis.md §2, from CommunityServer's EmployeeApi):
- the token goes RAW in `Authorization`; or Steward logs in with POST /api/2.0/authentication
  and renews the token before it expires, and once on a 401;
- answers come in an envelope `{status, statusCode, response}`; errors as
  `{status: 1, statusCode, error: {message}}`, except a plain-text 401 "Unauthorized";
- PUT /people/{id} clears `contacts` and `lead` when they are left out and turns a guest into a
  user when `isVisitor` is left out, so every update is a read-modify-write that sends them;
- PUT on a Terminated user fails ("The user is suspended"): enabling goes through
  PUT /people/status/Active.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from bot.errors import Attempt, ConfigError, InvalidValue, VendorAuthError, VendorError, VendorNotFound
from bot.vendors.base import Pacer, Record, VendorHTTP, json_body, read_each, short_text, status_error
from bot.vendors.fields import UpdateModel, build
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate
from bot.vendors.onlyoffice.responses import OnlyofficeUser, unwrap

VENDOR = "ONLYOFFICE"
API = "/api/2.0"
RENEW_BEFORE = dt.timedelta(minutes=5)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: Sent with their current values on every PUT unless the change sets them (see the docstring).
KEPT = ("isVisitor", "contacts", "lead")


class OnlyofficeClient:
    key: ClassVar[str] = "onlyoffice"
    name: ClassVar[str] = VENDOR
    objects: ClassVar[Mapping[str, type[UpdateModel]]] = {"user": OnlyofficeUserUpdate}

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        attempts: int = 4,
    ) -> None:
        if not token and not (username and password):
            raise ConfigError(
                "ONLYOFFICE needs ONLYOFFICE_TOKEN, or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD"
            )
        self.base_url = base_url.rstrip("/")
        self._static = SecretStr(token) if token else None
        self._username = username
        self._password = SecretStr(password) if password else None
        self._token: SecretStr | None = self._static
        self._expires: dt.datetime | None = None
        self._login_lock = asyncio.Lock()
        self.credential = "ONLYOFFICE_TOKEN" if token else "ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD"
        self._http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=self._make_status_error,
            timeout=timeout,
            attempts=attempts,
            pacer=Pacer(500, per=10.0),  # "up to 500 requests per 10-second period"
        )
        # One try only: ONLYOFFICE locks a login out after too many failed attempts.
        self._login_http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=self._make_status_error,
            timeout=timeout,
            attempts=1,
        )

    def __repr__(self) -> str:
        return f"OnlyofficeClient({self.base_url!r})"

    # --- the pipeline's view ------------------------------------------------------------------

    async def whoami(self) -> Record:
        return (await self.me()).record()

    async def find(self, obj: str, target: str) -> list[Record]:
        _only_users(obj)
        try:
            if _GUID.match(target):
                return [(await self.user(target)).record()]
            if "@" in target:
                return [(await self.user_by_email(target)).record()]
        except VendorNotFound:
            return []
        raise InvalidValue("target", "must be an ONLYOFFICE user GUID or an e-mail address", target)

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        _only_users(obj)

        async def fetch(user_id: str) -> Record:
            return (await self.user(user_id)).record()

        return await read_each([i for i in ids if _GUID.match(i)], fetch)

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        _only_users(obj)
        if not isinstance(change, OnlyofficeUserUpdate):
            raise TypeError(f"an ONLYOFFICE change is an OnlyofficeUserUpdate, not {type(change).__name__}")
        return (await self.update_user(current.id, change, current=current.values)).record()

    # --- endpoints ----------------------------------------------------------------------------

    async def me(self) -> OnlyofficeUser:
        attempt = Attempt("read its own profile", "its own profile", writes=False)
        return OnlyofficeUser.of(await self._call("GET", "/people/@self", attempt), attempt)

    async def user(self, user_id: str) -> OnlyofficeUser:
        attempt = Attempt(f"read user {user_id}", f"user {user_id}", writes=False)
        return OnlyofficeUser.of(
            await self._call("GET", f"/people/{quote(user_id, safe='')}", attempt), attempt
        )

    async def user_by_email(self, email: str) -> OnlyofficeUser:
        attempt = Attempt(f"look up {email}", f"user with the e-mail address {email}", writes=False)
        data = await self._call("GET", "/people/email", attempt, params={"email": email})
        return OnlyofficeUser.of(data, attempt)

    async def set_status(self, user_ids: Sequence[str], status: str) -> list[OnlyofficeUser]:
        what = "enable" if status == "Active" else "disable"
        attempt = Attempt(f"{what} {', '.join(user_ids)}", f"user {', '.join(user_ids)}", writes=True)
        data = await self._call("PUT", f"/people/status/{status}", attempt, json={"userIds": list(user_ids)})
        return [OnlyofficeUser.of(item, attempt) for item in (data if isinstance(data, list) else [])]

    async def update_user(
        self, user_id: str, change: OnlyofficeUserUpdate, current: Mapping[str, Any] | None = None
    ) -> OnlyofficeUser:
        """PUT as a read-modify-write: `current` (Record values from a fresh read) or a new read
        supplies isVisitor, contacts and lead unless the change sets them."""
        if not change.model_fields_set:
            raise InvalidValue("fields", "at least one field must be given", {})
        given = build(OnlyofficeUserUpdate, change.given()).given()
        if current is None:
            current = (await self.user(user_id)).record().values
        if given.get("disable") is False:
            await self.set_status([user_id], "Active")
            given.pop("disable")
            if not given:
                return await self.user(user_id)
        keep = {name: current.get(name) for name in KEPT if name not in given}
        keep["isVisitor"] = bool(keep.get("isVisitor", given.get("isVisitor", False)))
        keep["contacts"] = keep.get("contacts") or []
        body = build(OnlyofficeUserUpdate, {**keep, **given}).body()
        body.setdefault("lead", None)
        attempt = Attempt(f"update user {user_id}", f"user {user_id}", writes=True)
        data = await self._call("PUT", f"/people/{quote(user_id, safe='')}", attempt, json=body)
        return OnlyofficeUser.of(data, attempt)

    # --- auth and plumbing --------------------------------------------------------------------

    async def _auth(self, renew: bool = False) -> str:
        if self._static is not None:
            return self._static.get_secret_value()
        async with self._login_lock:
            now = dt.datetime.now(dt.UTC)
            fresh = (
                self._token is not None and self._expires is not None and self._expires - RENEW_BEFORE > now
            )
            if renew or not fresh:
                await self._login()
            assert self._token is not None
            return self._token.get_secret_value()

    async def _login(self) -> None:
        attempt = Attempt("log in", "Steward's login", writes=False)
        assert self._username and self._password
        body = {"userName": self._username, "password": self._password.get_secret_value()}
        try:
            response = await self._login_http.request(
                "POST", f"{API}/authentication", attempt=attempt, json=body
            )
        except VendorError as err:
            if getattr(err, "status", 0) in (401, 403, 500):
                raise VendorAuthError(
                    VENDOR,
                    attempt,
                    status=401,
                    vendor_message=getattr(err, "vendor_message", ""),
                    credential=self.credential,
                ) from None
            raise
        data = unwrap(json_body(response, VENDOR, attempt), VENDOR, attempt, response.status_code)
        if not isinstance(data, dict) or not data.get("token"):
            raise VendorAuthError(
                VENDOR,
                attempt,
                status=401,
                vendor_message="no token (two-factor login?)",
                credential=self.credential,
            )
        self._token = SecretStr(str(data["token"]))
        try:
            self._expires = dt.datetime.fromisoformat(str(data.get("expires")))
            if self._expires.tzinfo is None:
                self._expires = self._expires.replace(tzinfo=dt.UTC)
        except ValueError:
            self._expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)

    async def _call(
        self,
        method: str,
        path: str,
        attempt: Attempt,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        for renew in (False, True):
            headers = {"Authorization": await self._auth(renew), "Accept": "application/json"}
            try:
                response = await self._http.request(
                    method, API + path, attempt=attempt, headers=headers, params=params, json=json
                )
            except VendorAuthError:
                if self._static is not None or renew:
                    raise
                continue  # a login token may have ended early: log in again, once
            return unwrap(json_body(response, VENDOR, attempt), VENDOR, attempt, response.status_code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _make_status_error(self, response: httpx.Response, attempt: Attempt) -> VendorError:
        """The one place an ONLYOFFICE error status becomes a Steward error: the message is the
        error envelope's, or the plain text of a 401."""
        message = ""
        try:
            data = response.json()
        except ValueError:
            message = short_text(response)
        else:
            if isinstance(data, dict) and isinstance(data.get("error"), dict):
                message = str(data["error"].get("message") or "")
        return status_error(VENDOR, self.credential, response, attempt, message[:300])


def _only_users(obj: str) -> None:
    if obj != "user":
        raise InvalidValue("object", "ONLYOFFICE has users only here", obj)
