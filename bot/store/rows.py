"""What the store hands back: plain frozen records, built from rows, with no database attached."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StewardError
from bot.store.schema import FINAL_STATES


class NoSuchRequest(StewardError, LookupError):
    """No request has this id."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(f"There is no request {request_id}.")


@dataclass(frozen=True)
class ApprovalRow:
    approver: str  # Slack user id
    at: dt.datetime


@dataclass(frozen=True)
class StoredRequest:
    """A request as stored. `fields`, `card` and `outcome` are masked JSON; `secret` is the
    encrypted password (bytes) until the request ends, then None."""

    id: str
    state: str
    vendor: str
    obj: str
    action: str
    targets: list[Any]
    fields: dict[str, Any]
    reason: str
    requester: str
    channel: str | None
    card_channel: str | None
    card_ts: str | None
    approvals_required: int
    approvals: tuple[ApprovalRow, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime | None
    finished_at: dt.datetime | None
    decided_by: str | None
    lease_owner: str | None
    lease_until: dt.datetime | None
    runs: int
    outcome: Any
    card: Any
    announced: str | None
    told: str | None  # the parts of the announcement already out, e.g. "done:thread"
    deliver_until: dt.datetime | None  # a delivery of its news is under way until then
    secret: bytes | None = field(default=None, repr=False)
    reverts: str | None = None  # the request this one reverts
    ends_at: dt.datetime | None = None  # a change made for a while: when it ends by itself
    end_state: str | None = None  # None, "ending", "ended", "not_ended"
    end_warned_at: dt.datetime | None = None
    ending_until: dt.datetime | None = None  # while "ending": held by the process that took it
    reminded_at: dt.datetime | None = None  # its approvers were reminded (bot/flow/reminders.py)
    escalated_at: dt.datetime | None = None  # its card was re-posted in the escalation channel

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def approvers(self) -> list[str]:
        return [a.approver for a in self.approvals]

    @classmethod
    def from_row(cls, row: dict[str, Any], approvals: tuple[ApprovalRow, ...]) -> StoredRequest:
        data = dict(row)
        data.pop("target_keys", None)
        data["obj"] = data.pop("object")
        secret = data.pop("secret", None)
        return cls(**data, approvals=approvals, secret=bytes(secret) if secret is not None else None)


@dataclass(frozen=True)
class ApprovalResult:
    """What one Approve click did.

    `recorded`: this approver's approval is new (False for a second click, or when the request
    is no longer pending). `approved_now`: this call moved the request pending → approved; True
    for exactly one caller however many click at once. `approvers`: everyone who has approved,
    in order. `state`: the request's state after the call.
    """

    recorded: bool
    approved_now: bool
    approvers: tuple[str, ...]
    required: int
    state: str

    @property
    def count(self) -> int:
        return len(self.approvers)
