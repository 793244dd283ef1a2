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
from typing import Any

from bot.errors import InvalidValue, StewardError, VendorError
from bot.slack import TargetOutcome, messages
from bot.vendors import Record, Vendor, build

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class Planned:
    """One target as the card showed it: the values read then, and the values asked for."""

    id: str
    label: str
    current: Mapping[str, Any]
    requested: Mapping[str, Any]


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
    secrets: Mapping[str, Any] | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> list[TargetOutcome]:
    """Run every target; return one outcome per target, in order."""
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
    missed = [name for name in reported if not same(reported[name], values[name])]
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
