"""What a request card shows, as plain data: built by the pipeline from the store, rendered by
`bot/messages.py` for Slack and for the terminal. No I/O, no Slack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FINAL_STATES = frozenset({"done", "failed", "partly_done", "rejected", "cancelled", "expired", "refused"})


@dataclass(frozen=True)
class FieldChange:
    """One field of one target: what the vendor reported when the request was made, and what
    was asked. `hidden` values (passwords) are never shown. `reported` is False when the
    vendor's answer left the field out (Kaiten's GET /users never carries `subject_by`): then
    there is no current value to show, which is not the same as a current value of null."""

    name: str
    current: Any
    requested: Any
    hidden: bool = False
    reported: bool = True


@dataclass(frozen=True)
class TargetCard:
    id: str
    label: str
    changes: tuple[FieldChange, ...]
    vendor: str = ""  # an offboarding's targets are accounts on several vendors


@dataclass(frozen=True)
class TargetOutcome:
    """What happened to one target. `changed` is "yes", "no" or "unknown"."""

    id: str
    label: str
    ok: bool
    message: str
    changed: str = "no"
    values: Mapping[str, Any] = field(default_factory=dict)
    kind: str = ""  # "drift" when stopped because the value changed since the card was shown
    vendor: str = ""  # an offboarding's: the vendor of this account


@dataclass(frozen=True)
class VendorPart:
    """One vendor of an offboarding as its card shows it: the person's account there (empty
    when there is none), the groups they are in (listed, not changed), and a `note` when the
    vendor has nothing to do or is left out ("no account on Hub", "already banned", why not)."""

    vendor: str
    name: str
    account: str = ""
    groups: tuple[str, ...] = ()
    note: str = ""
    included: bool = True


@dataclass(frozen=True)
class Approval:
    user: str
    at: dt.datetime


@dataclass(frozen=True)
class RequestCard:
    id: str
    vendor: str  # "kaiten"
    vendor_name: str  # "Kaiten"
    obj: str  # "user" | "group"
    action: str  # "set", "grant", "revoke", "disable", "enable", "ban", "unban"
    requester: str  # Slack user id
    reason: str
    targets: tuple[TargetCard, ...]
    state: str
    approvals_required: int = 0
    approvals: tuple[Approval, ...] = ()
    decided_by: str | None = None  # who rejected or cancelled
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    outcomes: tuple[TargetOutcome, ...] = ()
    progress: tuple[int, int] | None = None  # (targets finished, targets in all) while running
    note: str = ""  # e.g. why a run was taken up again after a restart
    rejection_reason: str = ""  # what the approver who rejected it said (the terminal's --reason)
    group: str = ""  # add/remove: the group the people go into or out of (its name)
    person: str = ""  # offboard: the person, as the requester named them
    parts: tuple[VendorPart, ...] = ()  # offboard: each configured vendor
    reverts: str = ""  # the id of the request this one reverts
    extends: str = ""  # an extension: the id of the request whose end it moves
    extends_to: dt.datetime | None = None  # … and the end it asks for
    revertible: bool = False  # done or partly done, and nothing in it Steward cannot set back
    # A change made for a while: the `for` asked (until the change is made), when it ends (the
    # `until` asked, then the time set as it was made), and how its end went.
    lasting: dt.timedelta | None = None
    ends_at: dt.datetime | None = None
    end_state: str = ""  # "ending", "ended" or "not_ended" once the end is due
    end_at: dt.datetime | None = None  # when it ended, or failed to
    end_why: str = ""  # why it could not end
    end_request: str = ""  # the request that ended it (or tried to)

    @property
    def offboarding(self) -> bool:
        """An offboarding, or the reinstatement that reverts one: accounts on several vendors."""
        return self.action in ("offboard", "reinstate")

    @property
    def pending(self) -> bool:
        return self.state == "pending"

    @property
    def starting(self) -> bool:
        """Pending but needing no approval: the moment before its run begins."""
        return self.pending and self.approvals_required == 0

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES
