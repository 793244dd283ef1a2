"""A stored request turned into the `RequestCard` people see."""

from __future__ import annotations

from typing import Any

from bot.slack.card import Approval, FieldChange, RequestCard, TargetCard, TargetOutcome, VendorPart
from bot.store import StoredRequest

HIDDEN = ("password", "old_password")
#: The states from which a request may be reverted (`bot.flow.revert`).
REVERTIBLE = ("done", "partly_done")


def to_card(row: StoredRequest, vendor_name: str, progress: tuple[int, int] | None = None) -> RequestCard:
    planned = (row.card or {}).get("targets", [])
    targets = tuple(_target(row, p) for p in planned)
    outcomes = tuple(_outcome(o) for o in (row.outcome or []))
    return RequestCard(
        id=row.id,
        vendor=row.vendor,
        vendor_name=vendor_name,
        obj=row.obj,
        action=row.action,
        requester=row.requester,
        reason=row.reason,
        targets=targets,
        state=row.state,
        approvals_required=row.approvals_required,
        approvals=tuple(Approval(a.approver, a.at) for a in row.approvals),
        decided_by=row.decided_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        finished_at=row.finished_at,
        outcomes=outcomes,
        progress=progress,
        note=(row.card or {}).get("note", ""),
        group=str(((row.card or {}).get("group") or {}).get("label", "")),
        rejection_reason=str((row.card or {}).get("rejection_reason", "")),
        person=str(((row.card or {}).get("offboard") or {}).get("person", "")),
        parts=tuple(_part(p) for p in ((row.card or {}).get("offboard") or {}).get("vendors", [])),
        reverts=row.reverts or "",
        revertible=row.state in REVERTIBLE
        and not any(name in row.fields for name in HIDDEN)
        and any(o.get("ok") and o.get("changed") == "yes" for o in row.outcome or []),
    )


def _part(data: dict[str, Any]) -> VendorPart:
    return VendorPart(
        vendor=str(data.get("vendor", "")),
        name=str(data.get("name", "")),
        account=str(data.get("account", "")),
        groups=tuple(str(g) for g in data.get("groups") or ()),
        note=str(data.get("note", "")),
        included=bool(data.get("included", True)),
    )


def _target(row: StoredRequest, planned: dict[str, Any]) -> TargetCard:
    current = planned.get("current", {})
    requested = planned.get("requested", {})
    # A field missing from `current` is one the vendor's answer did not carry (Record.values
    # leaves such fields out): shown as not reported, not as empty.
    changes = [
        FieldChange(name, current.get(name), value, reported=name in current)
        for name, value in requested.items()
    ]
    changes += [FieldChange(name, None, None, hidden=True) for name in HIDDEN if name in row.fields]
    return TargetCard(
        str(planned.get("id", "")),
        str(planned.get("label", "")),
        tuple(changes),
        str(planned.get("vendor", "")),
    )


def _outcome(data: dict[str, Any]) -> TargetOutcome:
    return TargetOutcome(
        id=str(data.get("id", "")),
        label=str(data.get("label", "")),
        ok=bool(data.get("ok")),
        message=str(data.get("message", "")),
        changed=str(data.get("changed", "no")),
        values=data.get("values") or {},
        kind=str(data.get("kind", "")),
        vendor=str(data.get("vendor", "")),
    )
