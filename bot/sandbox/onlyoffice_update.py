"""How PUT /api/2.0/people/{userid} changes a user: CommunityServer's EmployeeApi.UpdateMember as
notes/vendor-apis.md 2.8 describes it, omissions included — a client that leaves out `contacts`,
`lead` or `isVisitor` loses them here as it would on the real server.

The change is worked out on a copy and kept only if nothing was refused, as the server saves the
user only at the end; except the groups and the photo, which UpdateMember saves as it goes
(UserManager.AddUserIntoGroup/RemoveUserFromGroup write at once), so a later refusal (no free seat)
leaves them changed.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from bot.sandbox.onlyoffice_data import ACTIVE, GROUP_NAMES, TENANT, TERMINATED, now, stamp

#: ApiDateTime's input formats (2.10): a date, or a time as HH:mm:ss or HH-mm-ss, with .fff or
#: .fffffff, and Z, ±hh:mm or no zone (then the portal's).
DATE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(T(?P<h>\d{2})[:-](?P<m>\d{2})[:-](?P<s>\d{2})(?P<frac>\.\d{3}|\.\d{7})?(?P<zone>Z|[+-]\d{2}:\d{2})?)?$"
)
CLEARS = "1900-01-01"  # the date that empties birthday or worksfrom


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


INVALID = Refusal(400, "Invalid arguments")  # a value that does not bind (ApiArgumentMismatchException)


def parse_date(text: Any) -> str | Refusal | None:
    """A date as the server stores and shows it; None for 1900-01-01 (clears); a Refusal when
    the server could not bind it."""
    found = DATE.match(text) if isinstance(text, str) else None
    if found is None:
        return INVALID
    if found["date"] == CLEARS:
        return None
    try:
        day = dt.date.fromisoformat(found["date"])
        hour, minute, second = (int(found[k] or 0) for k in ("h", "m", "s"))
        zone = TENANT if not found["zone"] else dt.UTC if found["zone"] == "Z" else _offset(found["zone"])
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return INVALID
    return stamp(moment)


def _offset(text: str) -> dt.timezone:
    sign = -1 if text[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def access_denied(caller: dict[str, Any], *actions: str) -> Refusal:
    """What SecurityContext.DemandPermissions throws when `caller` may not do `actions` (editing a
    user unless said): an AuthorizingException (PermissionResolver.Demand,
    AuthorizingException.FormatErrorMessage), which is no SecurityException and so reaches the
    client as a 500 (notes 2.5)."""
    name = f"{caller['firstName']} {caller['lastName']}"
    actions = actions or ("Edit user information",)
    listed = "".join(f"{action}, " for action in actions)
    reasons = ", ".join(f"{action}: access denied." for action in actions)
    return Refusal(500, f'"{name}" access denied "{listed}". Cause: {reasons}.')


def update(
    stored: dict[str, Any],
    body: dict[str, Any],
    *,
    caller: str,
    admin: bool,
    users: dict[str, dict[str, Any]],
    seats: int,
) -> dict[str, Any] | Refusal:
    """`stored` after the PUT `body`, or how the server refuses it. `caller` may edit `stored`
    (an admin, or the user themselves); `admin`: the caller is a People admin, for whom alone
    title, lead and groups are applied (a non-admin's are ignored without a word)."""
    if stored["status"] != ACTIVE:
        return Refusal(500, "The user is suspended")
    got = {k.lower(): v for k, v in body.items()}  # binding is case-insensitive
    user = copy.deepcopy(stored)
    visitor = got.get("isvisitor", False)  # a non-nullable bool: left out means false
    disable = got.get("disable")
    if not isinstance(visitor, bool) or not (disable is None or isinstance(disable, bool)):
        return INVALID
    if not (user["isLDAP"] or user["isSSO"]):  # names, location and title come from the directory
        for key, field in (("firstname", "firstName"), ("lastname", "lastName"), ("location", "location")):
            if got.get(key) is not None:  # null or missing keeps the old value
                user[field] = str(got[key])
        if admin and got.get("title") is not None:
            user["title"] = str(got["title"])
    if not user["firstName"].strip() or not user["lastName"].strip():
        return Refusal(500, "Incorrect firstname or lastname")
    if got.get("comment") is not None:
        user["notes"] = str(got["comment"])
    if str(got.get("sex", "")).lower() in ("male", "female"):  # anything else keeps the old value
        user["sex"] = str(got["sex"]).lower()
    for key, field in (("birthday", "birthday"), ("worksfrom", "workFrom")):
        if got.get(key) is not None:
            parsed = parse_date(got[key])
            if isinstance(parsed, Refusal):
                return parsed
            user[field] = parsed
    lead = got.get("lead")
    if lead is not None and not is_guid(lead):
        return INVALID
    if admin:
        user["lead"] = lead  # `user.Lead = lead` runs unconditionally for an admin: missing clears it
    refused = _contacts(user, got.get("contacts"))
    if refused is not None:
        return refused
    if admin and got.get("department") is not None:  # UpdateDepartments needs Action_EditGroups
        refused = _departments(user, got["department"])
        if refused is not None:
            return refused
        stored["groups"] = list(user["groups"])  # saved at once, whatever comes next
    if got.get("files"):
        user["avatar"] = stored["avatar"] = str(got["files"])  # the real server downloads the picture
    refused = _visitor(user, visitor, caller=caller, users=users, seats=seats)
    if refused is not None:
        return refused
    if disable is True:
        user |= {"status": TERMINATED, "terminated": now()}
    return user


def _contacts(user: dict[str, Any], contacts: Any) -> Refusal | None:
    """`user.Contacts.Clear()` runs first: missing or null contacts leave none."""
    user["contacts"] = []
    if contacts is None:
        return None
    if not isinstance(contacts, list):
        return INVALID
    for item in contacts:
        pair = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
        if not isinstance(pair.get("type"), str) or not isinstance(pair.get("value"), str):
            return INVALID
        user["contacts"].append({"type": pair["type"], "value": pair["value"]})
    return None


def _departments(user: dict[str, Any], department: Any) -> Refusal | None:
    """An array replaces every membership; `[]` leaves none. Unknown group ids are dropped
    (UNCONFIRMED: the server adds the user to no group it does not have)."""
    if not isinstance(department, list) or not all(is_guid(g) for g in department):
        return INVALID
    user["groups"] = [str(g).lower() for g in department if str(g).lower() in GROUP_NAMES]
    return None


def _visitor(
    user: dict[str, Any], visitor: bool, *, caller: str, users: dict[str, dict[str, Any]], seats: int
) -> Refusal | None:
    """`true` makes a guest of anyone but the owner, an admin or the caller; `false` (left out
    included) promotes a guest to a full user when the seat quota allows."""
    if user["id"] == caller:
        return None
    if visitor and not (user["isOwner"] or user["isAdmin"]):
        user["isVisitor"] = True
    elif not visitor and user["isVisitor"]:
        if active_members(users) >= seats:
            return Refusal(500, f"Exceeds the maximum active users ({seats})")
        user["isVisitor"] = False
    return None


def active_members(users: dict[str, dict[str, Any]]) -> int:
    """Users holding a seat: active and not guests."""
    return sum(1 for u in users.values() if u["status"] == ACTIVE and not u["isVisitor"])


def is_guid(value: Any) -> bool:
    """A GUID in the dashed form (the only one Steward sends; .NET also takes others)."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
