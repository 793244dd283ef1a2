"""The Hub sandbox's sample users, as notes/vendor-apis.md §3 describes a Hub user.

Deliberately independent of bot/vendors/hub: a fake that shared the client's rules could not
catch the client breaking them.

The cast, drawn from `company.people("hub")`, with ids from uuid5 so they are the same every run:
    steward       the account the sandbox token belongs to (`GET /users/me`)
    emil.novak    banned, with a reason and a badge
    lena.berg and lberg-old   two accounts sharing lena.berg@acme.test
    guest         Hub's own guest account (`GET /users/guest`), the only one with `guest: true`:
                  the attribute is "whether the user account is the guest account" (Hub REST
                  docs, User attributes), not a kind of user
    bulk1…bulkN   option `extra_users`, for bulk runs
"""

from __future__ import annotations

import uuid
from typing import Any

from bot.sandbox import company

NAMESPACE = uuid.UUID("5b0d9c1e-6f8e-4a59-9d0a-0c3e3f1b7a11")
CREATED = 1724937379886  # creationTime: a Long, epoch milliseconds (§3.9)
DAY_MS = 86_400_000
STEWARD_LOGIN = "steward"
GUEST_LOGIN = "guest"


def user_id(login: str) -> str:
    """The sandbox's Hub UUID for a login."""
    return str(uuid.uuid5(NAMESPACE, login))


def user(login: str, name: str, email: str | None, n: int, **fields: Any) -> dict[str, Any]:
    """One stored user, nested objects included, every object with its `type`."""
    profile: dict[str, Any] = {"type": "profile", "id": user_id(login + ":profile")}
    if email is not None:
        profile["email"] = {
            "type": "EmailJSON",  # capitalisation in current Hub versions is unconfirmed (§3.7)
            "id": user_id(login + ":email"),
            "email": email,
            "verified": True,
        }
    return {
        "type": "user",
        "id": user_id(login),
        "login": login,
        "name": name,
        "banned": False,
        "guest": False,
        "creationTime": CREATED + n * DAY_MS,
        "lastAccessTime": CREATED + (n + 30) * DAY_MS,
        "profile": profile,
        "groups": [{"type": "userGroup", "id": user_id("group:All Users"), "name": "All Users"}],
    } | fields


def sample_users(extra: int = 0) -> dict[str, dict[str, Any]]:
    """Every sample user by id, plus `extra` generated ones (bulk1…)."""
    people = company.people("hub")
    users = [user(p.login, p.full_name, p.email, n) for n, p in enumerate(people)]
    for stored in users:
        if stored["login"] == "emil.novak":
            stored |= {"banned": True, "banReason": "Left the company (HR-1042)", "banBadge": "left"}
    n = len(users)
    users.append(user("lberg-old", "Lena Berg (old account)", f"lena.berg@{company.DOMAIN}", n))
    users.append(user(GUEST_LOGIN, "Guest", None, n + 1, guest=True))
    users += [extra_user(i) for i in range(1, extra + 1)]
    return {u["id"]: u for u in users}


def extra_user(number: int) -> dict[str, Any]:
    login = f"bulk{number}"
    return user(login, f"Bulk User {number}", f"{login}@{company.DOMAIN}", 100 + number)


def is_extra(stored: dict[str, Any]) -> bool:
    login = str(stored.get("login", ""))
    return login.startswith("bulk") and login[4:].isdigit()
