"""The vendors Steward speaks to: their keys, the names people read, the other words for them,
and the update model of each object (the one source of fields, types and rules)."""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from typing import Any

from bot.vendors.fields import UpdateModel
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.kaiten.models import KaitenGroupUpdate, KaitenUserUpdate
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate

VENDORS = ("kaiten", "onlyoffice", "hub")
VENDOR_NAMES = {"kaiten": "Kaiten", "onlyoffice": "ONLYOFFICE", "hub": "Hub"}
ALIASES = {"youtrack": "hub"}

#: The update model of each object of each vendor.
MODELS: Mapping[str, Mapping[str, type[UpdateModel]]] = {
    "kaiten": {"user": KaitenUserUpdate, "group": KaitenGroupUpdate},
    "onlyoffice": {"user": OnlyofficeUserUpdate},
    "hub": {"user": HubUserUpdate},
}


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for arg in typing.get_args(annotation):  # Optional[Theme], Annotated[…]
        found = _enum_of(arg)
        if found is not None:
            return found
    return None


def value_name(vendor: str, field: str, value: Any) -> str | None:
    """The documented name of a numbered enum value, as the card shows it ("initials (2)"), or
    None when `field` is no numbered enum of `vendor` or `value` is none of its members."""
    for model in MODELS.get(vendor, {}).values():
        info = model.model_fields.get(field)
        kind = _enum_of(info.annotation) if info is not None else None
        if kind is None or isinstance(value, bool) or not isinstance(value, int):
            continue
        for member in kind:
            if member.value == value:
                return f"{member.name} ({value})"
    return None
