"""The sandbox ONLYOFFICE's people and groups, and how the server shows a user
(`EmployeeWraperFull`, notes/vendor-apis.md 2.9).

Deliberately independent of bot/vendors/onlyoffice: a fake that shared the client's rules could
not catch the client breaking them.

The cast, from `company.people("onlyoffice")`, with ids from uuid5 so they are the same every run:
    steward       the admin the sandbox token (and the sandbox login) belongs to
    anna.petrova  the portal owner, head of Operations
    boris.ivanov  not an admin: company.ONLYOFFICE_USER_TOKEN is his; a title and a lead (Anna)
    kofi.mensah   a guest (isVisitor) with two contacts and a lead (Anna)
    gleb.orlov    Terminated
    dana.kim      title, location, sex, birthday, in Engineering
    nadia.rahman  on leave (status 4, LeaveOfAbsence)
    oskar.lind    comes from LDAP (isLDAP), with a title
    bulk1…bulkN   option `extra_users`, for bulk runs

The groups (`GROUPS`; membership is kept on each user, as `groups`):
    Operations    Anna (its manager), Farah, Nadia (on leave: still listed as a member)
    Engineering   Dana, Chen, Julia
    Contractors   Kofi
    IT            Oskar
    IT Security   Hana ("it" is in "Secur-it-y": the server's case-sensitive search finds it)
Boris, Gleb, Steward and the bulk users are in no group.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from bot.sandbox import company

NAMESPACE = uuid.UUID("0f6a3d7e-2b1c-4e5f-8a9b-1c2d3e4f5a6b")
TENANT = dt.timezone(dt.timedelta(hours=3), "MSK")  # the portal's time zone, as the server shows times
ACTIVE, TERMINATED, LEAVE = 1, 2, 4  # LEAVE: LeaveOfAbsence
ACTIVATED = 1
#: Left out of the answer when empty (`EmitDefaultValue=false` on EmployeeWraperFull).
LEFT_OUT = ("contacts", "birthday", "sex", "workFrom", "location", "notes", "lead", "title", "cultureName")
STEWARD_LOGIN = "steward"
USER_LOGIN = "boris.ivanov"  # whose company.ONLYOFFICE_USER_TOKEN is: not an admin
OWNER_LOGIN = "anna.petrova"
GROUPS = ("Operations", "Engineering", "Contractors", "IT", "IT Security")
#: A group's manager (GroupsApi.SetManager), by login; the others have none.
MANAGERS = {"Operations": OWNER_LOGIN}
#: Members added here, in logins; Anna, Kofi and Dana are placed in `sample_users` with their fields.
MEMBERS = {
    "Operations": ("farah.haddad", "nadia.rahman"),
    "Engineering": ("chen.wei", "julia.meyer"),
    "IT": ("oskar.lind",),
    "IT Security": ("hana.sato",),
}
#: `Constants.LostUser`, whom GroupWrapperFull shows as the manager of a group without one
#: (GetDepartmentManager gives Guid.Empty, GetUsers that id the LostUser); DisplayUserSettings names a
#: user who does not exist with Resource.ProfileRemoved. UNCONFIRMED live.
LOST_USER = {"id": "4a515a15-d4d6-4b8e-828e-e0586f18f3a3", "displayName": "Profile has been removed"}
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


def user_id(login: str) -> str:
    """The sandbox's user GUID for a login."""
    return str(uuid.uuid5(NAMESPACE, login))


def group_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "group:" + name))


GROUP_NAMES = {group_id(name): name for name in GROUPS}  # by id


def stamp(moment: dt.datetime) -> str:
    """`2010-07-07T17:06:03.5845502+03:00`: seven fractional digits, the portal's offset (2.10)."""
    local = moment.astimezone(TENANT)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%dT%H:%M:%S.%f}0{offset[:3]}:{offset[3:]}"


def now() -> str:
    return stamp(dt.datetime.now(dt.UTC))


def user(login: str, first: str, last: str, email: str, n: int, **fields: Any) -> dict[str, Any]:
    """One stored user: the answer's own fields, with `groups` as a list of group ids."""
    joined = dt.datetime(2021, 2, 1, 9, 30, tzinfo=TENANT) + dt.timedelta(days=n)
    return {
        "id": user_id(login),
        "userName": login,
        "firstName": first,
        "lastName": last,
        "email": email,
        "status": ACTIVE,
        "activationStatus": ACTIVATED,
        "terminated": None,
        "isVisitor": False,
        "isAdmin": False,
        "isOwner": False,
        "isLDAP": False,
        "isSSO": False,
        "contacts": [],
        "groups": [],
        "workFrom": stamp(joined),
        "birthday": None,
        "sex": None,
        "title": "",
        "location": "",
        "notes": "",
        "lead": None,
        "cultureName": "en-US",
    } | fields


def sample_users(extra: int = 0) -> dict[str, dict[str, Any]]:
    """Every sample user by id, plus `extra` generated ones (bulk1…)."""
    people = company.people("onlyoffice")
    users = {p.login: user(p.login, p.first, p.last, p.email, n) for n, p in enumerate(people)}
    users[STEWARD_LOGIN] |= {"isAdmin": True, "title": "Service account"}
    users[OWNER_LOGIN] |= {
        "isOwner": True,
        "isAdmin": True,
        "title": "Head of Operations",
        "groups": [group_id("Operations")],
    }
    users["kofi.mensah"] |= {
        "isVisitor": True,
        "title": "Contractor",
        "lead": user_id(OWNER_LOGIN),
        "contacts": [
            {"type": "mail", "value": "kofi@contractor.test"},
            {"type": "skype", "value": "kofi.m"},
        ],
        "groups": [group_id("Contractors")],
    }
    users["gleb.orlov"] |= {
        "status": TERMINATED,
        "terminated": stamp(dt.datetime(2026, 1, 12, 9, 0, tzinfo=dt.UTC)),
    }
    users["boris.ivanov"] |= {"title": "Accountant", "lead": user_id(OWNER_LOGIN)}
    users["nadia.rahman"] |= {"status": LEAVE, "title": "Designer"}
    users["oskar.lind"] |= {"isLDAP": True, "title": "Network engineer", "location": "Oslo"}
    users["dana.kim"] |= {
        "title": "QA engineer",
        "location": "Berlin",
        "sex": "female",
        "birthday": stamp(dt.datetime(1990, 5, 17, tzinfo=TENANT)),
        "lead": user_id(OWNER_LOGIN),
        "groups": [group_id("Engineering")],
    }
    for name, logins in MEMBERS.items():
        for login in logins:
            users[login]["groups"] = [*users[login]["groups"], group_id(name)]
    stored = {u["id"]: u for u in users.values()}
    for number in range(1, extra + 1):
        generated = extra_user(number)
        stored[generated["id"]] = generated
    return stored


def extra_user(number: int) -> dict[str, Any]:
    login = f"bulk{number}"
    return user(login, "Bulk", f"User {number}", f"{login}@{company.DOMAIN}", 100 + number)


def is_extra(stored: dict[str, Any]) -> bool:
    login = str(stored.get("userName", ""))
    return login.startswith("bulk") and login[4:].isdigit()


def shown(stored: dict[str, Any], portal: str) -> dict[str, Any]:
    """EmployeeWraperFull: camelCase, empty fields left out, `groups` as objects and `department`
    as their names joined with ", "."""
    groups = [group_summary(g) for g in stored["groups"] if g in GROUP_NAMES]
    out: dict[str, Any] = {
        "id": stored["id"],
        "displayName": f"{stored['firstName']} {stored['lastName']}".strip(),
        "title": stored["title"],
        "avatarSmall": "/skins/default/images/default_user_photo_size_32-32.png",
        "profileUrl": f"{portal}/Products/People/Profile.aspx?user={stored['userName']}",
    }
    out |= {k: v for k, v in stored.items() if k not in ("id", "groups", "title")}
    out["contacts"] = [dict(c) for c in stored["contacts"]]
    if groups:
        out["groups"] = groups
        out["department"] = ", ".join(g["name"] for g in groups)
    out["avatarMedium"] = "/skins/default/images/default_user_photo_size_48-48.png"
    out["avatar"] = "/skins/default/images/default_user_photo_size_82-82.png"
    if stored["isAdmin"]:
        out["listAdminModules"] = ["people"]
    return {k: v for k, v in out.items() if not (k in LEFT_OUT and v in (None, "", []))}


def group_summary(group: str) -> dict[str, Any]:
    """GroupWrapperSummary (GET /group, /group/search, a user's `groups`): the manager as a user
    name, "" for none (the server's LostUser has no user name)."""
    name = GROUP_NAMES[group]
    return {"id": group, "name": name, "manager": MANAGERS.get(name, "")}


def employee(stored: dict[str, Any], portal: str) -> dict[str, Any]:
    """EmployeeWraper, the short user a group lists: no e-mail; an empty title left out."""
    out = {
        "id": stored["id"],
        "displayName": f"{stored['firstName']} {stored['lastName']}".strip(),
        "title": stored["title"],
        "avatarSmall": "/skins/default/images/default_user_photo_size_32-32.png",
        "profileUrl": f"{portal}/Products/People/Profile.aspx?user={stored['userName']}",
    }
    return {k: v for k, v in out.items() if not (k == "title" and not v)}


def group_full(group: str, users: dict[str, dict[str, Any]], portal: str) -> dict[str, Any]:
    """GroupWrapperFull (GET /group/{id} and the members calls), in its DataMember order. `members`
    is GetUsersByGroup(id) with its default status, Active | LeaveOfAbsence: a Terminated member is
    in the group and not listed."""
    name = GROUP_NAMES[group]
    by_login = {u["userName"]: u for u in users.values()}
    manager = by_login.get(MANAGERS.get(name, ""))
    members = [u for u in users.values() if group in u["groups"] and u["status"] != TERMINATED]
    return {
        "id": group,
        "name": name,
        "category": EMPTY_GUID,  # departments are the groups of the empty category
        "parent": EMPTY_GUID,
        "description": None,
        "manager": employee(manager, portal) if manager else dict(LOST_USER),
        "members": [employee(u, portal) for u in members],
    }
