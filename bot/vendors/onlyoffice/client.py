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
- the e-mail address has its own endpoint, PUT /people/{id}/email (4.2, EmployeeApi.ChangeUserEmail);
- group membership (4.2, CommunityServer module/ASC.Api/ASC.Employee/GroupsApi.cs): PUT
  /group/{id}/members adds and keeps the others, DELETE with the same JSON body removes; POST
  replaces every member and is never sent; GET /group/user/{id} lists a user's groups;
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
    VendorForbidden,
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
    TERMINATED,
    VENDOR,
    OnlyofficeGroup,
    OnlyofficeGroupFull,
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
#: What ChangeUserEmail's 403 "No permissions to perform this action" (a SecurityException) means:
#: it is thrown for a Terminated, LDAP, SSO or system user, and for the owner unless the owner asks.
EMAIL_REMEDY = (
    "ONLYOFFICE changes no e-mail address of a disabled user, of a user from LDAP or SSO (change it "
    "in the directory), or of the portal owner unless the owner's own account asks; change it there, "
    "or by hand in ONLYOFFICE."
)
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

    # -- the Groups protocol --------------------------------------------------------------------

    async def find_groups(self, target: str) -> list[Record]:
        """A group GUID: that group, or [] for one ONLYOFFICE does not have. A name: the groups
        GET /group/search finds for it, a case-sensitive substring of the name (GroupsApi
        GetTagsByName: `Name.Contains`); when none of them has the name itself, ignoring case,
        every group (GET /group) whose name holds the text ignoring case, which includes those
        hits. The caller keeps the exact match and lists the rest as close matches."""
        target = target.strip()
        if not target:
            raise InvalidValue("group", "must be an ONLYOFFICE group GUID or a group name", target)
        if GUID.match(target):
            try:
                return [(await self.group(target)).record()]
            except VendorNotFound:  # "group not found"
                return []
        wanted = target.casefold()
        hits = await self.search_groups(target)
        if any(g.name.casefold() == wanted for g in hits):
            return [g.record() for g in hits]
        return [g.record() for g in await self.groups() if wanted in g.name.casefold()]

    async def members(self, group: Record) -> list[Record]:
        """The members GET /group/{id} lists, in one request. ONLYOFFICE lists the members who are
        active or on leave only (GroupWrapperFull takes GetUsersByGroup with its default status,
        Active | LeaveOfAbsence): a disabled (Terminated) member is in the group and not listed.
        The answer has no e-mail addresses (EmployeeWraper), and no user is read for one: each
        record has the id and the display name."""
        return [m.record() for m in (await self.group(group.id, label=group.label)).members]

    async def add_member(self, group: Record, user: Record) -> None:
        """PUT /group/{id}/members {"members": [user]}: AddMembersTo, "keeping the current users
        and adding new ones"; never POST (SetMembersTo), which replaces every member. ONLYOFFICE
        skips a user id it does not know without a word and lists no disabled member in its
        answer, so a user the answer leaves out is looked up (unless their record says they are
        disabled): one ONLYOFFICE does not know is `VendorIgnored`."""
        group_id, user_id = _group_id(group.id), _guid(user.id)
        attempt = Attempt(
            f"add user {user.label} to group {group.label}", f"group {group.label}", writes=True
        )
        after = await self._members_call("PUT", group_id, user_id, attempt)
        if _listed(after, user_id):
            return
        status = user.values.get("status")
        if status is None:
            try:  # under the add's attempt: if this read fails, the add may have been made
                status = (await self._user_call("GET", f"/people/{user_id}", attempt)).status
            except VendorNotFound:
                status = None
            except VendorError as err:
                if not isinstance(err, VendorBadResponse):  # whose `changed` follows its status
                    err.changed = "unknown"  # a disabled user was added, and the answer cannot show it
                raise
        if status == TERMINATED:
            return  # added: AddUserIntoGroup does not look at the status; the answer cannot show it
        raise VendorIgnored(
            VENDOR,
            attempt,
            detail="the user is not among the group's members afterwards: ONLYOFFICE skips, without "
            "a word, a user it does not know",
            remedy="Check that the user still exists in ONLYOFFICE, then send the request again.",
        )

    async def remove_member(self, group: Record, user: Record) -> None:
        """DELETE /group/{id}/members with the JSON body {"members": [user]}: RemoveMembersFrom,
        the others retained. A user still listed afterwards is `VendorIgnored`."""
        group_id, user_id = _group_id(group.id), _guid(user.id)
        attempt = Attempt(
            f"remove user {user.label} from group {group.label}", f"group {group.label}", writes=True
        )
        after = await self._members_call("DELETE", group_id, user_id, attempt)
        if _listed(after, user_id):
            raise VendorIgnored(
                VENDOR,
                attempt,
                detail="the user is still a member afterwards",
                remedy=f"Check group {group.label} in ONLYOFFICE, then send the request again.",
            )

    async def groups_of(self, user: Record) -> list[Record]:
        """GET /api/2.0/group/user/{userid} (GroupsApi.GetByUserId; notes/vendor-apis.md 4.2): the
        user's groups, `[{id, name, manager}]`, from UserManager.GetUserGroups, which does not
        look at the user's status, so a disabled user's groups come too. It does not look the
        user up either: an id the portal does not have is answered `[]`, so an empty answer is
        followed by GET /people/{id}, whose 404 "User not found" is the error. (The full user
        that GET /people/{id} answers carries the same list as `groups`.)"""
        user_id = _guid(user.id)
        attempt = Attempt(f"list the groups of {user.label}", f"user {user_id}", writes=False)
        found = await self._groups_call(f"/group/user/{user_id}", attempt)
        if not found:
            await self._user_call("GET", f"/people/{user_id}", attempt)
        return [group.record() for group in found]

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
        user who is not active. A user who is disabled or on leave is sent no other change (but a
        new e-mail address for one on leave), and one on leave cannot be enabled (ON_LEAVE).
        `email` goes alone to `change_email`, after any enabling and before the PUT of the rest.
        After a status change alone the user is read back. Returns the user as ONLYOFFICE
        reports it afterwards."""
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

    async def change_email(self, user_id: str, email: str) -> OnlyofficeUser:
        """PUT /api/2.0/people/{id}/email {"email": …} (EmployeeApi.ChangeUserEmail; notes 4.2):
        the user as ONLYOFFICE reports them afterwards. The server lower-cases the address, sets
        the activation status to NotActivated, mails an activation link to the new address and
        resets the user's sessions (CookiesManager.ResetUserCookie): they must sign in again.
        An address anyone has already, the user included and in any case, is a 500 "User with
        this email is already registered" (a refusal, responses.REFUSALS); a Terminated, LDAP,
        SSO or unknown user, or the owner when Steward's account is not the owner, a 403 "No
        permissions to perform this action", which is made a `VendorRefused` saying so."""
        user_id = _guid(user_id)
        address = build(OnlyofficeUserUpdate, {"email": email}).email
        attempt = Attempt(f"change the e-mail address of user {user_id}", f"user {user_id}", writes=True)
        try:
            return await self._user_call("PUT", f"/people/{user_id}/email", attempt, json={"email": address})
        except VendorForbidden as err:
            if err.status != 403:
                raise  # a 500 AuthorizingException: Steward's account lacks the rights
            refused = VendorRefused(
                VENDOR, attempt, status=err.status, vendor_message=err.vendor_message, remedy=EMAIL_REMEDY
            )
            refused.attempts_made = err.attempts_made
            raise refused from None

    async def groups(self) -> list[OnlyofficeGroup]:
        """GET /api/2.0/group: every group (GroupsApi.GetAll)."""
        attempt = Attempt("list the groups", "the groups", writes=False)
        return await self._groups_call("/group", attempt)

    async def search_groups(self, name: str) -> list[OnlyofficeGroup]:
        """GET /api/2.0/group/search?groupName=…: the groups whose name holds `name`, case-sensitively
        (GetTagsByName trims it, and finds nothing for an empty one)."""
        attempt = Attempt(f"look up group {name}", f"group {name}", writes=False)
        return await self._groups_call("/group/search", attempt, params={"groupName": name})

    async def group(self, group_id: str, *, label: str = "") -> OnlyofficeGroupFull:
        """GET /api/2.0/group/{id}: the group with its manager and members (see `members`); one
        ONLYOFFICE does not have → `VendorNotFound` ("group not found")."""
        group_id = _group_id(group_id)
        subject = f"group {label or group_id}"
        attempt = Attempt(f"read {subject}", subject, writes=False)
        data, code = await self._call("GET", f"/group/{group_id}", attempt)
        return parse(OnlyofficeGroupFull, data, attempt, code)

    # -- the update ----------------------------------------------------------------------------

    async def _update(
        self, user_id: str, change: OnlyofficeUserUpdate, values: Mapping[str, Any]
    ) -> OnlyofficeUser:
        body = change.body()
        email = body.pop("email", None)  # to its own endpoint, before the PUT (see `_email_first`)
        disable = body.pop("disable", None)
        leave = values.get("status") == LEAVE  # `disable` is true for a user on leave too
        if values.get("disable") and disable is not False:
            # ChangeUserEmail refuses a Terminated user only; UpdateMember anyone not active
            refused = sorted(body) or ([] if leave or email is None else ["email"])
            if refused == ["email"]:
                raise InvalidValue(
                    "email",
                    "cannot be changed while the user is disabled: ONLYOFFICE changes no e-mail "
                    'address of a disabled user ("No permissions to perform this action"); enable the '
                    "user first",
                    email,
                )
            if refused:
                field = refused[0]
                state, first = (ON_LEAVE, REACTIVATE) if leave else ("disabled", "enable the user first")
                raise InvalidValue(
                    field,
                    f"cannot be changed while the user is {state}: ONLYOFFICE refuses every change "
                    f'to a user who is not active ("The user is suspended"); {first}',
                    body[field],
                )
            if email is not None:  # a user on leave
                after = await self.change_email(user_id, email)
                if disable is not True:
                    return after
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
            if not body and email is None:
                return await self.user(user_id)
        elif disable is True:
            body["disable"] = True
        if email is not None:
            return await self._email_first(user_id, email, body, values)
        return await self._put(user_id, body, values)

    async def _email_first(
        self, user_id: str, email: str, body: dict[str, Any], values: Mapping[str, Any]
    ) -> OnlyofficeUser:
        """The e-mail address, then the rest: the address is the change ONLYOFFICE most often
        refuses (it is taken), and refused first it leaves nothing changed. A PUT failing after
        it leaves the address changed, so that failure says it is unknown what was applied."""
        after = await self.change_email(user_id, email)
        if not body:
            return after
        try:
            return await self._put(user_id, body, values)
        except VendorError as err:
            if not isinstance(err, VendorBadResponse):  # whose `changed` follows its status
                err.changed = "unknown"
            raise

    async def _put(self, user_id: str, body: dict[str, Any], values: Mapping[str, Any]) -> OnlyofficeUser:
        """PUT /people/{id} with `body` and the KEPT fields it does not set, at their current values."""
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

    async def _members_call(
        self, method: str, group_id: str, user_id: str, attempt: Attempt
    ) -> OnlyofficeGroupFull:
        """PUT or DELETE /group/{id}/members {"members": [user_id]} (the server reads the JSON body
        of a DELETE too): the group as it is afterwards."""
        data, code = await self._call(
            method, f"/group/{group_id}/members", attempt, json={"members": [user_id]}
        )
        return parse(OnlyofficeGroupFull, data, attempt, code)

    async def _groups_call(
        self, path: str, attempt: Attempt, *, params: Mapping[str, str] | None = None
    ) -> list[OnlyofficeGroup]:
        data, code = await self._call("GET", path, attempt, params=params)
        if not isinstance(data, list):
            raise VendorBadResponse(VENDOR, attempt, status=code, detail="not a list of groups")
        return [parse(OnlyofficeGroup, item, attempt, code) for item in data]

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


def _group_id(group_id: str) -> str:
    group_id = group_id.strip()
    if not GUID.match(group_id):
        raise InvalidValue(
            "group", "must be an ONLYOFFICE group GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6", group_id
        )
    return group_id


def _listed(group: OnlyofficeGroupFull, user_id: str) -> bool:
    return any(m.id.lower() == user_id.lower() for m in group.members)


def _only_users(obj: str) -> None:
    if obj != "user":
        raise InvalidValue("object", "ONLYOFFICE has users only here", obj)
