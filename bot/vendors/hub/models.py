"""JetBrains Hub's user update (POST /users/{id}, vendor-docs/hub-update-user.txt): the fields
Steward changes. `email` stands for `profile.email.email`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator

from bot.vendors.fields import UpdateModel

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class HubUserUpdate(UpdateModel):
    login: Annotated[str, Field(min_length=1, max_length=255, description="Login (no spaces)")] = ""
    name: Annotated[str, Field(min_length=1, max_length=255, description="Full name")] = ""
    banned: Annotated[bool, Field(description="Banned (true) or not")] = False
    banReason: Annotated[str, Field(max_length=1024, description="Why the user is banned")] = ""
    banBadge: Annotated[str, Field(max_length=64, description="Short badge shown on a banned user")] = ""
    guest: Annotated[bool, Field(description="Guest account (true) or not")] = False
    email: Annotated[str, Field(description="E-mail address (profile.email.email)")] = ""

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        # Hub answers "invalid login" for a login with a space (notes/vendor-apis.md 3.8).
        if any(ch.isspace() for ch in value):
            raise ValueError("must not contain spaces")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("must be an e-mail address like anna@example.com")
        return value

    def body(self) -> dict[str, Any]:
        data = super().body()
        if "email" in data:
            data["profile"] = {"email": {"email": data.pop("email")}}
        return data
