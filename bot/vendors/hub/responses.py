"""Hub's answers, as far as Steward reads them: a user, a page of users, a user group, a page of
groups, and the words of an error.

Only the fields Steward asks for (`USER_FIELDS`) are declared; anything else Hub sends is kept as
an extra field, so a new attribute on Hub's side never breaks a read. Every field is optional
because Hub sends back only what `fields` names, and leaves out what is unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.vendors.base import Record

#: What Steward asks Hub for on every user read and write (notes/vendor-apis.md 3.3).
USER_FIELDS = "id,login,name,banned,banReason,banBadge,profile(email(email,verified))"


class HubEmail(BaseModel):
    """`profile.email`: `{"type": "EmailJSON", "email": "x@y", "verified": true}`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    email: str | None = None
    verified: bool | None = None


class HubProfile(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    email: HubEmail | None = None


class HubUser(BaseModel):
    """A Hub user as GET /users/{id}, GET /users and POST /users/{id} report it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    login: str | None = None
    name: str | None = None
    banned: bool | None = None
    banReason: str | None = None
    banBadge: str | None = None
    profile: HubProfile | None = None

    @property
    def email(self) -> str | None:
        """The address at `profile.email.email`; None when Hub reported none."""
        return self.profile.email.email if self.profile and self.profile.email else None

    @property
    def verified(self) -> bool | None:
        return self.profile.email.verified if self.profile and self.profile.email else None

    def record(self) -> Record:
        """Id: the Hub UUID; label "Name (login)"; values under the `HubUserUpdate` field names."""
        values: dict[str, Any] = {
            "login": self.login,
            "name": self.name,
            "banned": bool(self.banned),
            "banReason": self.banReason,
            "banBadge": self.banBadge,
            "email": self.email,
        }
        login = self.login or self.id
        return Record(self.id, f"{self.name or login} ({login})", values)


class HubPage(BaseModel):
    """GET /users: `{"users": [...]}`, with `skip`/`top`/`total` when Hub sends them."""

    model_config = ConfigDict(extra="allow", frozen=True)

    users: list[HubUser] = []
    total: int | None = None


class HubGroup(BaseModel):
    """A user group as GET /usergroups/{id} and GET /usergroups report it (`type` "userGroup").

    `ownUsers` is "The list of users that belong to this group directly"; Hub's `users` is "The
    list of all users that belong to this group", those of its subgroups included, and is not
    read (UserGroup attributes, jetbrains.com/help/youtrack/devportal/rest-api-hub-operations-
    api-usergroups.html)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str | None = None
    allUsers: bool | None = None  # Hub's own All Users group, which "includes all user accounts"
    ownUsers: list[HubUser] | None = None

    def record(self) -> Record:
        """Id: the group's Hub UUID; label: its name."""
        return Record(self.id, self.name or self.id, {"name": self.name})


class HubUserGroups(BaseModel):
    """A user as GET /users/{id}?fields=id,groups(…) reports it: `groups` is "The list of groups
    where the user belongs" (User attributes, jetbrains.com/help/youtrack/devportal/rest-api-hub-
    users-userID-groups.html)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    groups: list[HubGroup] = []


class HubGroupPage(BaseModel):
    """GET /usergroups: `{"usergroups": [...]}`, with `total` when asked for."""

    model_config = ConfigDict(extra="allow", frozen=True)

    usergroups: list[HubGroup] = []
    total: int | None = None


def error_words(body: Mapping[str, Any]) -> str:
    """The JetBrains error body `{error, error_description, error_developer_message, error_field,
    error_children}` as one sentence: each entry's description (else its developer message, else
    its code), the field it names, then its children's, in order, without repeats."""
    parts: list[str] = []

    def walk(item: Mapping[str, Any]) -> None:
        words = next(
            (str(item[key]).strip() for key in ("error_description", "error_developer_message", "error")
             if isinstance(item.get(key), str) and item[key].strip()),
            "",
        )  # fmt: skip
        field = item.get("error_field")
        if words and isinstance(field, str) and field:
            words = f"{words.rstrip('.')} (field {field})"
        if words and words not in parts:
            parts.append(words)
        children = item.get("error_children")
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Mapping):
                walk(child)

    walk(body)
    return "; ".join(part.rstrip(".") for part in parts)
