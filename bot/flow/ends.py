"""Changes made for a while (issue 17, points 4 and 5): when the time is up, Steward reverts the
change by itself — without a new approval, as the approval covered the time — once across
replicas and after restarts, since the due time is in the store and every process's upkeep looks
for it. An hour before the end (or at 90% of a shorter time) the requester gets a direct message
with Extend and End now.

This module does not import the pipeline (which calls it from upkeep): it works on anything that
offers what `Host` lists, which the pipeline does.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from bot import metrics
from bot.flow.revert import CannotRevert, plan_revert
from bot.slack import Answer, Notifier, Place, RequestCard, messages
from bot.store import Store, StoredRequest

log = logging.getLogger(__name__)


class Host(Protocol):
    """What ending a change needs of the pipeline."""

    store: Store
    notifier: Notifier

    async def submit_revert(
        self, request_id: str, requester: str, channel: str, *, reason: str = "", covered: str = ""
    ) -> Answer: ...

    def card_of(self, row: StoredRequest) -> RequestCard: ...

    async def refresh(self, request_id: str) -> None: ...


async def end_due(host: Host, now: dt.datetime) -> None:
    """End every change whose time is up, and warn the requesters of those about to end; each
    taken by one process only."""
    for request_id in await host.store.due_warnings(now):
        if await host.store.take_warning(request_id, now):
            row = await host.store.get(request_id)
            if row is not None:
                try:
                    await host.notifier.direct(row.requester, messages.end_warning(host.card_of(row)))
                except Exception as err:  # Slack's trouble: the end comes all the same
                    log.warning("could not tell the requester of %s that it ends soon: %s", request_id, err)
    for request_id in await host.store.due_ends(now):
        if await host.store.take_end(request_id, now):
            await end(host, request_id, by="steward")


async def end(host: Host, request_id: str, *, by: str) -> str:
    """Revert a change made for a while now (its time is up, or `by` clicked End now), once the
    caller has taken its end. Returns what happened, in a sentence."""
    row = await host.store.get(request_id)
    if row is None:
        return f"There is no request {request_id}."
    until = row.ends_at.strftime("%Y-%m-%d %H:%M UTC") if row.ends_at else "its end"
    covered = f"the approval of {row.id} covered the time until {until}"
    if by != "steward":
        covered = f"<@{by}> ended {row.id} early; {covered}"
    try:
        plan_revert(row)  # says why not before anything is stored
        answer = await host.submit_revert(
            row.id,
            row.requester,
            row.card_channel or row.channel or "",
            reason="its time is up",
            covered=covered,
        )
    except CannotRevert as err:
        answer = Answer(str(err))
    except Exception as err:  # a bug or a store failure: the end is kept "not ended" and said so
        log.exception("could not end %s", request_id)
        answer = Answer(f"Steward failed while ending it ({type(err).__name__}).")
    revert_row = await host.store.get(answer.request_id) if answer.request_id else None
    if revert_row is not None and revert_row.state == "done":
        state, why = "ended", f"request {revert_row.id} set it back"
    elif revert_row is not None:
        failed = [o.get("message", "") for o in revert_row.outcome or [] if not o.get("ok")]
        state = "ended" if revert_row.state == "partly_done" else "not_ended"
        why = f"request {revert_row.id} is {revert_row.state.replace('_', ' ')}" + (
            f": {failed[0]}" if failed else ""
        )
    else:
        state, why = "not_ended", answer.text
    at = dt.datetime.now(dt.UTC)
    detail: dict[str, Any] = {"at": at.isoformat(), "why": why, "by": by}
    if revert_row is not None:
        detail["request"] = revert_row.id
    await host.store.finish_end(row.id, state, detail, actor=by)
    await host.store.set_card(row.id, {**(row.card or {}), "end": detail})
    metrics.SCHEDULED_ENDS.labels(state).inc()
    await host.refresh(row.id)
    message = messages.end_message(host.card_of(row), why, state == "ended")
    try:
        if row.card_channel and row.card_ts:
            await host.notifier.post_note(message, Place(row.card_channel, row.card_ts))
        await host.notifier.direct(row.requester, message)
    except Exception as err:  # the end is stored; Slack's trouble costs only the news
        log.warning("could not tell how %s ended: %s", row.id, err)
    return f"Request {row.id} {'ended' if state == 'ended' else 'could not end'}: {why}."
