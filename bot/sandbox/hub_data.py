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

The user groups, with the same kind of ids (`group_id(name)`):
    All Users           Hub's own group of every account (`allUsers: true`); its members are
                        worked out, not stored, and cannot be changed
    Engineering         boris.ivanov, chen.wei directly; its subgroup Backend Developers brings
                        farah.haddad and julia.meyer in as well (`users`, not `ownUsers`)
    Backend Developers  farah.haddad, julia.meyer; a name of two words (`name: {…}`)
    Support             hana.sato, kofi.mensah, and emil.novak, who is banned
    Support Leads       nobody; found by `name: Support` too, so a lookup must pick the exact name
    Bulk Group 1…N      option `extra_groups`, empty, for paging
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
        # `groups` (the groups a user is in directly) is worked out from the groups when a user
        # is answered (hub_groups.direct_groups), so that it always agrees with them.
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


ALL_USERS = "All Users"
#: name -> (parent, direct members' logins); the order is the order Hub lists them in here.
GROUPS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "Engineering": (None, ("boris.ivanov", "chen.wei")),
    "Backend Developers": ("Engineering", ("farah.haddad", "julia.meyer")),
    "Support": (None, ("hana.sato", "kofi.mensah", "emil.novak")),
    "Support Leads": (None, ()),
}


def group_id(name: str) -> str:
    """The sandbox's Hub UUID for a group name."""
    return user_id("group:" + name)


def group(
    name: str, parent: str | None = None, members: tuple[str, ...] = (), **fields: Any
) -> dict[str, Any]:
    """One stored group: its scalars, its parent's id and its direct members' ids (`ownUsers`);
    what Hub answers besides (`users`, `subgroups`, `userCount`) is worked out from these."""
    return {
        "type": "userGroup",
        "id": group_id(name),
        "name": name,
        "description": f"The {name} group",
        "autoJoin": False,
        "allUsers": False,
        "parent": None if parent is None else group_id(parent),
        "ownUsers": [user_id(login) for login in members],
    } | fields


def sample_groups() -> dict[str, dict[str, Any]]:
    """Every sample group by id, All Users first."""
    groups = [group(ALL_USERS, description="All users of the system", allUsers=True)]
    groups += [group(name, parent, members) for name, (parent, members) in GROUPS.items()]
    return {g["id"]: g for g in groups}


def extra_group(number: int) -> dict[str, Any]:
    return group(f"Bulk Group {number}")


def is_extra_group(stored: dict[str, Any]) -> bool:
    name = str(stored.get("name", ""))
    return name.startswith("Bulk Group ") and name[11:].isdigit()
