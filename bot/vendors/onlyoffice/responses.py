"""What ONLYOFFICE Workspace answers, as far as Steward reads it: the success envelope around
every answer, the words of an error, the login token, and the user object (`EmployeeWraperFull`,
notes/vendor-apis.md 2.9): camelCase, with empty fields left out by the server, so every optional
field has a default. Anything else the server sends is kept as an extra field, so a new attribute
never breaks a read.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from bot.errors import Attempt, VendorBadResponse
from bot.vendors.base import Record, short_text

VENDOR = "ONLYOFFICE"
ACTIVE, TERMINATED = 1, 2  # `status`, an integer in JSON (2.7)

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
        what = "a login token" if model is OnlyofficeToken else "a user"
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
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str = ""
    manager: str | None = None


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
        return self.status == TERMINATED

    @property
    def label(self) -> str:
        name = self.displayName or f"{self.firstName} {self.lastName}".strip() or self.userName or self.id
        return f"{name} ({self.email})" if self.email else name

    def record(self) -> Record:
        """Id: the GUID; label "Display Name (email)"; values under the `OnlyofficeUserUpdate`
        field names, in the form a change takes (dates as YYYY-MM-DD, contacts as Type/Value)."""
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


def _day(stamp: str | None) -> str | None:
    """`1990-05-17T00:00:00.0000000+03:00` → `1990-05-17`, the form a change is written in."""
    return stamp[:10] if stamp else None
