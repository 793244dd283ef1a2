"""Kaiten's answers, as far as Steward reads them: a user, a group, and the words of an error.

Only the fields Steward uses are declared; everything else Kaiten sends is kept as an extra
field, so a new attribute on Kaiten's side never breaks a read. Types are loose where the docs
and live answers disagree: the docs call `email_settings`, `telegram_id` and `sd_telegram_id`
non-null, yet Kaiten's own example answer has them `null`.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, field_validator

from bot.vendors.base import Record, short_text
from bot.vendors.kaiten.models import COMPANY_USER_FIELDS, KaitenGroupUpdate, KaitenUserUpdate

SECRET_FIELDS = frozenset({"password", "old_password"})
DEACTIVATED = 3  # `role`: "1 - owner, 2 - user, 3 - deactivated" (vendor-docs/kaiten-current-user.txt)
#: The fields a record takes from the answer as reported; `temporarily_inactive` is worked out
#: (`KaitenUser.inactive`).
USER_FIELDS = tuple(
    name for name in KaitenUserUpdate.model_fields if name not in SECRET_FIELDS | COMPANY_USER_FIELDS
)
GROUP_FIELDS = tuple(KaitenGroupUpdate.model_fields)


class KaitenUser(BaseModel):
    """A user as GET /users, GET /users/current, PATCH /users/{id}, PATCH /company/users/{id}
    and /groups/{uid}/users report it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    full_name: str = ""
    email: str | None = None  # virtual users have no address
    username: str | None = None
    initials: str | None = None
    avatar_type: int | None = None
    lng: str | None = None
    timezone: str | None = None
    theme: str | None = None
    ui_version: int | None = None
    default_space_id: int | None = None
    email_frequency: int | None = None
    email_settings: dict[str, Any] | None = None
    telegram_id: int | None = None
    telegram_settings: dict[str, Any] | None = None
    sd_telegram_id: int | None = None
    activated: bool | None = None
    # 1 owner, 2 user, 3 deactivated: GET /users, GET /users/current and PATCH /company/users
    # carry it; PATCH /users/{id} and the group-user answers do not.
    role: int | None = None
    temporarily_inactive: bool | None = None  # only PATCH /company/users carries it (§4.1)
    created: str | None = None
    updated: str | None = None

    @property
    def inactive(self) -> bool | None:
        """Deactivated: `role` 3 where the answer has a role, else its `temporarily_inactive`;
        None when the answer says neither (PATCH /users/{id}, the members of a group)."""
        if self.role is not None:
            return self.role == DEACTIVATED
        return self.temporarily_inactive

    def record(self) -> Record:
        """Id "42", label "Full Name (email)" (", inactive in Kaiten" added for a deactivated
        user), and the current value of every field of `KaitenUserUpdate` this answer reports
        (passwords are never reported; a field it leaves out is left out, not null), with
        `temporarily_inactive` as `inactive` says, where it says."""
        label = f"{self.full_name} ({self.email})" if self.email else self.full_name or f"user {self.id}"
        if self.inactive:
            label += ", inactive in Kaiten"
        values = _reported(self, USER_FIELDS)
        if self.inactive is not None:
            values["temporarily_inactive"] = self.inactive
        return Record(str(self.id), label, values)


class KaitenGroup(BaseModel):
    """A group as GET/PATCH /company/groups/{uid} and GET /company/groups report it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    uid: str
    name: str
    permissions: int = 0
    add_to_cards_and_spaces_enabled: bool | None = None
    created: str | None = None
    updated: str | None = None

    def record(self) -> Record:
        """Id: the uid (what the group paths take), label: the name."""
        return Record(self.uid, self.name, _reported(self, GROUP_FIELDS))


class KaitenCompanyUser(KaitenUser):
    """A user as GET /company/users and PATCH /company/users/{id} report it: the user with
    `role`, `temporarily_inactive` and the groups they are in (DOC company-users; notes/
    vendor-apis.md §4.1)."""

    groups: list[KaitenGroup] = []

    @field_validator("groups", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # The spec transcribed from the docs (AllDmeat/kaiten-sdk openapi/kaiten.yaml, CompanyUser)
        # types `groups` as one CompanyUserGroup object; a user may be in several, so a list is
        # expected and one object taken as a list of one. null: in no group.
        if value is None:
            return []
        return [value] if isinstance(value, dict) else value


def _reported(answer: BaseModel, fields: tuple[str, ...]) -> dict[str, Any]:
    given = answer.model_dump(mode="json", exclude_unset=True)
    return {name: given[name] for name in fields if name in given}


def vendor_message(response: httpx.Response) -> str:
    """Kaiten's own words: JSON `message` (its documented error body), else `error`, else the
    short text of a non-JSON body ("Invalid token"). A token echoed back is masked."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        words = data.get("message") or data.get("error") or ""
        text = words if isinstance(words, str) else ""
    elif isinstance(data, str):
        text = data
    else:
        text = short_text(response)
    text = text if len(text) <= 300 else text[:299] + "…"
    return _mask_token(text, response)


def _mask_token(text: str, response: httpx.Response) -> str:
    try:
        auth = response.request.headers.get("authorization", "")
    except RuntimeError:  # a response built by hand has no request
        return text
    token = auth.partition(" ")[2].strip()
    return text.replace(token, "•••") if len(token) >= 4 else text
