"""Answers to `check`, `status` and `history`: plain text for a code block or a terminal."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from bot.errors import StewardError
from bot.flow.execute import groups
from bot.flow.pipeline import Pipeline, vendor_names
from bot.flow.policy import Policy, admin_anywhere, may_read, readable_vendors
from bot.language import SECRET_FIELDS
from bot.slack import messages, to_card
from bot.store import AuditEntry, Store
from bot.vendors import MODELS, VENDOR_NAMES, Vendor

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
    """One audit entry on a line, with the request it leads to (a revert asked for, the one that
    ended it, an extension: "→ R2ABCDEF") and the one it belongs to ("reverts …", "extends …")."""
    moved = f" {entry.from_state or '·'} → {entry.to_state}" if entry.to_state else ""
    subject = f" {entry.request_id}" if entry.request_id else ""
    detail = entry.detail or {}
    link = f" → {detail['request']}" if isinstance(detail.get("request"), str) else ""
    given = detail.get("fields")
    fields: dict[str, Any] = given if isinstance(given, dict) else {}
    notes = [f"reverts {detail['reverts']}"] if detail.get("reverts") else []
    if fields.get("extends"):
        notes.append(f"extends {fields['extends']}")
    until = detail.get("until") or detail.get("to") or fields.get("until")
    if isinstance(until, str):
        notes.append(f"until {_when(until)}")
    why = str(detail.get("why") or detail.get("message") or "")
    notes += [why] if why else []
    said = f" ({'; '.join(notes)})" if notes else ""
    return f"{entry.at:%Y-%m-%d %H:%M:%S}{subject} {entry.event} by {entry.actor}{link}{moved}{said}"


def _when(text: str) -> str:
    """An ISO time from an audit entry as the cards show times."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return f"{when.astimezone(dt.UTC) if when.tzinfo else when:%Y-%m-%d %H:%M} UTC"


async def status(
    store: Store,
    vendors: Mapping[str, Vendor],
    policy: Policy,
    user: str,
    request_id: str,
    *,
    commands: bool = False,
) -> tuple[str, bool]:
    """(a request's card and history, whether it was shown), for its requester and the admins
    and approvers of its vendor. Anyone else reads the same words as for an id that does not
    exist. With `commands` (a terminal), a pending card says how to decide it there."""
    row = await store.get(request_id)
    if row is None or not (row.requester == user or may_read(policy, user, row.vendor)):
        return f"There is no request {request_id} that you may see.", False
    vendor = vendors.get(row.vendor)
    card = to_card(row, vendor.name if vendor else vendor_names(row.vendor))
    trail = [entry_line(e) for e in await store.audit(request_id=row.id)]
    return messages.card_text(card, commands=commands) + "\n\nHistory:\n" + "\n".join(trail), True


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
    entries = await store.audit(
        vendor=_with_offboardings(policy, user, readable), target=target, limit=HISTORY_LINES, refused=refused
    )
    if not entries:
        return "No refusals match." if refused else "No audit entries match."
    return "\n".join(entry_line(e) for e in entries)


def _with_offboardings(policy: Policy, user: str, vendors: list[str]) -> list[str]:
    """`vendors` and every offboarding's vendor list ("kaiten,hub") that touches one of them and
    that `user` may read in full."""
    mine = readable_vendors(policy, user)
    combos = [
        ",".join(combo)
        for size in range(2, len(mine) + 1)
        for combo in itertools.combinations(mine, size)  # in VENDORS order, as offboardings store them
        if set(combo) & set(vendors)
    ]
    return [*vendors, *combos]


#: Record values that say an account is switched off, and how the reading says it.
_STATES = (("disable", "disabled"), ("banned", "banned"), ("inactive", "inactive"))


async def show(pipeline: Pipeline, user: str, vendor: str, obj: str, target: str) -> str:
    """A user or group as Steward reads it — every field Steward can set, with its current value,
    and whether the account is switched off — for an admin of that vendor. Anyone else is told
    so, and the vendor is not asked."""
    name = VENDOR_NAMES.get(vendor, vendor)
    if user not in pipeline.policy.rules(vendor).admins:
        return f"Only Steward's admins of {name} may look up its {obj}s."
    if vendor not in pipeline.vendors:
        return f"{name} is not configured on this Steward; an operator must set it up."
    try:
        [record] = await pipeline.look_up(vendor, obj, [target])
    except StewardError as err:
        return str(err)
    off = [said for key, said in _STATES if record.values.get(key) is True]
    lines = [f"{record.label} · {name} {obj} {record.id}", f"state: {', '.join(off) or 'active'}"]
    fields = [f for f in MODELS[vendor][obj].model_fields if f not in SECRET_FIELDS]
    width = max(len(f) for f in fields)
    for field in fields:
        if field in record.values:
            value = messages.readable(record.values[field], vendor=vendor, name=field)
        else:
            value = f"(not reported by {name})"
        lines.append(f"{field:<{width}}  {value}")
    return "\n".join(lines)


MEMBERS_PAGE = 50


async def members(pipeline: Pipeline, user: str, vendor: str, typed: str, page: int = 1) -> str:
    """A group's direct members (name, e-mail, id), 50 a page, for an admin of that vendor."""
    name = VENDOR_NAMES.get(vendor, vendor)
    if user not in pipeline.policy.rules(vendor).admins:
        return f"Only Steward's admins of {name} may look up its groups."
    if vendor not in pipeline.vendors:
        return f"{name} is not configured on this Steward; an operator must set it up."
    try:
        group = await pipeline.group_of(vendor, typed)
        found = await groups(pipeline.vendors[vendor]).members(group)
    except StewardError as err:
        return str(err)
    people = sorted(found, key=lambda r: r.label.casefold())
    pages = max(1, -(-len(people) // MEMBERS_PAGE))
    shown = people[(page - 1) * MEMBERS_PAGE : page * MEMBERS_PAGE]
    count = f"{len(people)} direct member{'s' if len(people) != 1 else ''}"
    lines = [f"{group.label} · {name} group {group.id} · {count}"] + [
        f"{p.label} · {p.values.get('email') or '-'} · {p.id}" for p in shown
    ]
    if pages > 1:
        lines.append(
            f"page {page} of {pages}; the next: `/steward {vendor} group {group.id} members {page + 1}`"
            if page < pages
            else f"page {page} of {pages}"
        )
    return "\n".join(lines)
