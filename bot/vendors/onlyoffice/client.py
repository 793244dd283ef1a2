"""ONLYOFFICE Workspace's people API as Steward uses it (vendor-docs/onlyoffice-update-user.txt).

Facts the code relies on (notes/vendor-apis.md §2, from CommunityServer's EmployeeApi):
- the token goes RAW in `Authorization`, no scheme (2.2); or Steward logs in (session.py);
- answers come in an envelope `{count, status: 0, statusCode, response}`; errors as
  `{status: 1, statusCode, error: {message}}`, except the plain-text 401 `Unauthorized` (2.4, 2.5);
- many refusals are 500s with a message ("The user is suspended"); those it is known to raise
  (responses.REFUSALS, with their sources) are refusals: sent once, "Nothing was changed"; any
  other 500 is a server fault, retried and reported as unknown whether applied;
- PUT /people/{id} clears `contacts` and `lead` when they are left out and turns a guest into a
  full user when `isVisitor` is left out (2.8, EmployeeApi.UpdateMember), so every update is a
  read-modify-write that sends them again;
- PUT /people/{id} on a Terminated user fails with "The user is suspended", so enabling goes
  through PUT /people/status/Active;
- "up to 500 requests per 10-second period" per account (2.6).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx

from bot.errors import (
    Attempt,
    InvalidValue,
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorIgnored,
    VendorNotFound,
    VendorRefused,
)
from bot.vendors.base import (
    RATE_LIMIT_PATIENCE,
    Pacer,
    Record,
    VendorHTTP,
    json_body,
    read_each,
    status_error,
)
from bot.vendors.fields import UpdateModel, build
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate
from bot.vendors.onlyoffice.responses import (
    LEAVE,
    SAVED_BEFORE_SEATS,
    SEAT_REMEDY,
    VENDOR,
    OnlyofficeUser,
    error_words,
    parse,
    refusal,
    unwrap,
)
from bot.vendors.onlyoffice.session import API, LOGIN, LOGIN_CREDENTIAL, Session

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: Sent again with their current values on every PUT unless the change sets them: ONLYOFFICE
#: clears contacts and lead and makes a guest a full user when they are left out (2.8).
KEPT = ("isVisitor", "contacts", "lead")
#: A user on leave (status 4) is as inactive as a disabled one: UpdateMember refuses any status
#: but Active ("The user is suspended"), and UpdateUserStatus activates only a Terminated user
#: (CommunityServer EmployeeApi.cs), so the way back is through disabled.
ON_LEAVE = "on leave (LeaveOfAbsence)"
REACTIVATE = "disable the user, then enable them"
Status = Literal["Active", "Terminated"]


class OnlyofficeClient:
    """ONLYOFFICE users over one paced, retrying request path."""

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
        patience: float = RATE_LIMIT_PATIENCE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = VendorHTTP(
            vendor=VENDOR,
            http=http,
            base_url=self.base_url,
            map_error=self._make_status_error,
            timeout=timeout,
            attempts=attempts,
            pacer=Pacer(500, per=10.0),  # "up to 500 requests per 10-second period"
            patience=patience,
        )
        self._session = Session(self._http, token=token, username=username, password=password)

    def __repr__(self) -> str:
        return f"OnlyofficeClient({self.base_url!r})"

    # -- the Vendor protocol --------------------------------------------------------------------

    async def whoami(self) -> Record:
        return (await self.me()).record()

    async def find(self, obj: str, target: str) -> list[Record]:
        """A user GUID or an e-mail address; a user ONLYOFFICE does not know gives []."""
        _only_users(obj)
        target = target.strip()
        if not (GUID.match(target) or "@" in target):
            raise InvalidValue("target", "must be an ONLYOFFICE user GUID or an e-mail address", target)
        try:
            user = await (self.user(target) if GUID.match(target) else self.user_by_email(target))
        except VendorNotFound:
            return []
        return [user.record()]

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        """One GET per id, concurrently within the pacer; ids that are no GUID or that ONLYOFFICE
        does not know are left out."""
        _only_users(obj)

        async def fetch(user_id: str) -> Record:
            return (await self.user(user_id)).record()

        return await read_each([i for i in ids if GUID.match(i)], fetch)

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        """`current` is a record from `read`/`find`: its values supply what every PUT must send
        again. A record without them is read afresh rather than guessed."""
        _only_users(obj)
        if not isinstance(change, OnlyofficeUserUpdate):
            raise TypeError(f"ONLYOFFICE expects an OnlyofficeUserUpdate, not a {type(change).__name__}")
        user_id, checked = _guid(current.id), _checked(change)
        values = current.values
        if any(name not in values for name in (*KEPT, "disable", "status")):
            values = (await self.user(user_id)).record().values
        return (await self._update(user_id, checked, values)).record()

    # -- endpoints ------------------------------------------------------------------------------

    async def me(self) -> OnlyofficeUser:
        """GET /api/2.0/people/@self: the account Steward acts as."""
        attempt = Attempt("read its own profile", "Steward's own profile", writes=False)
        return await self._user_call("GET", "/people/@self", attempt)

    async def user(self, user_id: str) -> OnlyofficeUser:
        """GET /api/2.0/people/{id} (the server also takes a user name here)."""
        user_id = user_id.strip()
        if not user_id:
            raise InvalidValue("user", "must be an ONLYOFFICE user GUID", user_id)
        attempt = Attempt(f"read user {user_id}", f"user {user_id}", writes=False)
        return await self._user_call("GET", f"/people/{quote(user_id, safe='')}", attempt)

    async def user_by_email(self, email: str) -> OnlyofficeUser:
        """GET /api/2.0/people/email?email=…; unknown → `VendorNotFound` ("User not found")."""
        email = email.strip()
        if "@" not in email:
            raise InvalidValue("email", "must be an e-mail address", email)
        attempt = Attempt(f"look up {email}", f"user with the e-mail address {email}", writes=False)
        return await self._user_call("GET", "/people/email", attempt, params={"email": email})

    async def update_user(
        self, user_id: str, change: OnlyofficeUserUpdate, current: OnlyofficeUser | None = None
    ) -> OnlyofficeUser:
        """Apply `change` as a read-modify-write: the user is read unless `current` is given, and
        `isVisitor`, `contacts` and `lead` are sent with their current values unless the change
        sets them. `disable=false` goes through `set_status(…, "Active")` first, because PUT on a
        Terminated user fails; `disable=true` is a PUT, or `set_status(…, "Terminated")` for a
        user who is not active. A user who is disabled or on leave is sent no other change, and
        one on leave cannot be enabled (ON_LEAVE). After a status change alone the user is read
        back. Returns the user as ONLYOFFICE reports it afterwards."""
        user_id = _guid(user_id)
        checked = _checked(change)
        if current is None:
            current = await self.user(user_id)
        return await self._update(user_id, checked, current.record().values)

    async def set_status(self, user_ids: Sequence[str], status: Status) -> list[OnlyofficeUser]:
        """PUT /api/2.0/people/status/{Active|Terminated} {"userIds": […]}: the users as ONLYOFFICE
        reports them. It skips the owner and Steward's own account silently (they come back
        unchanged), and leaves a user disabled when there is no free seat."""
        if status not in ("Active", "Terminated"):
            raise InvalidValue("status", "must be Active or Terminated", status)
        ids = [_guid(i) for i in user_ids]
        if not ids:
            raise InvalidValue("userIds", "at least one user GUID is needed", [])
        what = "enable" if status == "Active" else "disable"
        subject = f"user {', '.join(ids)}"
        attempt = Attempt(f"{what} {subject}", subject, writes=True)
        data, code = await self._call("PUT", f"/people/status/{status}", attempt, json={"userIds": ids})
        if not isinstance(data, list):
            raise VendorBadResponse(VENDOR, attempt, status=code, detail="not a list of users")
        return [parse(OnlyofficeUser, item, attempt, code) for item in data]

    # -- the update ----------------------------------------------------------------------------

    async def _update(
        self, user_id: str, change: OnlyofficeUserUpdate, values: Mapping[str, Any]
    ) -> OnlyofficeUser:
        body = change.body()
        disable = body.pop("disable", None)
        leave = values.get("status") == LEAVE  # `disable` is true for a user on leave too
        if values.get("disable") and disable is not False:
            if body:
                field = sorted(body)[0]
                state, first = (ON_LEAVE, REACTIVATE) if leave else ("disabled", "enable the user first")
                raise InvalidValue(
                    field,
                    f"cannot be changed while the user is {state}: ONLYOFFICE refuses every change "
                    f'to a user who is not active ("The user is suspended"); {first}',
                    body[field],
                )
            # Not active: PUT would be refused, the status endpoint disables (again).
            await self.set_status([user_id], "Terminated")
            return await self.user(user_id)
        if disable is False and leave:
            raise InvalidValue(
                "disable",
                f"cannot enable a user who is {ON_LEAVE}: ONLYOFFICE's status endpoint activates only "
                f"a disabled user and leaves one on leave as they are; {REACTIVATE}",
                False,
            )
        if disable is False:
            enabled = await self.set_status([user_id], "Active")
            if not any(u.id.lower() == user_id.lower() and not u.disabled for u in enabled):
                raise VendorIgnored(
                    VENDOR,
                    Attempt(f"enable user {user_id}", f"user {user_id}", writes=True),
                    detail="the user is still disabled, as ONLYOFFICE leaves them when the portal "
                    "has no free user seat (or for the portal owner and Steward's own account)",
                    remedy=SEAT_REMEDY,
                )
            if not body:
                return await self.user(user_id)
        elif disable is True:
            body["disable"] = True
        for name in KEPT:
            if name not in body:
                body[name] = _kept(name, values.get(name))
        attempt = Attempt(f"update user {user_id}", f"user {user_id}", writes=True)
        try:
            return await self._user_call("PUT", f"/people/{user_id}", attempt, json=body)
        except VendorRefused as err:
            no_seat = err.vendor_message.startswith("Exceeds the maximum active users")
            if no_seat and SAVED_BEFORE_SEATS & set(body):
                err.changed = "unknown"  # the groups or the photo were saved before the seat check
            raise

    # -- plumbing ------------------------------------------------------------------------------

    async def _user_call(
        self,
        method: str,
        path: str,
        attempt: Attempt,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> OnlyofficeUser:
        data, code = await self._call(method, path, attempt, params=params, json=json)
        return parse(OnlyofficeUser, data, attempt, code)

    async def _call(
        self,
        method: str,
        path: str,
        attempt: Attempt,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> tuple[Any, int]:
        """One request with the current token, and once more with a new login token if
        ONLYOFFICE answered 401 to a login token; returns the envelope's `response` and the status."""
        token = await self._session.token()
        try:
            response = await self._send(method, path, attempt, token, params, json)
        except VendorAuthError:
            fresh = await self._session.renew(token)
            if fresh is None:
                raise
            response = await self._send(method, path, attempt, fresh, params, json)
        code = response.status_code
        return unwrap(json_body(response, VENDOR, attempt), attempt, code), code

    async def _send(
        self,
        method: str,
        path: str,
        attempt: Attempt,
        token: str,
        params: Mapping[str, str] | None,
        json: Any,
    ) -> httpx.Response:
        headers = {"Authorization": token, "Accept": "application/json"}  # raw, as the docs say
        return await self._http.request(
            method, API + path, attempt=attempt, headers=headers, params=params, json=json
        )

    def _make_status_error(self, response: httpx.Response, attempt: Attempt) -> VendorError:
        """The one place an ONLYOFFICE error answer becomes a Steward error: the message is the
        error envelope's (or the plain text of a 401), any token echoed back is masked, and the
        status decides the class (bot.vendors.base.status_error). A refused login — a 401, or the
        500 "User authentication failed" the server sends for a wrong password — is an auth error;
        a 500 whose message is a refusal the server is known to raise (`refusal`) is that refusal."""
        message, enveloped = error_words(response)
        status = response.status_code
        if attempt == LOGIN and (status == 401 or (status == 500 and enveloped)):
            return VendorAuthError(
                VENDOR, attempt, status=status, vendor_message=message, credential=LOGIN_CREDENTIAL
            )
        known = refusal(message) if status == 500 and enveloped else None
        if known is not None:
            return known.error(attempt, status, message)
        return status_error(VENDOR, self._session.credential, response, attempt, message)


def _checked(change: OnlyofficeUserUpdate) -> OnlyofficeUserUpdate:
    """The change validated again (a `model_construct`ed one too); an empty one is refused."""
    if not change.model_fields_set:
        raise InvalidValue("fields", "at least one field must be given", {})
    return build(OnlyofficeUserUpdate, change.given())


def _kept(name: str, value: Any) -> Any:
    """A current value from `OnlyofficeUser.record()` in the form PUT takes."""
    if name == "isVisitor":
        return bool(value)
    if name == "contacts":
        pairs = [{str(k).lower(): v for k, v in c.items()} for c in value or [] if isinstance(c, Mapping)]
        return [{"Type": str(c.get("type", "")), "Value": str(c.get("value", ""))} for c in pairs]
    return str(value) if value else None


def _guid(user_id: str) -> str:
    user_id = user_id.strip()
    if not GUID.match(user_id):
        raise InvalidValue(
            "user", "must be an ONLYOFFICE user GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6", user_id
        )
    return user_id


def _only_users(obj: str) -> None:
    if obj != "user":
        raise InvalidValue("object", "ONLYOFFICE has users only here", obj)
