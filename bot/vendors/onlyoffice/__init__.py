"""ONLYOFFICE Workspace: the client, its update model and its answers."""

from bot.vendors.onlyoffice.client import OnlyofficeClient
from bot.vendors.onlyoffice.models import Contact, OnlyofficeUserUpdate
from bot.vendors.onlyoffice.responses import (
    OnlyofficeContact,
    OnlyofficeGroup,
    OnlyofficeGroupFull,
    OnlyofficeMember,
    OnlyofficeToken,
    OnlyofficeUser,
)

__all__ = [
    "Contact",
    "OnlyofficeClient",
    "OnlyofficeContact",
    "OnlyofficeGroup",
    "OnlyofficeGroupFull",
    "OnlyofficeMember",
    "OnlyofficeToken",
    "OnlyofficeUser",
    "OnlyofficeUserUpdate",
]
