"""JetBrains Hub's user update (POST /users/{id}, vendor-docs/hub-update-user.txt): the fields
Steward changes. `email` stands for `profile.email.email`. The body's `guest` is left out on
purpose: it is "whether the user account is the guest account", Hub's one built-in account for
anonymous visitors (GET /users/guest; User attributes, jetbrains.com/help/youtrack/devportal/
rest-api-hub-users.html), not a switch a user can be given."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from bot.vendors.fields import FREE_TEXT, UpdateModel


class HubUserUpdate(UpdateModel):
    MULTILINE = frozenset({"banReason"})  # a ban's reason is the request's reason, lines and all

    login: Annotated[str, Field(min_length=1, max_length=255, description="Login (no spaces)")] = ""
    name: Annotated[str, Field(min_length=1, max_length=255, description="Full name")] = ""
    banned: Annotated[bool, Field(description="Banned (true) or not")] = False
    banReason: Annotated[str, Field(max_length=1024, description="Why the user is banned")] = ""
    banBadge: Annotated[str, Field(max_length=64, description="Short badge shown on a banned user")] = ""
    # The page documents no length for email: Steward's cap, FREE_TEXT.
    email: Annotated[str, Field(max_length=FREE_TEXT, description="E-mail address (profile.email.email)")] = (
        ""
    )

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
        # `local@domain` with a dot inside the domain, no white space, `<` or `>`: string checks
        # in one pass (a pattern repeating a part on each side of the dot backtracks over every dot).
        local, _, domain = value.partition("@")
        if not (local and "." in domain[1:-1]) or any(ch in "@<>" or ch.isspace() for ch in local + domain):
            raise ValueError("must be an e-mail address like anna@example.com")
        return value

    def body(self) -> dict[str, Any]:
        data = super().body()
        if "email" in data:
            data["profile"] = {"email": {"email": data.pop("email")}}
        return data
