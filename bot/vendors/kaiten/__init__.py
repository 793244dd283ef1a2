"""Kaiten: the client, its update models and its answers."""

from bot.vendors.kaiten.client import KaitenClient
from bot.vendors.kaiten.models import (
    AvatarType,
    EmailFrequency,
    KaitenGroupUpdate,
    KaitenUserUpdate,
    Permission,
    SubjectBy,
    Theme,
    UiVersion,
    parse_permissions,
    permission_names,
)
from bot.vendors.kaiten.responses import KaitenCompanyUser, KaitenGroup, KaitenUser

__all__ = [
    "AvatarType",
    "EmailFrequency",
    "KaitenClient",
    "KaitenCompanyUser",
    "KaitenGroup",
    "KaitenGroupUpdate",
    "KaitenUser",
    "KaitenUserUpdate",
    "Permission",
    "SubjectBy",
    "Theme",
    "UiVersion",
    "parse_permissions",
    "permission_names",
]
