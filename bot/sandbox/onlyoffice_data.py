"""The sandbox ONLYOFFICE's people, how it shows them, and how PUT /people/{id} changes them —
CommunityServer's EmployeeApi.UpdateMember as notes/vendor-apis.md §2.8 describes it."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from bot.sandbox import company

NAMESPACE = uuid.UUID("0f6a3d7e-2b1c-4e5f-8a9b-1c2d3e4f5a6b")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
EMPTY_LEFT_OUT = ("contacts", "birthday", "sex", "workFrom", "groups", "location", "notes", "lead", "title")
CREATED = "2021-02-01T09:30:00.0000000+03:00"


class GUID:
    """Deterministic user ids, and the GUID check the server makes before looking a user up."""

    def __new__(cls, login: str) -> str:  # type: ignore[misc]  # a namespace, not instances
        return str(uuid.uuid5(NAMESPACE, login))

    @staticmethod
    def check(text: str) -> None:
        uuid.UUID(text)


def _user(login: str, first: str, last: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": GUID(login),
        "userName": login,
        "firstName": first,
        "lastName": last,
        "email": email,
        "status": 1,
        "activationStatus": 1,
        "terminated": None,
        "isVisitor": False,
        "isAdmin": False,
        "isOwner": False,
        "isLDAP": False,
        "isSSO": False,
        "contacts": [],
        "groups": [],
        "workFrom": CREATED,
        "title": "",
        "location": "",
        "notes": "",
        "lead": None,
        "sex": None,
        "birthday": None,
        "cultureName": "en-US",
    } | extra


def sample_users(extra: int = 0) -> dict[str, dict[str, Any]]:
    users = [_user(p.login, p.first, p.last, p.email) for p in company.people("onlyoffice")]
    by_login = {u["userName"]: u for u in users}
    by_login["steward"]["isAdmin"] = True
    by_login["anna.petrova"] |= {"isOwner": True, "isAdmin": True, "title": "Head of Operations"}
    by_login["kofi.mensah"] |= {
        "isVisitor": True,
        "title": "Contractor",
        "lead": GUID("anna.petrova"),
        "contacts": [{"type": "mail", "value": "kofi@contractor.test"}, {"type": "skype", "value": "kofi.m"}],
    }
    by_login["gleb.orlov"] |= {"status": 2, "terminated": "2026-10-01T12:00:00.0000000+03:00"}
    by_login["dana.kim"] |= {"title": "QA engineer", "location": "Berlin", "sex": "female"}
    users += [
        _user(f"bulk{n}", "Bulk", f"User {n}", f"bulk{n}@{company.DOMAIN}") for n in range(1, extra + 1)
    ]
    return {u["id"]: u for u in users}


def shown(user: dict[str, Any]) -> dict[str, Any]:
    """EmployeeWraperFull: camelCase, empty fields left out, `department` as joined group names."""
    out = {k: v for k, v in user.items() if not (k in EMPTY_LEFT_OUT and v in (None, "", []))}
    out["displayName"] = f"{user['firstName']} {user['lastName']}".strip()
    if user["groups"]:
        out["department"] = ", ".join(g["name"] for g in user["groups"])
    return out


def _date(value: Any) -> str | bool | None:
    """A stored date, None to clear (1900-01-01), False when it cannot be read."""
    if not isinstance(value, str) or not DATE.match(value):
        return False
    if value.startswith("1900-01-01"):
        return None
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return value[:10] + "T00:00:00.0000000+03:00"


def apply_update(
    user: dict[str, Any], body: dict[str, Any], *, caller_is_admin: bool, free_seats: int, caller: str
) -> tuple[int, str] | None:
    """Change `user` as the server would; an (HTTP status, message) when it refuses."""
    lowered = {k.lower(): v for k, v in body.items()}
    visitor = lowered.get("isvisitor", False)  # a non-nullable bool: left out means false
    if not isinstance(visitor, bool) or not isinstance(lowered.get("disable", False), bool):
        return 400, "Invalid arguments"
    for key, field in (("firstname", "firstName"), ("lastname", "lastName"), ("location", "location")):
        if lowered.get(key) is not None:
            user[field] = str(lowered[key])
    if not user["firstName"].strip() or not user["lastName"].strip():
        return 500, "Incorrect firstname or lastname"
    if caller_is_admin and "title" in lowered and lowered["title"] is not None:
        user["title"] = str(lowered["title"])
    if lowered.get("comment") is not None:
        user["notes"] = str(lowered["comment"])
    if str(lowered.get("sex", "")).lower() in ("male", "female"):
        user["sex"] = str(lowered["sex"]).lower()
    for key, field in (("birthday", "birthday"), ("worksfrom", "workFrom")):
        if lowered.get(key) is not None:
            parsed = _date(lowered[key])
            if parsed is False:
                return 400, "Invalid arguments"
            user[field] = parsed
    if caller_is_admin:  # runs unconditionally: a missing lead clears it
        user["lead"] = lowered.get("lead")
    user["contacts"] = []  # cleared first: missing or null contacts leave none
    for item in lowered.get("contacts") or []:
        if isinstance(item, dict):
            pair = {k.lower(): v for k, v in item.items()}
            user["contacts"].append({"type": str(pair.get("type", "")), "value": str(pair.get("value", ""))})
    if isinstance(lowered.get("department"), list):
        user["groups"] = [
            {"id": str(g), "name": f"Group {str(g)[:4]}", "manager": ""} for g in lowered["department"]
        ]
    if lowered.get("files"):
        user["avatar"] = str(lowered["files"])
    if visitor and not (user["isOwner"] or user["isAdmin"] or user["id"] == caller):
        user["isVisitor"] = True
    elif not visitor and user["isVisitor"] and user["id"] != caller:
        if free_seats <= 0:
            return 500, f"Exceeds the maximum active users ({free_seats})"
        user["isVisitor"] = False
    if lowered.get("disable") is True:
        user["status"] = 2
        user["terminated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    return None
