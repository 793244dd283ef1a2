"""Running an approved request against its vendor: read every target again, stop a target whose
value drifted since the card was shown, write, and report what the vendor now says.

Targets run concurrently, bounded by `concurrency`; the vendor client paces itself to its rate
limit, so the bound only keeps a bulk request from holding too many connections. One target's
failure does not stop the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from bot.errors import InvalidValue, StewardError, VendorError
from bot.slack import TargetOutcome, messages
from bot.vendors import Groups, Record, Vendor, build

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class Planned:
    """One target as the card showed it: the values read then, and the values asked for."""

    id: str
    label: str
    current: Mapping[str, Any]
    requested: Mapping[str, Any]
    vendor: str = ""  # an offboarding's: the vendor of this account


def plain(value: Any) -> Any:
    """A value in the JSON form both the card snapshot and the vendor's answer can be compared in."""
    return json.loads(json.dumps(value, default=_default, sort_keys=True))


def _default(value: Any) -> Any:
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return str(value)


def same(a: Any, b: Any) -> bool:
    return bool(plain(a) == plain(b))


def drift(target: Planned, fresh: Record, action: str, bits: int = 0) -> list[str]:
    """The fields whose value is neither what the card showed nor what was asked for.

    A value already equal to the request is not drift: a run taken up again after a crash finds
    the targets it already wrote that way, and writing absolute values again changes nothing.
    grant/revoke compare the whole mask: bits somebody else changed meanwhile stop the run, as
    the group would otherwise end with a mask nobody approved.
    """
    moved = []
    for name, wanted in target.requested.items():
        now = fresh.values.get(name)
        shown = target.current.get(name)
        if name in target.current and not (same(now, shown) or same(now, wanted)):
            moved.append(name)
    return moved


async def run_targets(
    vendor: Vendor,
    obj: str,
    action: str,
    targets: Sequence[Planned],
    *,
    bits: int = 0,
    group: Record | None = None,
    secrets: Mapping[str, Any] | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> list[TargetOutcome]:
    """Run every target; return one outcome per target, in order. With `group`, the targets are
    people going into (`add`) or out of (`remove`) that group."""
    if group is not None:
        return await _run_membership(vendor, group, action, targets, concurrency, progress)
    try:
        fresh = await vendor.read(obj, [t.id for t in targets])
    except VendorError as err:
        return [TargetOutcome(t.id, t.label, False, str(err), changed="no") for t in targets]
    gate = asyncio.Semaphore(concurrency)
    finished = 0

    async def one(target: Planned) -> TargetOutcome:
        nonlocal finished
        async with gate:
            outcome = await _run_one(vendor, obj, action, target, fresh.get(target.id), bits, secrets or {})
        finished += 1
        if progress is not None:
            await progress(finished, len(targets))
        return outcome

    return list(await asyncio.gather(*(one(t) for t in targets)))


async def _run_one(
    vendor: Vendor,
    obj: str,
    action: str,
    target: Planned,
    fresh: Record | None,
    bits: int,
    secrets: Mapping[str, Any],
) -> TargetOutcome:
    if fresh is None:
        return TargetOutcome(target.id, target.label, False, f"{vendor.name} no longer has this {obj}.")
    moved = drift(target, fresh, action, bits)
    if moved:

        def said(value: Any, name: str) -> str:
            return messages.readable(plain(value), vendor=vendor.key, name=name)

        details = "; ".join(
            f"`{name}` is now {said(fresh.values.get(name), name)}, "
            f"the card showed {said(target.current.get(name), name)}"
            for name in moved
        )
        return TargetOutcome(
            target.id,
            target.label,
            False,
            f"Stopped: the value changed in {vendor.name} after the request was made ({details}). "
            "Nothing was changed; check the current value and ask again.",
            kind="drift",
        )
    if (
        not secrets
        and target.requested
        and all(
            name in fresh.values and same(fresh.values[name], value)
            for name, value in target.requested.items()
        )
    ):
        # already as asked: someone did it meanwhile, or this run was cut off after writing it
        # and is taken up again. Nothing is sent, so a taken-up run writes each target once.
        return TargetOutcome(
            target.id,
            target.label,
            True,
            f"already so in {vendor.name}; nothing was sent",
            values=plain({name: fresh.values[name] for name in target.requested}),
        )
    values = dict(target.requested)  # grant/revoke: the mask the card showed, with the bits applied
    values.update(secrets)
    try:
        change = build(vendor.objects[obj], values)
        after = await vendor.write(obj, fresh, change)
    except InvalidValue as err:
        return TargetOutcome(target.id, target.label, False, f"{vendor.name} was not asked: {err}")
    except VendorError as err:
        return TargetOutcome(target.id, target.label, False, str(err), changed=err.changed)
    except StewardError as err:
        return TargetOutcome(target.id, target.label, False, str(err))
    return checked(vendor, target, values, secrets, after)


def checked(
    vendor: Vendor, target: Planned, values: Mapping[str, Any], secrets: Mapping[str, Any], after: Record
) -> TargetOutcome:
    """The outcome as the vendor's answer shows it: a requested field the answer still shows
    with another value did not take (an error, never "changed"); one the answer leaves out is
    changed as far as Steward can tell, and the message says it could not confirm it."""
    asked = [name for name in values if name not in secrets]
    reported = {name: after.values[name] for name in asked if name in after.values}
    # ONLYOFFICE reports a text field it emptied (`title`, `location`) as null, not as ""
    missed = [
        name
        for name in reported
        if not (same(reported[name], values[name]) or (reported[name] is None and values[name] == ""))
    ]
    label = after.label or target.label
    if missed:
        still = " and ".join(
            f"`{name}` is still {messages.readable(plain(reported[name]), vendor=vendor.key, name=name)}"
            for name in missed
        )
        took = len(missed) < len(asked)
        return TargetOutcome(
            target.id,
            label,
            False,
            f"{vendor.name} answered without an error but {still}. "
            f"{'The other fields changed. ' if took else 'Nothing was changed. '}"
            f"Check the {target.label} in {vendor.name} before asking again.",
            changed="yes" if took else "no",
            values=reported,
        )
    unconfirmed = [name for name in asked if name not in reported]
    message = "changed"
    if unconfirmed:
        names = " and ".join(f"`{name}`" for name in unconfirmed)
        message += f"; {vendor.name}'s answer does not report {names}, so Steward could not confirm it"
    return TargetOutcome(target.id, label, True, message, changed="yes", values=reported)


async def _run_membership(
    vendor: Vendor,
    group: Record,
    action: str,
    targets: Sequence[Planned],
    concurrency: int,
    progress: Progress | None,
) -> list[TargetOutcome]:
    """Read the group's members again, put each person in or take them out, then read the
    members once more: a person whose membership the vendor answered for but does not show is
    an error, never "changed". Membership is yes or no, so it cannot drift to a third value: a
    person already as asked (someone else did it, or a run taken up after a crash) is left alone."""
    calls = groups(vendor)
    wanted = action == "add"
    try:
        inside = {m.id for m in await calls.members(group)}
    except VendorError as err:
        return [TargetOutcome(t.id, t.label, False, str(err), changed="no") for t in targets]
    gate = asyncio.Semaphore(concurrency)
    finished = 0
    written: dict[str, TargetOutcome] = {}

    async def one(target: Planned) -> None:
        nonlocal finished
        async with gate:
            if (target.id in inside) == wanted:
                written[target.id] = TargetOutcome(
                    target.id,
                    target.label,
                    True,
                    f"already {'in' if wanted else 'not in'} {group.label}",
                    values={"member": wanted},
                )
            else:
                person = Record(target.id, target.label)
                try:
                    await (calls.add_member if wanted else calls.remove_member)(group, person)
                except VendorError as err:
                    written[target.id] = TargetOutcome(
                        target.id, target.label, False, str(err), changed=err.changed
                    )
                except StewardError as err:
                    written[target.id] = TargetOutcome(target.id, target.label, False, str(err))
                # a success is confirmed by the members read after every write, below
        finished += 1
        if progress is not None:
            await progress(finished, len(targets))

    await asyncio.gather(*(one(t) for t in targets))
    try:
        after = {m.id for m in await calls.members(group)}
    except VendorError:
        after = None  # written as far as the vendor answered; not confirmed
    outcomes = []
    for target in targets:
        done = written.get(target.id)
        if done is not None:  # failed, or already as asked: nothing written for them
            outcomes.append(done)
        elif after is not None and (target.id in after) != wanted:
            state = "still not in" if wanted else "still in"
            outcomes.append(
                TargetOutcome(
                    target.id,
                    target.label,
                    False,
                    f"{vendor.name} answered without an error but {target.label} is {state} {group.label}.",
                    changed="no",
                    values={"member": not wanted},
                )
            )
        else:
            note = "" if after is not None else f"; {vendor.name} could not be asked to confirm it"
            verb = "added to" if wanted else "removed from"
            outcomes.append(
                TargetOutcome(
                    target.id,
                    target.label,
                    True,
                    f"{verb} {group.label}{note}",
                    changed="yes",
                    values={"member": wanted},
                )
            )
    return outcomes


_GROUP_CALLS = ("find_groups", "members", "add_member", "remove_member", "groups_of")


def groups(vendor: Vendor) -> Groups:
    """The vendor's group membership calls (every client has them; a test double may not)."""
    if not all(hasattr(vendor, name) for name in _GROUP_CALLS):
        raise StewardError(f"Steward cannot change group membership on {vendor.name} yet.")
    return cast(Groups, vendor)
