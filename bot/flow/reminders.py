"""Approvers are reminded (issue 17, point 6), from the upkeep of every process.

A request still pending `remind_after` after it was made (STEWARD_REMIND_AFTER, or the policy
file's `remind_after`, the shortest of an offboarding's vendors) gets one reminder in its card's
thread, mentioning whoever may still approve it; after twice that, its card is posted again in
STEWARD_ESCALATION_CHANNEL when one is set. Each is claimed in the store first (`… WHERE
reminded_at IS NULL`), so one process sends it whatever the number of replicas; one Slack did
not take is given back and sent at a later round, one Slack never will take is an audit entry.
A request that has ended is neither claimed nor reminded.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal, Protocol

from bot.flow.policy import Policy, assess_approval, vendors_of
from bot.slack import Notifier, Place, RequestCard, Undeliverable, to_card
from bot.store import Store, StoredRequest
from bot.vendors import VENDOR_NAMES, VENDORS

log = logging.getLogger(__name__)

#: The card channel of a request made at a terminal (bot/flow/pipeline.py's): no Slack thread.
TERMINAL = "terminal"


class Upkeep(Protocol):
    """What reminding needs of the pipeline."""

    store: Store
    policy: Policy
    notifier: Notifier


def remind_after_for(policy: Policy, vendor: str) -> dt.timedelta:
    """How long a request of `vendor` (an offboarding's "kaiten,hub") waits before a reminder."""
    return min(policy.rules(part).remind_after for part in vendors_of(vendor))


def may_approve(policy: Policy, row: StoredRequest) -> list[str]:
    """Who may still approve the request: its vendors' approvers, less the requester (unless
    self-approval is on) and those who have approved it already."""
    everyone = set().union(*(policy.rules(part).approvers for part in vendors_of(row.vendor)))
    return sorted(
        user
        for user in everyone
        if assess_approval(
            policy, user, row.vendor, row.requester, row.approvers, required=row.approvals_required
        ).allowed
    )


async def remind_due(pipeline: Upkeep, now: dt.datetime) -> None:
    """Send the reminders and escalations due at `now` that no process has sent yet."""
    policy, store = pipeline.policy, pipeline.store
    soonest = min(policy.rules(vendor).remind_after for vendor in VENDORS)
    channel = policy.escalation_channel
    for row in await store.waiting(now - soonest, now - 2 * soonest if channel else None):
        if row.card_channel in (None, TERMINAL) or row.card_ts is None:
            continue  # no card in Slack to remind in
        waited, after = now - row.created_at, remind_after_for(policy, row.vendor)
        if row.reminded_at is None and waited >= after and await store.take_reminder(row.id, now):
            await _send(pipeline, row, "reminder", None)
        escalate = channel and row.escalated_at is None and waited >= 2 * after
        if escalate and await store.take_escalation(row.id, now):
            await _send(pipeline, row, "escalation", channel)


async def _send(
    pipeline: Upkeep, row: StoredRequest, what: Literal["reminder", "escalation"], channel: str | None
) -> None:
    """Post what this process has claimed, and say so in the audit log."""
    store = pipeline.store
    place = Place(str(row.card_channel), str(row.card_ts))
    card = _card(row)
    approvers = may_approve(pipeline.policy, row)
    try:
        if channel is None:
            await pipeline.notifier.remind(card, approvers, place)
        else:
            await pipeline.notifier.escalate(card, channel, place)
    except Undeliverable as err:
        log.warning("Slack will never take the %s of %s in %s (%s)", what, row.id, err.channel, err.error)
        detail = {"channel": err.channel, "error": err.error, "parts": [what]}
        await store.record(row.id, "steward", "undeliverable", detail)
        return
    except Exception as err:  # Slack did not answer: given back for a later round
        log.warning("could not send the %s of %s yet (%s); it will be tried again", what, row.id, err)
        await store.give_back(row.id, what)
        return
    if channel is None:
        await store.record(row.id, "steward", "reminded", {"approvers": approvers})
    else:
        await store.record(row.id, "steward", "escalated", {"channel": channel})


def _card(row: StoredRequest) -> RequestCard:
    names = [VENDOR_NAMES.get(vendor, vendor) for vendor in vendors_of(row.vendor)]
    return to_card(row, names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])
