"""Kaiten's update bodies, field by field as vendor-docs/kaiten-update-user.txt and
kaiten-update-group.txt give them (and `temporarily_inactive` as DOC company-users/update-user
gives it, notes/vendor-apis.md §1.3 and §4.1), and the group permission bits by the names of
PRODUCT.md."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from bot.vendors.fields import FREE_TEXT, UpdateModel, by_name


class AvatarType(enum.IntEnum):
    gravatar = 1
    initials = 2
    uploaded = 3


class Theme(enum.StrEnum):
    light = "light"
    dark = "dark"
    auto = "auto"


class EmailFrequency(enum.IntEnum):
    never = 1
    instantly = 2


class SubjectBy(enum.IntEnum):
    id_and_title = 1
    action = 2


class UiVersion(enum.IntEnum):
    old = 1
    new = 2


class Permission(enum.IntFlag):
    """Group permission bits (vendor-docs/kaiten-update-group.txt). The value 8 is not used."""

    members = 1
    billing = 2
    company_settings = 4
    spaces = 16
    card_types = 32
    timesheets = 64
    read_colleague_timesheets = 128
    export_company_data = 256
    tags = 512
    invite_users = 1024
    service_desk_settings = 2048
    custom_properties = 4096
    share_cards = 8192
    convert_to_service_desk = 16384
    activity_logs = 32768
    resource_planning = 65536
    calendars = 131072
    service_desk_analytics = 262144
    service_desk_requests = 524288


ALL_PERMISSIONS = sum(p.value for p in Permission)
#: The largest mask Steward sends. Kaiten types `permissions` only as "integer" (bit mask) and
#: gives no range (kaiten-update-group.txt), and a group may carry bits outside its table of 19
#: (notes/vendor-apis.md §4.1), so any mask is taken up to the largest integer a JSON number
#: carries exactly between implementations: 2**53 - 1 (RFC 7493, I-JSON, §2.2).
MAX_MASK = 2**53 - 1


def permission_names(mask: int, *, unknown: str = "{}") -> list[str]:
    """The bits set in `mask`, lowest first: a documented bit by its name, any other bit by
    `unknown` formatted with its value ("8" by default, which parses back; "bit {}" reads
    better on a card)."""
    names = []
    bit = 1
    while bit <= mask:
        if mask & bit:
            names.append((Permission(bit).name or "") if bit & ALL_PERMISSIONS else unknown.format(bit))
        bit <<= 1
    return names


def parse_permissions(value: Any) -> int:
    """A mask from a number, or from names and numbers joined with commas ("members,billing,8").
    Bits Steward has no name for are kept: Kaiten's groups may have them."""
    if isinstance(value, bool):
        raise ValueError("must be a number or permission names separated by commas")
    if isinstance(value, int):
        mask = value
    elif isinstance(value, str | list | tuple):
        items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
        mask = 0
        for raw in items:
            item = raw.strip()
            if not item:
                continue
            if item.isascii() and item.isdigit():  # too many digits: refused below, not read
                mask |= int(item) if len(item) <= len(str(MAX_MASK)) else MAX_MASK + 1
            elif item.lower() in Permission.__members__:
                mask |= Permission[item.lower()].value
            else:
                raise ValueError(
                    f"has no permission named {item!r}; the names are "
                    + ", ".join(p.name or "" for p in Permission)
                )
    else:
        raise ValueError("must be a number or permission names separated by commas")
    if not 0 <= mask <= MAX_MASK:
        raise ValueError(f"must be a bit mask, a whole number from 0 to {MAX_MASK}")
    return mask


Channel = Literal["inner", "mobile_app", "email", "slack", "telegram"]


#: The fields of `KaitenUserUpdate` that Kaiten takes at PATCH /company/users/{id}, not at
#: PATCH /users/{id}: "temporarily_inactive (bool): user is still in company, but can't sign in
#: and doesn't need a license" (DOC company-users/update-user; notes/vendor-apis.md §4.1).
COMPANY_USER_FIELDS = frozenset({"temporarily_inactive"})


class KaitenUserUpdate(UpdateModel):
    """PATCH /users/{id}; `temporarily_inactive` (deactivate, reactivate) goes to
    PATCH /company/users/{id} alone (`COMPANY_USER_FIELDS`)."""

    # The page documents no length for username, lng and timezone: Steward's cap, FREE_TEXT.
    username: Annotated[
        str, Field(min_length=1, max_length=FREE_TEXT, description="Username for mentions and login")
    ] = ""
    full_name: Annotated[str, Field(min_length=1, max_length=128, description="Full name")] = ""
    initials: Annotated[str, Field(min_length=2, max_length=2, description="Initials")] = ""
    avatar_type: Annotated[
        AvatarType, BeforeValidator(by_name(AvatarType)), Field(description="gravatar, initials or uploaded")
    ] = AvatarType.initials
    password: Annotated[SecretStr, Field(min_length=6, description="New password")] = SecretStr("")
    old_password: Annotated[SecretStr | None, Field(min_length=6, description="Old password")] = None
    lng: Annotated[str, Field(min_length=1, max_length=FREE_TEXT, description="Language, e.g. en")] = ""
    default_space_id: Annotated[int | None, Field(description="Default space id, or null")] = None
    theme: Annotated[Theme, BeforeValidator(by_name(Theme)), Field(description="light, dark or auto")] = (
        Theme.auto
    )
    email_frequency: Annotated[
        EmailFrequency, BeforeValidator(by_name(EmailFrequency)), Field(description="never or instantly")
    ] = EmailFrequency.instantly
    timezone: Annotated[
        str, Field(min_length=1, max_length=FREE_TEXT, description="Time zone, e.g. Europe/Moscow")
    ] = ""
    subject_by: Annotated[
        SubjectBy, BeforeValidator(by_name(SubjectBy)), Field(description="id_and_title or action")
    ] = SubjectBy.id_and_title
    email_settings: Annotated[dict[str, Any], Field(description="Email settings (JSON object)")] = {}
    telegram_settings: Annotated[dict[str, Any], Field(description="Telegram settings (JSON object)")] = {}
    slack_settings: Annotated[dict[str, Any], Field(description="Slack settings (JSON object)")] = {}
    notification_enabled_channels: Annotated[
        list[Channel], Field(description="inner, mobile_app, email, slack, telegram")
    ] = []
    notification_settings: Annotated[
        dict[str, Any], Field(description="Where notifications for each event go (JSON object)")
    ] = {}
    ui_version: Annotated[UiVersion, BeforeValidator(by_name(UiVersion)), Field(description="old or new")] = (
        UiVersion.new
    )
    temporarily_inactive: Annotated[
        bool, Field(description="Deactivated: stays in the company, cannot sign in, needs no licence")
    ] = False


class KaitenGroupUpdate(UpdateModel):
    """PATCH /company/groups/{uid}."""

    name: Annotated[str, Field(min_length=1, max_length=512, description="Group name")] = ""
    permissions: Annotated[
        int, Field(description="Bit mask: a number, or names joined with commas (members,billing)")
    ] = 0
    add_to_cards_and_spaces_enabled: Annotated[
        bool, Field(description="Add all users of the group to cards in group spaces")
    ] = False

    @field_validator("permissions", mode="before")
    @classmethod
    def _permissions(cls, value: Any) -> int:
        return parse_permissions(value)
