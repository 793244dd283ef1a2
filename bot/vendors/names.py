"""The vendors Steward speaks to: their keys, the names people read, and the other words for them."""

from __future__ import annotations

VENDORS = ("kaiten", "onlyoffice", "hub")
VENDOR_NAMES = {"kaiten": "Kaiten", "onlyoffice": "ONLYOFFICE", "hub": "Hub"}
ALIASES = {"youtrack": "hub"}
