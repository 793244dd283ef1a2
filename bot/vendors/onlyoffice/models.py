"""ONLYOFFICE Workspace's update body (PUT /api/2.0/people/{userid}), as
vendor-docs/onlyoffice-update-user.txt and CommunityServer's EmployeeApi.UpdateMember give it, and
the e-mail address, which has an endpoint of its own (PUT /api/2.0/people/{userid}/email,
EmployeeApi.ChangeUserEmail; notes/vendor-apis.md 4.2)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.vendors.fields import FREE_TEXT, UpdateModel

#: The input formats the server parses (ApiDateTime, notes 2.10): `yyyy-MM-dd`, and a time
#: written `HH:mm:ss` or `HH-mm-ss`, with .fff or .fffffff, and Z, ±hh:mm or no zone.
_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(T([01]\d|2[0-3])(:[0-5]\d:[0-5]\d|-[0-5]\d-[0-5]\d)(\.\d{3}|\.\d{7})?(Z|[+-]\d{2}:\d{2})?)?$"
)


class Contact(BaseModel):
    """One contact; the server binds `Type`/`Value` case-insensitively and answers `type`/`value`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    Type: Annotated[str, Field(min_length=1, max_length=FREE_TEXT, alias="Type")]
    Value: Annotated[str, Field(min_length=1, max_length=FREE_TEXT, alias="Value")]

    @classmethod
    def from_any(cls, item: Any) -> Contact:
        if isinstance(item, dict):
            lowered = {str(k).lower(): v for k, v in item.items()}
            if set(lowered) == {"type", "value"}:
                return cls(Type=lowered["type"], Value=lowered["value"])
        raise ValueError('each contact must be {"Type": "…", "Value": "…"}')


class OnlyofficeUserUpdate(UpdateModel):
    """The fields Steward may set. The client always sends `isVisitor`, `contacts` and `lead`
    with their current values unless they are being changed, and `email` alone to its own
    endpoint, never in the PUT /people/{id} body (see client.py)."""

    isVisitor: Annotated[bool, Field(description="Guest (true) or user (false)")] = False
    firstname: Annotated[str, Field(min_length=1, max_length=64, description="First name")] = ""
    lastname: Annotated[str, Field(min_length=1, max_length=64, description="Last name")] = ""
    # The page documents no length for comment, title, location, files and the contacts:
    # Steward's cap, FREE_TEXT.
    comment: Annotated[str, Field(max_length=FREE_TEXT, description="Comment (notes)")] = ""
    department: Annotated[list[uuid.UUID], Field(description="Group GUIDs; replaces all memberships")] = []
    title: Annotated[str, Field(max_length=FREE_TEXT, description="Title")] = ""
    location: Annotated[str, Field(max_length=FREE_TEXT, description="Location")] = ""
    sex: Annotated[str, Field(description="male or female")] = ""
    birthday: Annotated[str, Field(description="Date, e.g. 1990-05-17")] = ""
    worksfrom: Annotated[str, Field(description="Date employed from, e.g. 2021-02-01")] = ""
    contacts: Annotated[list[Contact], Field(description='JSON list of {"Type": …, "Value": …}')] = []
    files: Annotated[str, Field(max_length=FREE_TEXT, description="Avatar photo URL")] = ""
    # The vendor page says "array of boolean" for disable and "array of string" for lead; the
    # server binds a bool and a Guid? (CommunityServer EmployeeApi.UpdateMember), so those are used.
    disable: Annotated[bool, Field(description="Disable (true) or keep active")] = False
    lead: Annotated[uuid.UUID | None, Field(description="The user's lead (GUID), or null")] = None
    # PUT /people/{id}/email, which mails an activation link to the new address and ends the
    # person's sessions. The server stores `new MailAddress(email).Address.ToLowerInvariant()`
    # (EmployeeApi.ChangeUserEmail), so the address is lower-cased here: what the card asks for
    # is what ONLYOFFICE will show. No length is documented: Steward's cap, FREE_TEXT.
    email: Annotated[
        str, Field(max_length=FREE_TEXT, description="E-mail address (sends an activation mail)")
    ] = ""

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("male", "female"):
            return value.strip().lower()
        raise ValueError("must be male or female")

    @field_validator("birthday", "worksfrom", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
            else:
                return value.strip()
        raise ValueError("must be a date like 1990-05-17")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        # `local@domain` with a dot inside the domain, no white space, `@`, `<` or `>` besides: string
        # checks in one pass, as for Hub's e-mail (a pattern would backtrack over every dot).
        local, _, domain = value.partition("@")
        if not (local and "." in domain[1:-1]) or any(ch in "@<>" or ch.isspace() for ch in local + domain):
            raise ValueError("must be an e-mail address like anna@example.com")
        return value.lower()

    @field_validator("contacts", mode="before")
    @classmethod
    def _contacts(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [Contact.from_any(item) if isinstance(item, dict) else item for item in value]
        return value

    def body(self) -> dict[str, Any]:
        data = super().body()
        if "contacts" in data:
            data["contacts"] = [{"Type": c.Type, "Value": c.Value} for c in self.contacts]
        return data
