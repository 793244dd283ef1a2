"""Revert: a finished request's changes undone by a new request (issue 17, point 1).

The new request asks, for each target the first one changed, for the values it had before (the
card's "current"), and shows as "current" the values the first request wrote: its drift check
then stops a target that someone changed since, and leaves alone one already back. The action
turns around — a group add becomes a remove, a grant a revoke of what it added, a disable an
enable, a ban an unban, an offboarding a reinstatement — and the new request goes through the
policy, the card and the approval like any other. Passwords are never reverted: Steward keeps no
password to go back to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StewardError
from bot.flow.execute import Planned, plain, same
from bot.language import SECRET_FIELDS
from bot.store import StoredRequest
from bot.vendors import MODELS, Record

#: Each action and the one that undoes it.
REVERSE: Mapping[str, str] = {
    "set": "set",
    "grant": "revoke",
    "revoke": "grant",
    "disable": "enable",
    "enable": "disable",
    "ban": "unban",
    "unban": "ban",
    "deactivate": "reactivate",
    "reactivate": "deactivate",
    "add": "remove",
    "remove": "add",
    "offboard": "reinstate",
    "reinstate": "offboard",
}
REVERTIBLE = frozenset({"done", "partly_done"})
#: The values under which a person is known to a vendor besides the id (as the pipeline keeps them).
KNOWN_AS = ("email", "login", "username")


#: Fields set along with an action that its reversal leaves as they are: an unban does not
#: write back the reason of a ban (Hub keeps `banReason` as a record; notes/vendor-apis.md §4.3).
ONE_WAY = frozenset({"banReason"})


class CannotRevert(StewardError):
    """The request cannot be reverted; the message says why."""


@dataclass(frozen=True)
class RevertPlan:
    """The request that undoes `of`: its action, its targets (current = as `of` left them,
    requested = as they were before), what goes on its card, and the targets left alone."""

    of: str
    vendor: str
    obj: str
    action: str
    targets: list[Planned]
    records: list[Record]
    extra: dict[str, Any] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)  # labels of targets `of` did not change

    @property
    def fields(self) -> list[str]:
        """The fields the revert sets, for the policy."""
        return sorted({name for t in self.targets for name in t.requested})


def why_not(row: StoredRequest) -> str | None:
    """Why `row` cannot be reverted at all, or None."""
    if row.state not in REVERTIBLE:
        return (
            f"Request {row.id} is {row.state.replace('_', ' ')}; only a request that is done or "
            "partly done can be reverted."
        )
    if any(name in row.fields for name in SECRET_FIELDS):
        return (
            f"Request {row.id} set a password. Steward keeps no password to go back to, so it cannot "
            "be reverted; set a new one through the form if needed."
        )
    if row.action not in REVERSE:
        return f"Steward cannot revert a `{row.action}` request."
    return None


def plan_revert(row: StoredRequest) -> RevertPlan:
    """The revert of `row`, or `CannotRevert`."""
    problem = why_not(row)
    if problem is not None:
        raise CannotRevert(problem)
    card = row.card or {}
    changed = {
        (str(o.get("vendor", "")), str(o.get("id"))): o
        for o in row.outcome or []
        if o.get("ok") and o.get("changed") == "yes"
    }
    known = {str(t.get("id")): t for t in row.targets if isinstance(t, dict)}
    targets: list[Planned] = []
    unchanged: list[str] = []
    for planned in card.get("targets", []):
        key = (str(planned.get("vendor", "")), str(planned["id"]))
        outcome = changed.get(key)
        label = str(planned.get("label", planned["id"]))
        if outcome is None:
            unchanged.append(label)
            continue
        before: dict[str, Any] = dict(planned.get("current") or {})
        wrote: dict[str, Any] = {**(planned.get("requested") or {}), **(outcome.get("values") or {})}
        # only what was asked and had a value before (a field the vendor did not report cannot go back)
        names = [n for n in (planned.get("requested") or {}) if n in before and n not in ONE_WAY]
        vendor = str(planned.get("vendor", ""))
        requested = {n: _back(vendor or row.vendor, row.obj, n, before[n]) for n in names}
        current = {n: wrote[n] for n in names if n in wrote}
        if not requested or all(same(current.get(n), v) for n, v in requested.items()):
            unchanged.append(label)
            continue
        targets.append(Planned(str(planned["id"]), label, plain(current), plain(requested), vendor=vendor))
    if not targets:
        raise CannotRevert(
            f"Nothing to revert: request {row.id} changed no target that Steward could set back."
        )
    extra: dict[str, Any] = {"reverts": row.id}
    if card.get("group"):
        extra["group"] = card["group"]
    if card.get("offboard"):
        extra["offboard"] = card["offboard"]
    if row.action in ("grant", "revoke"):
        extra["bits"] = _bits(targets)
    records = [
        Record(t.id, t.label, {k: known[t.id][k] for k in KNOWN_AS if known.get(t.id, {}).get(k)})
        for t in targets
    ]
    return RevertPlan(row.id, row.vendor, row.obj, REVERSE[row.action], targets, records, extra, unchanged)


def _back(vendor: str, obj: str, name: str, value: Any) -> Any:
    """The value to write back: a field the vendor reported empty as null but takes only as text
    (ONLYOFFICE's `title`, `location`) goes back as its empty value, not as null."""
    info = MODELS.get(vendor, {}).get(obj, None)
    found = info.model_fields.get(name) if info is not None else None
    if value is None and found is not None and not found.is_required() and found.default is not None:
        return found.default
    return value


def _bits(targets: list[Planned]) -> int:
    """The permission bits a grant or revoke revert puts back or takes away (for the card)."""
    mask = 0
    for target in targets:
        mask |= int(target.current.get("permissions") or 0) ^ int(target.requested.get("permissions") or 0)
    return mask


def reason_for(row: StoredRequest, reason: str) -> str:
    said = f"revert of {row.id}"
    return f"{said}: {reason}" if reason else said
