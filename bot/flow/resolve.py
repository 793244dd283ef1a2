"""Targets as people type them — vendor ids, e-mail addresses, Slack mentions — turned into the
vendor's records. A target that matches no one, or more than one, is an error that says so."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence

from bot.errors import StewardError
from bot.vendors import Record, Vendor

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")

#: Slack user id -> that person's e-mail address, or None (injected: Slack's users.info).
EmailLookup = Callable[[str], Awaitable[str | None]]


class TargetError(StewardError):
    """A target could not be resolved to exactly one object."""


async def resolve(vendor: Vendor, obj: str, targets: Sequence[str], email_of: EmailLookup) -> list[Record]:
    """One record per target, in the order given, duplicates (by vendor id) dropped.

    Vendor ids are read together first (`Vendor.read` batches them: Kaiten reads 100 users a
    request), so a bulk change of 200 ids costs 2 requests rather than 200 at Kaiten's 5 a
    second; e-mails, mentions and ids the batch did not return go through `find` one by one.
    """
    ids = [t for t in targets if "@" not in t and not MENTION.match(t)]
    # keyed without case: the vendors' ids are numbers or GUIDs, and a GUID typed in capitals
    # comes back from the vendor in small letters
    batch = {k.lower(): r for k, r in (await vendor.read(obj, ids)).items()} if len(ids) > 1 else {}
    found = await asyncio.gather(
        *(_known(batch[t.lower()]) if t.lower() in batch else _one(vendor, obj, t, email_of) for t in targets)
    )
    seen: dict[str, Record] = {}
    for record in found:
        seen.setdefault(record.id, record)
    return list(seen.values())


async def _known(record: Record) -> Record:
    return record


async def _one(vendor: Vendor, obj: str, target: str, email_of: EmailLookup) -> Record:
    shown = target
    mention = MENTION.match(target)
    if mention:
        email = await email_of(mention.group(1))
        if not email:
            raise TargetError(
                f"Slack has no e-mail address for {target}, so Steward cannot find them in {vendor.name}. "
                f"Use their {vendor.name} id or e-mail address instead."
            )
        shown, target = f"{target} ({email})", email
    records = await vendor.find(obj, target)
    if not records:
        how = "e-mail address" if "@" in target else "id"
        raise TargetError(f"{vendor.name} has no {obj} with the {how} {shown}.")
    if len(records) > 1:
        listed = ", ".join(f"{r.label} (id {r.id})" for r in records[:5])
        raise TargetError(
            f"{shown} matches {len(records)} {obj}s in {vendor.name}: {listed}. "
            "Use the id of the one you mean."
        )
    return records[0]
