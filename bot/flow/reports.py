"""Answers to `check`, `status` and `history`: plain text for a code block or a terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.errors import StewardError
from bot.flow.policy import Policy, admin_anywhere, may_read, readable_vendors
from bot.slack import messages, to_card
from bot.store import AuditEntry, Store
from bot.vendors import VENDOR_NAMES, Vendor

HISTORY_LINES = 20


async def check(vendors: Mapping[str, Vendor]) -> tuple[str, bool]:
    """(one line per vendor, whether all answered)."""
    if not vendors:
        return "No vendor is configured: an operator must set KAITEN_URL, ONLYOFFICE_URL or HUB_URL.", False
    results = await asyncio.gather(*(v.whoami() for v in vendors.values()), return_exceptions=True)
    lines, ok = [], True
    for vendor, result in zip(vendors.values(), results, strict=True):
        if isinstance(result, StewardError):
            ok = False
            lines.append(f"{vendor.name:<11} FAILED  {result}")
        elif isinstance(result, BaseException):
            raise result
        else:
            lines.append(f"{vendor.name:<11} ok      Steward is {result.label}, id {result.id}")
    return "\n".join(lines), ok


async def check_as(vendors: Mapping[str, Vendor], policy: Policy, user: str) -> tuple[str, bool]:
    """`check` asked for by `user` (in Slack, or the terminal's --as): for admins of any vendor;
    anyone else is told so and no vendor is asked."""
    if not admin_anywhere(policy, user):
        return "Only Steward's admins may run check.", False
    return await check(vendors)


def entry_line(entry: AuditEntry) -> str:
    moved = f" {entry.from_state or '·'} → {entry.to_state}" if entry.to_state else ""
    subject = f" {entry.request_id}" if entry.request_id else ""
    why = ""
    if entry.detail:
        why = str(entry.detail.get("why") or entry.detail.get("message") or "")
        why = f" ({why})" if why else ""
    return f"{entry.at:%Y-%m-%d %H:%M:%S}{subject} {entry.event} by {entry.actor}{moved}{why}"


async def status(
    store: Store, vendors: Mapping[str, Vendor], policy: Policy, user: str, request_id: str
) -> str:
    """A request's card and history, for its requester and the admins and approvers of its
    vendor. Anyone else reads the same words as for an id that does not exist."""
    row = await store.get(request_id)
    if row is None or not (row.requester == user or may_read(policy, user, row.vendor)):
        return f"There is no request {request_id} that you may see."
    vendor = vendors.get(row.vendor)
    card = to_card(row, vendor.name if vendor else row.vendor)
    trail = [entry_line(e) for e in await store.audit(request_id=row.id)]
    return messages.card_text(card) + "\n\nHistory:\n" + "\n".join(trail)


async def history(
    store: Store, policy: Policy, user: str, vendor: str | None, target: str | None, *, refused: bool = False
) -> str:
    """The latest audit entries of the vendors `user` may read: accepted requests, or with
    `refused` the refusals (kept apart, so that a stranger's refusals cannot bury real changes)."""
    if vendor is not None and not may_read(policy, user, vendor):
        name = VENDOR_NAMES.get(vendor, vendor)
        return f"Only Steward's admins and approvers of {name} may read its audit log."
    readable = [vendor] if vendor else readable_vendors(policy, user)
    if not readable:
        return "Only Steward's admins and approvers may read the audit log."
    entries = await store.audit(vendor=readable, target=target, limit=HISTORY_LINES, refused=refused)
    if not entries:
        return "No refusals match." if refused else "No audit entries match."
    return "\n".join(entry_line(e) for e in entries)
