"""Targets as people type them — vendor ids, e-mail addresses, Slack mentions — turned into the
vendor's records. A target that matches no one, or more than one, is an error that says so."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence

from bot.errors import StewardError
from bot.vendors import Record, Vendor

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")

#: Look-ups of one list in flight at once (behind Kaiten's pacer, 5 a second, one batch is 1.6 s).
LOOKUPS_AT_ONCE = 8

#: Slack user id -> that person's e-mail address, or None (injected: Slack's users.info).
EmailLookup = Callable[[str], Awaitable[str | None]]


class TargetError(StewardError):
    """A target could not be resolved to exactly one object."""


async def resolve(vendor: Vendor, obj: str, targets: Sequence[str], email_of: EmailLookup) -> list[Record]:
    """One record per target, in the order given, duplicates (by vendor id) dropped.

    Vendor ids are read together first (`Vendor.read` batches them: Kaiten reads 100 users a
    request), so a bulk change of 200 ids costs 2 requests rather than 200 at Kaiten's 5 a
    second; e-mails, mentions and ids the batch did not return go through `find`, at most
    `LOOKUPS_AT_ONCE` at a time, and the first that fails stops the rest: a long list with a bad
    address costs the vendor one batch of look-ups, and nobody else's change waits behind it.
    """
    ids = [t for t in targets if "@" not in t and not MENTION.match(t) and t.lower() != "me"]
    # keyed without case: the vendors' ids are numbers or GUIDs, and a GUID typed in capitals
    # comes back from the vendor in small letters
    batch = {k.lower(): r for k, r in (await vendor.read(obj, ids)).items()} if len(ids) > 1 else {}
    if batch or len(ids) > 1:  # the batch read answered for every id: name all it does not know
        missing = [t for t in ids if t.lower() not in batch]
        if missing:
            raise TargetError(_unknown_ids(vendor.name, obj, missing))
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def look_up(target: str) -> Record:
        async with gate:
            return await _one(vendor, obj, target, email_of)

    found: dict[str, asyncio.Task[Record]] = {}
    try:
        async with asyncio.TaskGroup() as group:  # the first failure cancels the look-ups not done
            for t in targets:
                if t.lower() not in batch and t not in found:
                    found[t] = group.create_task(look_up(t))
    except* StewardError as failed:
        raise failed.exceptions[0] from None
    seen: dict[str, Record] = {}
    for t in targets:
        record = batch[t.lower()] if t.lower() in batch else found[t].result()
        seen.setdefault(record.id, record)
    return list(seen.values())


def _unknown_ids(vendor: str, obj: str, ids: Sequence[str]) -> str:
    if len(ids) == 1:
        return f"{vendor} has no {obj} with the id {ids[0]}."
    listed = ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) <= 20 else ", ".join(ids[:20]) + ", …"
    return f"{vendor} has no {obj}s with the ids {listed}."


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
