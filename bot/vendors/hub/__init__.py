"""JetBrains Hub: the client, its update model and its answers."""

from bot.vendors.hub.client import HubClient
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.hub.responses import (
    USER_FIELDS,
    HubEmail,
    HubGroup,
    HubGroupPage,
    HubPage,
    HubProfile,
    HubUser,
)

__all__ = [
    "USER_FIELDS",
    "HubClient",
    "HubEmail",
    "HubGroup",
    "HubGroupPage",
    "HubPage",
    "HubProfile",
    "HubUser",
    "HubUserUpdate",
]
