"""What ONLYOFFICE answers: the success envelope, and the user object (EmployeeWraperFull,
camelCase, empty fields left out)."""

from __future__ import annotations

from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict

from bot.errors import Attempt, VendorBadResponse
from bot.vendors.base import Record

TERMINATED = 2


def unwrap(data: Any, vendor: str, attempt: Attempt, status: int) -> Any:
    """The `response` of `{"status": 0, "statusCode": 200, "response": …}`."""
    if not isinstance(data, dict) or "response" not in data:
        raise VendorBadResponse(vendor, attempt, status=status, detail="no response envelope")
    return data["response"]


class OnlyofficeUser(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    displayName: str = ""
    userName: str = ""
    firstName: str = ""
    lastName: str = ""
    email: str = ""
    title: str | None = None
    location: str | None = None
    notes: str | None = None
    sex: str | None = None
    birthday: str | None = None
    workFrom: str | None = None
    contacts: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    lead: str | None = None
    status: int = 1
    isVisitor: bool = False
    isAdmin: bool = False
    isOwner: bool = False

    @classmethod
    def of(cls, data: Any, attempt: Attempt) -> OnlyofficeUser:
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError:
            raise VendorBadResponse("ONLYOFFICE", attempt, status=200, detail="not a user object") from None

    def record(self) -> Record:
        """Current values under the update model's field names."""
        contacts = [
            {
                "Type": str(c.get("type") or c.get("Type") or ""),
                "Value": str(c.get("value") or c.get("Value") or ""),
            }
            for c in self.contacts
        ]
        values: dict[str, Any] = {
            "isVisitor": self.isVisitor,
            "firstname": self.firstName,
            "lastname": self.lastName,
            "comment": self.notes,
            "title": self.title,
            "location": self.location,
            "sex": self.sex,
            "birthday": self.birthday,
            "worksfrom": self.workFrom,
            "contacts": contacts,
            "lead": self.lead,
            "disable": self.status == TERMINATED,
            "department": [str(g.get("id")) for g in self.groups if g.get("id")],
        }
        name = self.displayName or f"{self.firstName} {self.lastName}".strip() or self.userName
        return Record(self.id, f"{name} ({self.email})" if self.email else name, values)
