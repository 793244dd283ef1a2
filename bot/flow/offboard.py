"""Offboarding: `/steward offboard <person>` switches one person off on every configured vendor the
requester administers — Kaiten deactivate, ONLYOFFICE disable, Hub ban — as one request with one
card and one approval. The pipeline stores and decides it like any request; this module plans
each vendor's part and runs the parts side by side.

Each vendor is asked by e-mail address for every account it has for the person (Hub may have two
logins for one address; both are switched off). The groups the person is in are read for the card
and listed, never changed. A vendor that cannot be read, or where the only account is the one
Steward itself uses, is left out and the card says why.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StewardError
from bot.flow.execute import Planned, groups, plain, run_targets
from bot.slack import TargetOutcome
from bot.vendors import VENDOR_NAMES, Record, Vendor

log = logging.getLogger(__name__)

#: vendor → (the action that switches an account off, the field it sets, how the card says it is so)
SWITCH_OFF: Mapping[str, tuple[str, str, str]] = {
    "kaiten": ("deactivate", "temporarily_inactive", "deactivated"),
    "onlyoffice": ("disable", "disable", "disabled"),
    "hub": ("ban", "banned", "banned"),
}
#: vendor → the action that switches an account on again (a reinstatement, which reverts an offboarding)
SWITCH_ON: Mapping[str, str] = {"kaiten": "reactivate", "onlyoffice": "enable", "hub": "unban"}
#: The requests across several vendors.
ACTIONS = ("offboard", "reinstate")


@dataclass
class Part:
    """One vendor's part of an offboarding, as planned: the accounts to switch off (`targets`),
    the groups the person is in, and a note when there is nothing to do or it was left out."""

    vendor: str
    accounts: list[Record] = field(default_factory=list)
    targets: list[Planned] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    note: str = ""
    included: bool = True

    @property
    def name(self) -> str:
        return VENDOR_NAMES.get(self.vendor, self.vendor)

    def card(self) -> dict[str, Any]:
        """The part as the card snapshot keeps it (`bot.slack.views` reads it back)."""
        account = "; ".join(f"{r.label} (id {r.id})" for r in self.accounts)
        return {
            "vendor": self.vendor,
            "name": self.name,
            "account": account,
            "groups": self.groups,
            "note": self.note,
            "included": self.included,
        }


def left_out(vendor: str, why: str) -> Part:
    return Part(vendor, note=f"left out: {why}", included=False)


async def plan(vendor: Vendor, key: str, email: str, own: str | None, reason: str) -> Part:
    """What switching the person with `email` off on `vendor` takes. `own` is the id of the
    account Steward itself uses there (never switched off by Steward)."""
    part = Part(key)
    name = part.name
    _, switch, said = SWITCH_OFF[key]
    try:
        found = await vendor.find("user", email)
    except StewardError as err:
        return left_out(key, f"{name} could not be asked about {email} ({err})")
    if not found:
        part.note = f"no account on {name}"
        return part
    if any(r.id == own for r in found):
        found = [r for r in found if r.id != own]
        part.note = f"{email} is the account Steward itself uses on {name}; switch it off by hand"
        if not found:
            part.included = False
            return part
    part.accounts = found
    requested: dict[str, Any] = {switch: True}
    if key == "hub" and reason:
        requested["banReason"] = reason
    for record in found:
        current = {name: record.values[name] for name in requested if name in record.values}
        if current.get(switch) is True:
            continue
        part.targets.append(Planned(record.id, record.label, plain(current), plain(requested), vendor=key))
    if not part.targets:
        part.note = f"already {said} on {name}"
    try:
        calls = groups(vendor)
        seen: dict[str, str] = {}
        for record in found:
            for group in await calls.groups_of(record):
                seen.setdefault(group.id, group.label)
        part.groups = list(seen.values())
    except StewardError as err:
        extra = f"its groups could not be read ({err})"
        part.note = f"{part.note}; {extra}" if part.note else extra
    return part


#: Called with a vendor and its outcomes as soon as that vendor's part has finished.
PartDone = Callable[[str, list[TargetOutcome]], Awaitable[None]]


async def run(
    vendors: Mapping[str, Vendor],
    targets: Sequence[Planned],
    *,
    concurrency: int,
    done: PartDone,
    switch_on: bool = False,
) -> list[TargetOutcome]:
    """Run every vendor's part side by side (switching the accounts off, or on again with
    `switch_on`); one vendor's failure does not stop the others. Outcomes come back in the
    order of `targets`, each marked with its vendor."""
    by_vendor: dict[str, list[Planned]] = {}
    for target in targets:
        by_vendor.setdefault(target.vendor, []).append(target)
    results: dict[str, list[TargetOutcome]] = {}

    async def one(key: str, planned: list[Planned]) -> None:
        name = VENDOR_NAMES.get(key, key)
        vendor = vendors.get(key)
        try:
            if vendor is None:
                outcomes = [
                    TargetOutcome(t.id, t.label, False, f"{name} is no longer configured on this Steward.")
                    for t in planned
                ]
            else:
                action = SWITCH_ON[key] if switch_on else SWITCH_OFF[key][0]
                outcomes = await run_targets(vendor, "user", action, planned, concurrency=concurrency)
        except Exception as err:  # one vendor's surprise must not cost the others their outcome
            log.exception("offboarding on %s failed unexpectedly", name)
            outcomes = [
                TargetOutcome(t.id, t.label, False, f"Steward failed on {name}: {type(err).__name__}.")
                for t in planned
            ]
        results[key] = [dataclasses.replace(o, vendor=key) for o in outcomes]
        await done(key, results[key])

    await asyncio.gather(*(one(key, planned) for key, planned in by_vendor.items()))
    order = {(t.vendor, t.id): i for i, t in enumerate(targets)}
    every = [o for outcomes in results.values() for o in outcomes]
    return sorted(every, key=lambda o: order.get((o.vendor, o.id), len(order)))
