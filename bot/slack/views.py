"""A stored request turned into the `RequestCard` people see."""

from __future__ import annotations

import datetime as dt
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
        extends=str(((row.card or {}).get("extends") or {}).get("id", "")),
        extends_to=_moment(((row.card or {}).get("extends") or {}).get("to")),
        revertible=row.state in REVERTIBLE
        and not any(name in row.fields for name in HIDDEN)
        and any(o.get("ok") and o.get("changed") == "yes" for o in row.outcome or []),
        **_lasting(row),
    )


def _lasting(row: StoredRequest) -> dict[str, Any]:
    """A change made for a while: the asked `for` or `until` (in `card["lasting"]`) until it is
    made, then its `ends_at`; how its end went (`card["end"]`: at, why, request)."""
    card: dict[str, Any] = row.card if isinstance(row.card, dict) else {}
    asked: dict[str, Any] = card["lasting"] if isinstance(card.get("lasting"), dict) else {}
    end: dict[str, Any] = card["end"] if isinstance(card.get("end"), dict) else {}
    ends_at = row.ends_at
    if ends_at is None and asked.get("until"):
        ends_at = _utc(asked["until"])
    return {
        "lasting": dt.timedelta(seconds=int(asked["for"])) if asked.get("for") else None,
        "ends_at": ends_at,
        "end_state": row.end_state or "",
        "end_at": _utc(end.get("at")),
        "end_why": str(end.get("why") or ""),
        "end_request": str(end.get("request") or ""),
    }


def _utc(value: Any) -> dt.datetime | None:
    """An ISO time from the card JSON, aware and in UTC (a naive one is taken as UTC)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _moment(text: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None


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
