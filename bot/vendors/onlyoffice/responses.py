"""What ONLYOFFICE Workspace answers, as far as Steward reads it: the success envelope around
every answer, the words of an error, the login token, the user object (`EmployeeWraperFull`,
notes/vendor-apis.md 2.9) and the groups (`GroupWrapperSummary`, `GroupWrapperFull` with its
members as `EmployeeWraper`, CommunityServer module/ASC.Api/ASC.Employee): camelCase, with empty
fields left out by the server, so every optional field has a default. Anything else the server
sends is kept as an extra field, so a new attribute never breaks a read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from bot.errors import (
    Attempt,
    VendorBadResponse,
    VendorForbidden,
    VendorRefused,
    VendorRejected,
    VendorStatusError,
)
from bot.vendors.base import Record, short_text

VENDOR = "ONLYOFFICE"
ACTIVE, TERMINATED, LEAVE = 1, 2, 4  # `status`, an integer in JSON (2.7): LEAVE is LeaveOfAbsence
SEAT_REMEDY = (
    "Free a seat in ONLYOFFICE (disable someone, or make them a guest) or raise the plan's user "
    "quota, then try again."
)

M = TypeVar("M", bound=BaseModel)


def unwrap(data: Any, attempt: Attempt, status: int) -> Any:
    """The `response` of `{"count": 1, "status": 0, "statusCode": 200, "response": …}`."""
    if not isinstance(data, dict) or "response" not in data:
        raise VendorBadResponse(VENDOR, attempt, status=status, detail="no response envelope")
    return data["response"]


def parse(model: type[M], data: Any, attempt: Attempt, status: int) -> M:
    """`data` as `model`, or `VendorBadResponse` naming what was expected."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError:
        what = _WHAT.get(model, "a user")
        raise VendorBadResponse(VENDOR, attempt, status=status, detail=f"not {what}") from None


def error_words(response: httpx.Response) -> tuple[str, bool]:
    """ONLYOFFICE's words for an error — the error envelope's message, or the plain text of a
    401 — with any token it echoes masked, and whether they came in the envelope."""
    try:
        data = response.json()
    except ValueError:
        message, enveloped = short_text(response), False
    else:
        error = data.get("error") if isinstance(data, dict) else None
        enveloped = isinstance(error, dict) and bool(error.get("message"))
        message = str(error.get("message") or "") if isinstance(error, dict) else ""
    try:
        token = response.request.headers.get("authorization", "").strip()
    except RuntimeError:  # a response built by hand has no request
        token = ""
    if len(token) >= 4:
        message = message.replace(token, "•••")
    return (message if len(message) <= 300 else message[:299] + "…"), enveloped


@dataclass(frozen=True)
class Refusal:
    """One refusal ONLYOFFICE raises as an exception of its own: the words it says, the error
    they make, and what to do about it."""

    words: re.Pattern[str]
    kind: type[VendorStatusError]
    remedy: str = ""

    def error(self, attempt: Attempt, status: int, message: str) -> VendorStatusError:
        if self.kind is VendorRefused:
            return VendorRefused(VENDOR, attempt, status=status, vendor_message=message, remedy=self.remedy)
        return self.kind(VENDOR, attempt, status=status, vendor_message=message)


#: The refusals ONLYOFFICE raises as plain exceptions, which reach the client as HTTP 500 with the
#: error envelope: CommunityServer's ApiHttpHandler gives 404, 400 and 403 only to ItemNotFound-,
#: Argument-, Security- and InvalidOperationException, and 500 to every other. Each is thrown before
#: the user is saved, so nothing was changed; the seat quota is checked after the groups and the
#: photo are saved (see `SAVED_BEFORE_SEATS`). Sources (CommunityServer, module/ASC.Api/ASC.Employee/
#: EmployeeApi.cs unless said): UpdateMember "The user is suspended" (any status but Active) and
#: `TenantQuotaException("Exceeds the maximum active users ({0})")`; DeleteMember "The user is not
#: suspended"; Resource.resx ErrorIncorrectUserName "Incorrect firstname or lastname" (UpdateMember)
#: and ErrorEmailAlreadyExists "{!User} with this email is already registered" (ChangeUserEmail, for
#: an address anyone has, the user themselves included, in any case; {!User} is the portal's own
#: word for a user); ChangeUserEmail's `new MailAddress(email)`, whose FormatException says "The
#: specified string is not in the form required for an e-mail address." (.NET System.Net.Mail,
#: SR.MailAddressInvalidFormat) and is thrown before the user is saved;
#: common/ASC.Common/Security/Authorizing/AuthorizingException.cs `"{subject}" access denied
#: "{actions}"[. Cause: …]`, what SecurityContext.DemandPermissions throws for missing rights (it
#: derives from RemotingException, not SecurityException; GroupsApi's member calls demand "Edit
#: categories and groups" and "Add/Remove user"). The Resource.resx texts come in the language of
#: Steward's ONLYOFFICE account: in another language they are not recognised, and such an answer
#: stays a server fault.
#: Any other 500 — no message, or one not listed here — stays a server fault too: retried, and
#: reported as unknown whether the change was applied.
REFUSALS = (
    Refusal(
        re.compile(r"The user is suspended"),
        VendorRefused,
        "ONLYOFFICE changes only active users: enable the user first (a user on leave: disable, "
        "then enable), then send the change again.",
    ),
    Refusal(
        re.compile(r"The user is not suspended"),
        VendorRefused,
        "ONLYOFFICE deletes only disabled users: disable the user first.",
    ),
    Refusal(re.compile(r"Exceeds the maximum active users \(\d+\)"), VendorRefused, SEAT_REMEDY),
    Refusal(re.compile(r"Incorrect firstname or lastname"), VendorRejected),
    Refusal(re.compile(r"\S.* with this email is already registered"), VendorRejected),
    Refusal(
        re.compile(r"The specified string is not in the form required for an e-mail address\.?"),
        VendorRejected,
    ),
    Refusal(re.compile(r'".*" access denied ".*"(\. Cause: .*)?', re.DOTALL), VendorForbidden),
)
#: Fields whose change UpdateMember saves before it checks the seat quota: `department`
#: (UserManager.AddUserIntoGroup/RemoveUserFromGroup write at once) and `files` (the photo).
SAVED_BEFORE_SEATS = frozenset({"department", "files"})


def refusal(message: str) -> Refusal | None:
    """The refusal ONLYOFFICE's `message` (of a 500 with the envelope) is, if it is one."""
    text = message.strip()
    return next((r for r in REFUSALS if r.words.fullmatch(text)), None)


class OnlyofficeContact(BaseModel):
    """One contact: the server answers `type`/`value`, and binds `Type`/`Value` in any case."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = ""
    value: str = ""

    @model_validator(mode="before")
    @classmethod
    def _any_case(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {str(k).lower() if str(k).lower() in ("type", "value") else k: v for k, v in data.items()}
        return data

    def sent(self) -> dict[str, str]:
        """The form PUT /people/{id} takes."""
        return {"Type": self.type, "Value": self.value}


class OnlyofficeGroup(BaseModel):
    """A group as GET /group, GET /group/search and a user's `groups` give it
    (GroupWrapperSummary): `manager` is the manager's user name."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str = ""
    manager: str | None = None

    def record(self) -> Record:
        """Id: the GUID; label: the name."""
        return Record(self.id, self.name or self.id)


class OnlyofficeMember(BaseModel):
    """A user as a group lists them (EmployeeWraper): id, displayName, title, avatarSmall,
    profileUrl, and no e-mail address."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    displayName: str = ""
    title: str | None = None
    email: str | None = None  # not in EmployeeWraper; read should a server send it

    def record(self) -> Record:
        """Id and label as `OnlyofficeUser.record` gives them; values: only the e-mail address,
        when the answer has one (no user is read to fill them in)."""
        name = self.displayName or self.id
        if self.email:
            return Record(self.id, f"{name} ({self.email})", {"email": self.email})
        return Record(self.id, name)


class OnlyofficeGroupFull(BaseModel):
    """A group as GET /group/{id} and the members calls answer it (GroupWrapperFull): `manager`
    is a user (`EmployeeWraper`), and `members` are GetUsersByGroup(id) with its default status,
    Active | LeaveOfAbsence: members who are disabled (Terminated) are left out."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str = ""
    manager: OnlyofficeMember | None = None
    members: list[OnlyofficeMember] = []

    def record(self) -> Record:
        return Record(self.id, self.name or self.id)


class OnlyofficeUser(BaseModel):
    """A user as GET /people/{id}, GET /people/email, GET /people/@self and PUT /people/{id} report it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    displayName: str = ""
    userName: str = ""
    firstName: str = ""
    lastName: str = ""
    email: str = ""
    title: str | None = None
    avatarSmall: str | None = None
    profileUrl: str | None = None
    contacts: list[OnlyofficeContact] = []
    birthday: str | None = None
    sex: str | None = None
    status: int = ACTIVE
    activationStatus: int | None = None
    terminated: str | None = None
    department: str | None = None  # the group names joined with ", ", not a list
    workFrom: str | None = None
    groups: list[OnlyofficeGroup] = []
    location: str | None = None
    notes: str | None = None
    lead: str | None = None
    avatarMedium: str | None = None
    avatar: str | None = None
    isAdmin: bool = False
    isLDAP: bool = False
    listAdminModules: list[str] = []
    isOwner: bool = False
    isVisitor: bool = False
    cultureName: str | None = None
    isSSO: bool = False

    @property
    def disabled(self) -> bool:
        """Not active: disabled (Terminated) or on leave (LeaveOfAbsence). Neither may sign in
        (SecurityContext.AuthenticateMe: "Account disabled." for any status but Active)."""
        return self.status != ACTIVE

    @property
    def label(self) -> str:
        name = self.displayName or f"{self.firstName} {self.lastName}".strip() or self.userName or self.id
        return f"{name} ({self.email})" if self.email else name

    def record(self) -> Record:
        """Id: the GUID; label "Display Name (email)"; values under the `OnlyofficeUserUpdate`
        field names, in the form a change takes (dates as YYYY-MM-DD, contacts as Type/Value;
        `disable` true for a user who is not active), and `status` (1 Active, 2 Terminated,
        4 LeaveOfAbsence)."""
        values: dict[str, Any] = {
            "isVisitor": self.isVisitor,
            "firstname": self.firstName,
            "lastname": self.lastName,
            "comment": self.notes,
            "title": self.title,
            "location": self.location,
            "sex": self.sex,
            "birthday": _day(self.birthday),
            "worksfrom": _day(self.workFrom),
            "contacts": [c.sent() for c in self.contacts],
            "lead": self.lead or None,
            "disable": self.disabled,
            "department": [g.id for g in self.groups],
            "status": self.status,  # not a field: the client refuses changes to a user not active
            "email": self.email,
        }
        return Record(self.id, self.label, values)


class OnlyofficeToken(BaseModel):
    """POST /api/2.0/authentication: `{token, expires}`; with two-factor login there is no token
    but `sms`/`tfa` and a second step Steward does not take (2.1)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    token: str | None = None
    expires: str | None = None
    sms: bool | None = None
    tfa: bool | None = None


_WHAT: dict[type[BaseModel], str] = {
    OnlyofficeToken: "a login token",
    OnlyofficeGroup: "a group",
    OnlyofficeGroupFull: "a group",
}


def _day(stamp: str | None) -> str | None:
    """`1990-05-17T00:00:00.0000000+03:00` → `1990-05-17`, the form a change is written in."""
    return stamp[:10] if stamp else None
