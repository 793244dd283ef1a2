"""The Kaiten sandbox's sample data, the shapes of its answers, and its checks of PATCH bodies,
as vendor-docs/kaiten-*.txt and notes/vendor-apis.md §1.5 give them.

Deliberately independent of bot/vendors/kaiten: a fake that shared the client's rules could not
catch the client breaking them.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bot.sandbox import company

EXTRA_FROM = 1000  # ids of the generated bulk users

# The documented group permission bits (kaiten-update-group.txt); 8 is not among them.
PERMISSION_BITS = (
    1, 2, 4, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288,
)  # fmt: skip
ALL_BITS = sum(PERMISSION_BITS)

# What each answer carries: GET /users/current and GET /users (the current-user page, plus
# `virtual` from the list page), and PATCH /users/{id} (the update-user page). The PATCH answer
# has no role or company fields; neither answer reports `subject_by`, which can only be written.
LIST_FIELDS = (
    "id", "full_name", "email", "username", "avatar_initials_url", "avatar_uploaded_url", "initials",
    "avatar_type", "lng", "timezone", "theme", "updated", "created", "activated", "ui_version",
    "company_id", "telegram_id", "telegram_settings", "user_id", "default_space_id", "permissions", "role",
    "email_frequency", "email_settings", "slack_id", "slack_settings", "notification_settings",
    "notification_enabled_channels", "slack_private_channel_id", "telegram_sd_bot_enabled",
    "invite_last_sent_at", "apps_permissions", "external", "last_request_date", "last_request_method",
    "has_password", "virtual",
)  # fmt: skip
PATCH_FIELDS = (
    "id", "full_name", "email", "username", "updated", "created", "avatar_initials_url",
    "avatar_uploaded_url", "activated", "initials", "avatar_type", "lng", "sd_telegram_id", "timezone",
    "news_subscription", "theme", "ui_version", "default_space_id", "email_frequency", "email_settings",
    "work_time_settings", "telegram_id", "telegram_settings", "has_password",
)  # fmt: skip
GROUP_FIELDS = ("id", "uid", "name", "permissions", "add_to_cards_and_spaces_enabled", "created", "updated")
# A group user, as GET, POST and DELETE /groups/{uid}/users answer it (the GroupUser of
# notes/vendor-apis.md §1.3's spec, from DOC group-users): no role, permissions or company fields.
MEMBER_FIELDS = (
    "id", "full_name", "email", "username", "avatar_initials_url", "avatar_uploaded_url", "initials",
    "avatar_type", "lng", "timezone", "theme", "updated", "created", "activated", "ui_version", "virtual",
    "sd_telegram_id", "news_subscription",
)  # fmt: skip
# The company user PATCH /company/users/{id} answers (DOC company-users/update-user; notes §4.1):
# the user with `role` (3 when deactivated), `permissions`, `apps_permissions`,
# `temporarily_inactive` and `groups`, the last two added by `KaitenSandbox._company_user`.
COMPANY_USER_FIELDS = (*LIST_FIELDS, "work_time_settings")


def stamp(when: float | None = None) -> str:
    """Kaiten's timestamps: UTC, milliseconds, `Z` (2024-08-29T13:16:19.886Z)."""
    moment = dt.datetime.fromtimestamp(time.time() if when is None else when, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


CREATED = "2024-08-29T13:16:19.886Z"


def user(uid: int, full_name: str, email: str, username: str, initials: str, **fields: Any) -> dict[str, Any]:
    """One stored user: every field any answer reports, plus `subject_by` (write-only)."""
    data: dict[str, Any] = {
        "id": uid,
        "full_name": full_name,
        "email": email,
        "username": username,
        "avatar_initials_url": "data:image/png;base64,AAAA",
        "avatar_uploaded_url": None,
        "initials": initials,
        "avatar_type": 2,
        "lng": "en",
        "timezone": "Europe/Moscow",
        "theme": "auto",
        "ui_version": 2,
        "default_space_id": None,
        "email_frequency": 2,
        "email_settings": None,
        "telegram_id": None,
        "telegram_settings": {},
        "sd_telegram_id": None,
        "news_subscription": False,
        "work_time_settings": {},
        "has_password": True,
        "activated": True,
        "company_id": 1,
        "user_id": uid,
        "permissions": 0,
        "role": 2,
        "apps_permissions": 1,
        "external": False,
        "virtual": False,
        "slack_id": None,
        "slack_settings": None,
        "notification_settings": None,
        "notification_enabled_channels": ["inner", "email"],
        "slack_private_channel_id": None,
        "telegram_sd_bot_enabled": False,
        "invite_last_sent_at": CREATED,
        "last_request_date": None,
        "last_request_method": None,
        "subject_by": 1,
        "created": CREATED,
        "updated": CREATED,
    }
    data.update(fields)
    return data


# User `role`: "1 - owner, 2 - user, 3 - deactivated" (kaiten-current-user.txt).
OWNER, MEMBER, DEACTIVATED = 1, 2, 3
#: People whose Kaiten user is deactivated: GET /users leaves them out unless asked with
#: `include_inactive=true` (DOC users/retrieve-list-of-users; notes/vendor-apis.md §4.1).
INACTIVE = frozenset({"mira.volkova"})


def sample_users() -> dict[int, dict[str, Any]]:
    """The company's Kaiten people; the steward (the token's user, id 1) is the owner, and the
    people of `INACTIVE` are deactivated."""
    users = {}
    for number, person in enumerate(company.people("kaiten"), start=1):
        extra: dict[str, Any] = {}
        if person.login == "steward":
            extra = {"role": OWNER, "permissions": ALL_BITS}
        elif person.login in INACTIVE:
            extra = {"role": DEACTIVATED}
        users[number] = user(number, person.full_name, person.email, person.login, person.initials, **extra)
    return users


def extra_user(number: int) -> dict[str, Any]:
    return user(number, f"Bulk User {number}", f"bulk{number}@{company.DOMAIN}", f"bulk{number}", "BU")


#: Who is in each sample group, by login (`members` of a stored group: user ids, kept sorted).
#: Support holds a deactivated user; Auditors has nobody.
MEMBERS: dict[str, tuple[str, ...]] = {
    "QA engineers": ("anna.petrova", "chen.wei"),
    "Admins": ("steward", "boris.ivanov"),
    "Support": ("farah.haddad", "julia.meyer", "mira.volkova"),
    "Developers": ("chen.wei", "emil.novak", "gleb.orlov", "ivan.smirnov"),
    "Auditors": (),
}


def sample_groups() -> dict[str, dict[str, Any]]:
    rows = [
        (11, "00000000-0000-4000-8000-000000000001", "QA engineers", 1 | 2, False),
        (12, "00000000-0000-4000-8000-000000000002", "Admins", 1 | 2 | 4, True),
        (13, "00000000-0000-4000-8000-000000000003", "Support", 2048 | 262144 | 524288, True),
        (14, "00000000-0000-4000-8000-000000000004", "Developers", 16 | 32 | 4096, False),
        # 8 is a bit the docs' table skips: a mask may carry bits outside the documented ones
        # (notes/vendor-apis.md §4.1), and Kaiten keeps them.
        (15, "00000000-0000-4000-8000-000000000005", "Auditors", 1 | 2 | 8, False),
    ]
    ids = {person.login: number for number, person in enumerate(company.people("kaiten"), start=1)}
    return {
        uid: {
            "id": gid,
            "uid": uid,
            "name": name,
            "permissions": mask,
            "add_to_cards_and_spaces_enabled": add,
            "created": CREATED,
            "updated": CREATED,
            "members": sorted(ids[login] for login in MEMBERS[name]),
        }
        for gid, uid, name, mask, add in rows
    }


def shown(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in fields if name in data}


# -- checks of PATCH bodies: the message Kaiten answers with 400, or None -----------------------

CHANNELS = ("inner", "mobile_app", "email", "slack", "telegram")
ENUMS: dict[str, tuple[Any, ...]] = {
    "avatar_type": (1, 2, 3),
    "theme": ("light", "dark", "auto"),
    "email_frequency": (1, 2),
    "subject_by": (1, 2),
    "ui_version": (1, 2),
}
TEXTS = {"username": (0, None), "full_name": (1, 128), "initials": (2, 2), "password": (6, None)}
TEXTS |= {"lng": (0, None), "timezone": (0, None)}
OBJECTS = ("email_settings", "telegram_settings", "slack_settings", "notification_settings")
USER_BODY = (*TEXTS, *ENUMS, *OBJECTS, "old_password", "default_space_id", "notification_enabled_channels")
APPS_PERMISSIONS = (0, 1, 2, 4, 5, 6)  # PATCH /company/users/{id}: "0 no access; 1 full Kaiten, …"


def _text(name: str, value: Any, low: int, high: int | None) -> str | None:
    if not isinstance(value, str):
        return f"{name} should be string"
    if len(value) < low:
        return f"{name} should NOT be shorter than {low} characters"
    if high is not None and len(value) > high:
        return f"{name} should NOT be longer than {high} characters"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_user_patch(body: Any) -> str | None:
    if not isinstance(body, dict) or not body:
        return "At least one field is required"
    for name, value in body.items():
        if name not in USER_BODY:
            return f"{name} is not allowed (should NOT have additional properties)"
        problem: str | None = None
        if name in TEXTS:
            problem = _text(name, value, *TEXTS[name])
        elif name in ENUMS:
            allowed = ENUMS[name]
            ok = value in allowed and (isinstance(value, str) or _is_int(value))
            problem = None if ok else f"{name} should be equal to one of the allowed values {list(allowed)}"
        elif name in OBJECTS:
            problem = None if value is None or isinstance(value, dict) else f"{name} should be object"
        elif name == "old_password":
            problem = None if value is None else _text(name, value, 6, None)
        elif name == "default_space_id":
            problem = None if value is None or _is_int(value) else f"{name} should be integer,null"
        elif name == "notification_enabled_channels" and (
            not isinstance(value, list) or any(v not in CHANNELS for v in value)
        ):
            problem = f"{name} should be an array of {', '.join(CHANNELS)}"
        if problem:
            return problem
    return None


def check_company_user_patch(body: Any) -> str | None:
    """PATCH /company/users/{id}: `apps_permissions` (0, 1, 2, 4, 5, 6) and `temporarily_inactive`
    (boolean) are its only fields (DOC company-users/update-user; notes/vendor-apis.md §4.1)."""
    if not isinstance(body, dict) or not body:
        return "At least one field is required"
    for name, value in body.items():
        if name == "temporarily_inactive":
            problem = None if isinstance(value, bool) else f"{name} should be boolean"
        elif name == "apps_permissions":
            ok = _is_int(value) and value in APPS_PERMISSIONS
            allowed = list(APPS_PERMISSIONS)
            problem = None if ok else f"{name} should be equal to one of the allowed values {allowed}"
        else:
            problem = f"{name} is not allowed (should NOT have additional properties)"
        if problem:
            return problem
    return None


def check_member_post(body: Any) -> str | None:
    """POST /groups/{uid}/users: `user_id` (integer, required), `request_id` and
    `operator_comment` (1..1024) optional (notes/vendor-apis.md §1.3 and §4.1)."""
    if not isinstance(body, dict):
        return "body should be object"
    if "user_id" not in body:
        return "body should have required property 'user_id'"
    for name, value in body.items():
        problem: str | None = None
        if name == "user_id":
            problem = None if _is_int(value) else f"{name} should be integer"
        elif name == "request_id":
            problem = None if isinstance(value, str) else f"{name} should be string"
        elif name == "operator_comment":
            problem = _text(name, value, 1, 1024)
        else:
            problem = f"{name} is not allowed (should NOT have additional properties)"
        if problem:
            return problem
    return None


def check_group_patch(body: Any) -> str | None:
    if not isinstance(body, dict) or not body:
        return "At least one field is required"
    for name, value in body.items():
        if name == "name":
            problem = _text(name, value, 1, 512)
        elif name == "permissions":
            # The docs type it "integer" and give no range; bits outside their table are kept.
            ok = _is_int(value) and value >= 0
            problem = None if ok else f"{name} should be a non-negative integer"
        elif name == "add_to_cards_and_spaces_enabled":
            problem = None if isinstance(value, bool) else f"{name} should be boolean"
        else:
            problem = f"{name} is not allowed (should NOT have additional properties)"
        if problem:
            return problem
    return None
