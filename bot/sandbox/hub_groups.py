"""The Hub sandbox's user groups: how a stored group is answered, and membership changes.

A stored group (hub_data.group) keeps its scalars, its parent's id and its direct members' ids.
Hub's group answers more, and this module works it out (UserGroup attributes, e.g.
jetbrains.com/help/youtrack/devportal/rest-api-hub-operations-api-usergroups.html):
    ownUsers    "The list of users that belong to this group directly."
    users       "The list of all users that belong to this group": the direct members and, at any
                depth, those of its subgroups
    subgroups   "The list of groups that belong to this group as sub-groups."
    parent      "The parent group that this group belongs to."
    userCount   "The number of users that belong to the group" (counted here from `users`)
All Users (`allUsers: true`) "always includes all user accounts in the system": both its
`ownUsers` and its `users` are every account (UNCONFIRMED for `ownUsers`), and its membership
cannot be changed (UNCONFIRMED how Hub refuses: the sandbox answers 400).

A user's `groups` ("The list of groups where the user belongs"; Hub has a separate "Transitive
Groups of User") are the groups that hold the user directly, All Users included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

Stored = dict[str, dict[str, Any]]


class MembershipError(ValueError):
    """A change Hub refuses: `status`, the JetBrains error code, and its description."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def reference(group: dict[str, Any]) -> dict[str, Any]:
    """A group as another object names it: `{type, id, name}` (trimmed by `fields` as usual)."""
    return {"type": group["type"], "id": group["id"], "name": group["name"]}


def own_ids(group: dict[str, Any], users: Stored) -> list[str]:
    """The ids of the group's direct members that still exist (every account, for All Users)."""
    if group.get("allUsers"):
        return list(users)
    return [user_id for user_id in group.get("ownUsers") or [] if user_id in users]


def all_ids(group: dict[str, Any], groups: Stored, users: Stored) -> list[str]:
    """The direct members, then those of each subgroup at any depth, each once."""
    found: dict[str, None] = {}
    pending, seen = [group], set()
    while pending:
        current = pending.pop(0)
        if current["id"] in seen:
            continue
        seen.add(current["id"])
        found.update(dict.fromkeys(own_ids(current, users)))
        pending += [g for g in groups.values() if g.get("parent") == current["id"]]
    return list(found)


def view(
    group: dict[str, Any], groups: Stored, users: Stored, show: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """The group as Hub answers it, before `fields` trims it; members as `show` answers a user."""
    everyone = all_ids(group, groups, users)
    shown = {key: value for key, value in group.items() if key not in ("parent", "ownUsers")}
    parent = groups.get(group.get("parent") or "")
    if parent is not None:
        shown["parent"] = reference(parent)
    shown["userCount"] = len(everyone)
    shown["subgroups"] = [reference(g) for g in groups.values() if g.get("parent") == group["id"]]
    shown["ownUsers"] = [show(users[i]) for i in own_ids(group, users)]
    shown["users"] = [show(users[i]) for i in everyone]
    return shown


def direct_groups(user_id: str, groups: Stored) -> list[dict[str, Any]]:
    """The user's `groups`: those that hold the user directly, All Users first, each as a
    reference with its `allUsers` flag too."""
    return [
        reference(g) | {"allUsers": bool(g.get("allUsers"))}
        for g in groups.values()
        if g.get("allUsers") or user_id in g.get("ownUsers", ())
    ]


def _changeable(group_id: str, groups: Stored) -> dict[str, Any]:
    group = groups.get(group_id)
    if group is None:
        raise MembershipError(404, "Not Found", f"Entity with id {group_id} not found")
    if group.get("allUsers"):
        raise MembershipError(400, "bad_request", "The All Users group always holds every user")
    return group


def add(group_id: str, body: Any, groups: Stored, users: Stored) -> dict[str, Any]:
    """POST /usergroups/{id}/users with a user `{"id": …}`: the user, now a direct member.

    UNCONFIRMED: Hub's docs do not say what adding a member again answers; the sandbox answers
    200 with the user, as for a first add, and keeps one membership."""
    group = _changeable(group_id, groups)
    if not isinstance(body, dict):
        raise MembershipError(400, "bad_request", "A user object was expected")
    user_id = body.get("id")
    if not isinstance(user_id, str):
        raise MembershipError(400, "bad_request", "The user's `id` is required")
    try:
        uuid.UUID(user_id)
    except ValueError:
        # the wording of YouTrack's documented example (api-troubleshoot-ring-id.html)
        raise MembershipError(400, "bad_request", f"Invalid structure of entity id: {user_id}") from None
    if user_id not in users:
        raise MembershipError(404, "Not Found", f"Entity with id {user_id} not found")
    if user_id not in group["ownUsers"]:
        group["ownUsers"] = [*group["ownUsers"], user_id]
    return users[user_id]


def remove(group_id: str, user_id: str, groups: Stored, users: Stored) -> None:
    """DELETE /usergroups/{id}/users/{userId}: the user is no longer a direct member (they stay a
    member through a subgroup that holds them).

    UNCONFIRMED: Hub's docs do not say what removing a user who is not a direct member answers;
    the sandbox answers 200 and changes nothing."""
    group = _changeable(group_id, groups)
    if user_id not in users:
        raise MembershipError(404, "Not Found", f"Entity with id {user_id} not found")
    group["ownUsers"] = [i for i in group["ownUsers"] if i != user_id]
