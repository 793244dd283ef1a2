"""A request's life: submit → refused | pending → approved | rejected | cancelled | expired →
running → done | failed | partly_done. The one place that orders the steps.

Every state change goes through the store's atomic conditional update, so whatever happens on
however many replicas, one caller wins each transition and a request runs once. Slack (or the
terminal) is reached only through the `Notifier` given in; the pipeline knows no Slack payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from bot import metrics
from bot.errors import StewardError
from bot.flow import ends, offboard, reminders, revert
from bot.flow.execute import Planned, groups, plain, run_targets, same
from bot.flow.policy import (
    ACTION_FIELDS,
    Decision,
    Policy,
    assess_approval,
    assess_extension,
    assess_lasting,
    assess_offboard,
    assess_own_account,
    assess_request,
    may_read,
    ttl_for,
    vendors_of,
)
from bot.flow.resolve import MENTION, EmailLookup, TargetError, resolve
from bot.language import MAX_TARGETS, Change, Membership, Offboard, too_many
from bot.slack import (
    Answer,
    Notifier,
    NotInChannel,
    Place,
    RequestCard,
    TargetOutcome,
    Undeliverable,
    messages,
    to_card,
)
from bot.store import SecretBox, Store, StoredRequest
from bot.vendors import VENDOR_NAMES, VENDORS, Record, Vendor

__all__ = ["Answer", "NotInChannel", "Notifier", "Pipeline", "Place"]

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)  # STEWARD_LEASE_SECONDS
GRACE = dt.timedelta(seconds=30)  # an approved request nobody claimed this long is taken up
# How long a process holds the delivery of a card or an announcement: longer than slack_sdk's
# retries of one call take, so that another replica's upkeep does not post it a second time.
DELIVERY = dt.timedelta(minutes=2)
#: The channel of a request made at a terminal (`steward run`): no Slack channel has this id.
TERMINAL = "terminal"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Pipeline:
    def __init__(
        self,
        *,
        store: Store,
        vendors: Mapping[str, Vendor],
        policy: Policy,
        notifier: Notifier,
        email_of: EmailLookup,
        approval_channel: str | None = None,
        secret_box: SecretBox | None = None,
        concurrency: int = 8,
        in_flight: int = 32,
        owner: str | None = None,
        lease: dt.timedelta = LEASE,
        front: str = "slack",
    ) -> None:
        self.store = store
        self.vendors = vendors
        self.policy = policy
        self.notifier = notifier
        self.email_of = email_of
        self.approval_channel = approval_channel
        self.secret_box = secret_box
        self.concurrency = concurrency
        # Commands that reach one vendor at once; the rest wait their turn here, before they hold
        # any vendor request state. Behind a rate limit a queue of thousands can form, and a small
        # waiting command keeps the process's memory, and so its garbage-collection pauses (which
        # delay every acknowledgement), small. Runs of approved requests do not wait here.
        self._turns = {name: asyncio.Semaphore(in_flight) for name in vendors}
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = lease
        self.front = front
        self._own: dict[str, str] = {}  # vendor → the id of Steward's own account there

    # --- submit --------------------------------------------------------------------------------

    async def submit(self, change: Change, requester: str, channel: str) -> Answer:
        """Check, resolve and store a change, show its card, and run it now if it needs no approval."""
        vendor = self.vendors.get(change.vendor)
        if vendor is None:
            return Answer(f"{change.vendor} is not configured on this Steward; an operator must set it up.")
        if len(change.targets) > MAX_TARGETS:  # the grammar refuses these; a form's change too
            return Answer(f"{too_many(len(change.targets), change.obj)} Nothing was changed.")
        decision = assess_request(self.policy, requester, change.vendor, change.obj, change.fields.keys())
        request: dict[str, Any] = {
            "requester": requester,
            "vendor": change.vendor,
            "obj": change.obj,
            "action": change.action,
            "fields": plain_fields(change.fields),
            "reason": change.reason,
            "channel": channel,
            "lasting": change.lasting,  # kept in the card until the change is made (bot/store/ends.py)
            "until": change.until,
        }
        refused = await self._refused(request, list(change.targets), decision, change)
        if refused is not None:
            return refused
        secrets = {k: v for k, v in change.fields.items() if isinstance(v, SecretStr)}
        if secrets and self.secret_box is None:
            return Answer("Password changes are turned off on this Steward. Nothing was changed.")
        async with self._turns[change.vendor]:
            return await self._submit(change, vendor, decision, request, secrets, channel)

    async def _refused(
        self, request: dict[str, Any], targets: list[str], decision: Decision, change: Change | Membership
    ) -> Answer | None:
        """The refusal of a change the policy does not allow, or whose `for`/`until` it does not
        allow; None when it may go on."""
        if not decision.allowed:
            return await self._refuse(request, targets, decision)
        held = assess_lasting(
            self.policy, change.vendor, decision, lasting=change.lasting, until=change.until, now=now()
        )
        if held is None:
            return None
        return await self._refuse(request, targets, dataclasses.replace(decision, allowed=False, reason=held))

    async def _refuse(self, request: dict[str, Any], targets: list[str], decision: Decision) -> Answer:
        """A request the policy does not allow: kept in the audit log (state `refused`), told privately."""
        await self.store.refuse(**request, targets=targets, why=decision.reason)
        metrics.REQUESTS.labels(request["vendor"], request["action"], "refused").inc()
        return Answer(f"Refused: {decision.reason}. Nothing was changed.")

    async def _submit(
        self,
        change: Change,
        vendor: Vendor,
        decision: Decision,
        request: dict[str, Any],
        secrets: dict[str, Any],
        channel: str,
    ) -> Answer:
        """`submit` once this change has its turn at the vendor."""
        try:
            records = await resolve(vendor, change.obj, change.targets, self.email_of)
            if not decision.needs_approval and change.obj == "user":
                own = await self._own_id(change.vendor, vendor)
                if any(r.id == own for r in records):
                    decision = assess_own_account(self.policy, request["requester"], change.vendor)
        except StewardError as err:
            return Answer(f"{err} Nothing was changed.")
        planned = [plan(change, r.id, r.label, dict(r.values)) for r in records]
        extra = {"bits": change_bits(change)}
        return await self._make(
            change.vendor, change.obj, decision, request, secrets, channel, planned, records, extra
        )

    async def _make(
        self,
        vendor: str,
        obj: str,
        decision: Decision,
        request: dict[str, Any],
        secrets: dict[str, Any],
        channel: str,
        planned: list[Planned],
        records: list[Record],
        extra: dict[str, Any],
        reverts: str | None = None,
    ) -> Answer:
        """Store the planned change (the targets already so left out), show its card, and run it
        now when it needs no approval. `extra` goes into the card snapshot (grant bits, a group)."""
        todo = [p for p in planned if secrets or not already(p)]
        if not todo and "group" in extra:
            where = f"{'in' if request['action'] == 'add' else 'not in'} {extra['group']['label']}"
            who = planned[0].label if len(planned) == 1 else f"all {len(planned)} people"
            return Answer(f"Nothing to do: {who} {'is' if len(planned) == 1 else 'are'} already {where}.")
        if not todo:  # not written, so no approval either
            return Answer(nothing_to_do(vendor, obj, planned))
        if not decision.allowed:
            return await self._refuse(request, [r.id for r in records], decision)
        card: dict[str, Any] = {"targets": [dataclasses.asdict(p) for p in todo], **extra}
        if len(todo) < len(planned):
            left = len(planned) - len(todo)
            kind = "people" if "group" in extra else f"{obj}s"
            card["note"] = (
                f"{left} of {len(planned)} {kind} already had these values and "
                f"{'was' if left == 1 else 'were'} left out."
            )
        known = {r.id: {k: r.values[k] for k in KNOWN_AS if r.values.get(k)} for r in records}
        if channel == TERMINAL:  # its card is printed at the terminal; no Slack channel has it
            where = TERMINAL
        else:
            where = self.approval_channel if decision.needs_approval and self.approval_channel else channel
        row = await self.store.create(
            **request,
            # each target as `history` may be asked for it: id, label, e-mail, login
            targets=[{"id": p.id, "label": p.label, **known.get(p.id, {})} for p in todo],
            approvals_required=decision.approvals_required if decision.needs_approval else 0,
            expires_at=now() + ttl_for(self.policy, vendor),
            card=card,
            secret=self.secret_box.seal(secrets) if secrets and self.secret_box else None,
            card_channel=where,
            deliver_until=now() + DELIVERY,
            reverts=reverts,
        )
        try:
            # an immediate change stores where its card went as it starts (one write less)
            place = await self._post_card(row, record=decision.needs_approval)
        except NotInChannel:
            # the requester is told right away, privately, with how to invite Steward
            return Answer(f"Steward is not in {where}.", request_id=row.id, missing_channel=where)
        if not decision.needs_approval:
            await self.run(row.id, approving=decision.reason, place=place)
            ran = f"Request {row.id} ran at once ({decision.reason})."
            if place is not None:  # the card and its thread say the rest
                return Answer(ran, row.id, private=False)
            late = f"Slack did not take its card: Steward posts it in <#{where}>, with the outcome,"
            return Answer(f"{ran} {late} as soon as Slack answers again.", row.id)
        text = f"Request {row.id} is waiting for approval ({decision.reason})"
        text = f"{text} in <#{where}>." if where != channel else f"{text}."
        if place is None:
            late = f"Slack did not take its card yet: Steward posts it in <#{where}> as soon as Slack"
            return Answer(f"{text} {late} answers again; it cannot be approved before.", row.id)
        return Answer(text, row.id, private=where != channel)

    async def submit_membership(self, change: Membership, requester: str, channel: str) -> Answer:
        """People into or out of a group, as a request like any other: one target per person,
        `member` as it is now → as asked, and the group on the card."""
        vendor = self.vendors.get(change.vendor)
        if vendor is None:
            return Answer(f"{change.vendor} is not configured on this Steward; an operator must set it up.")
        decision = assess_request(self.policy, requester, change.vendor, "group", ["members"])
        request: dict[str, Any] = {
            "requester": requester,
            "vendor": change.vendor,
            "obj": "group",
            "action": change.action,
            "fields": {"members": list(change.people), "group": change.group},
            "reason": change.reason,
            "channel": channel,
            "lasting": change.lasting,
            "until": change.until,
        }
        refused = await self._refused(request, list(change.people), decision, change)
        if refused is not None:
            return refused
        async with self._turns[change.vendor]:
            try:
                group = await self.group_of(change.vendor, change.group)
                people = await resolve(vendor, "user", change.people, self.email_of)
                inside = {m.id for m in await groups(vendor).members(group)}
            except StewardError as err:
                return Answer(f"{err} Nothing was changed.")
            wanted = change.action == "add"
            planned = [Planned(r.id, r.label, {"member": r.id in inside}, {"member": wanted}) for r in people]
            extra = {"group": {"id": group.id, "label": group.label}}
            return await self._make(
                change.vendor, "group", decision, request, {}, channel, planned, people, extra
            )

    async def submit_offboard(self, change: Offboard, requester: str, channel: str) -> Answer:
        """Switch one person off on every configured vendor `requester` administers: one
        request, its card showing each vendor's account (or none) and the person's groups there,
        always approved first. Vendors left out, and why, are on the card."""
        configured = [v for v in VENDORS if v in self.vendors]
        if not configured:
            return Answer("No vendor is configured on this Steward; an operator must set one up.")
        decision, covered, skipped = assess_offboard(self.policy, requester, configured)
        request: dict[str, Any] = {
            "requester": requester,
            "vendor": ",".join(covered or configured),
            "obj": "user",
            "action": "offboard",
            "fields": {"person": change.person},
            "reason": change.reason,
            "channel": channel,
        }
        if not decision.allowed:
            return await self._refuse(request, [change.person], decision)
        email = change.person
        mention = MENTION.match(change.person)
        if mention:
            found = await self.email_of(mention.group(1))
            if not found:
                return Answer(
                    f"Slack has no e-mail address for {change.person}, so Steward cannot find them "
                    "on the vendors. Name them by e-mail address instead. Nothing was changed."
                )
            email = found.lower()

        async def part(key: str) -> offboard.Part:
            async with self._turns[key]:
                try:
                    own: str | None = await self._own_id(key, self.vendors[key])
                except StewardError:
                    own = None  # the account look-up below says what is wrong with the vendor
                return await offboard.plan(self.vendors[key], key, email, own, change.reason)

        parts = list(await asyncio.gather(*(part(key) for key in covered)))
        parts += [offboard.left_out(key, why) for key, why in skipped.items()]
        planned = [t for p in parts for t in p.targets]
        if not planned:
            said = "; ".join(f"{p.name}: {p.note}" for p in parts if p.note)
            return Answer(f"Nothing to do for {email}: {said}. Nothing was changed.")
        doing = [p.vendor for p in parts if p.targets]
        decision, _, _ = assess_offboard(self.policy, requester, doing)
        request["vendor"] = ",".join(doing)
        person = change.person if mention is None else f"{change.person} ({email})"
        extra = {"offboard": {"person": person, "vendors": [p.card() for p in parts]}}
        records = [r for p in parts for r in p.accounts]
        return await self._make(
            request["vendor"], "user", decision, request, {}, channel, planned, records, extra
        )

    async def submit_revert(
        self, request_id: str, requester: str, channel: str, *, reason: str = "", covered: str = ""
    ) -> Answer:
        """A new request that undoes request `request_id` (its card's Revert button, or
        `/steward revert <id>`): the same policy, card and approval as any request, its card
        linking the one it reverts. Who may not read the request learns nothing of it.
        With `covered` (the end of a change made for a while: why no approval is needed), it
        runs at once in the requester's name."""
        row = await self.store.get(request_id)
        if row is None or not (row.requester == requester or may_read(self.policy, requester, row.vendor)):
            return Answer(f"There is no request {request_id} that you may see.")
        try:
            plan = revert.plan_revert(row)
        except revert.CannotRevert as err:
            return Answer(f"{err} Nothing was changed.")
        request: dict[str, Any] = {
            "requester": requester,
            "vendor": plan.vendor,
            "obj": plan.obj,
            "action": plan.action,
            "fields": {"reverts": row.id, "fields": plan.fields},
            "reason": revert.reason_for(row, reason),
            "channel": channel,
        }
        parts = vendors_of(plan.vendor)
        if covered:
            decision = Decision(True, False, 0, covered)
        elif len(parts) > 1:  # an offboarding's: an admin of every vendor it reached, always approved
            decision, _, skipped = assess_offboard(self.policy, requester, parts)
            if skipped:
                why = "; ".join(skipped.values())
                decision = Decision(
                    False, True, 0, f"{why}, and a revert of {row.id} reaches every vendor it did"
                )
        else:
            fields = [ACTION_FIELDS[plan.action]] if plan.action in ACTION_FIELDS else plan.fields
            decision = assess_request(self.policy, requester, plan.vendor, plan.obj, fields)
        if not decision.allowed:
            return await self._refuse(request, [t.id for t in plan.targets], decision)
        answer = await self._make(
            plan.vendor,
            plan.obj,
            decision,
            request,
            {},
            channel,
            plan.targets,
            plan.records,
            plan.extra,
            reverts=row.id,
        )
        if answer.request_id:
            await self.store.record(row.id, requester, "revert_requested", {"request": answer.request_id})
        return answer

    # --- changes made for a while: End now and Extend, from the requester's heads-up ------------

    async def _lasting(self, request_id: str, actor: str, verb: str) -> StoredRequest | Answer:
        """The request made for a while that `actor` may `verb`, or the answer why not."""
        row = await self.store.get(request_id)
        if row is None or not (row.requester == actor or may_read(self.policy, actor, row.vendor)):
            return Answer(f"There is no request {request_id} that you may see.")
        if row.requester != actor and not all(
            actor in self.policy.rules(v).admins for v in vendors_of(row.vendor)
        ):
            return Answer(
                f"Only <@{row.requester}>, who asked, or an admin of its vendor may {verb} {row.id}."
            )
        if row.ends_at is None:
            return Answer(f"Request {row.id} was not made for a while; its card's Revert sets it back.")
        if row.end_state is not None:
            return Answer(f"Request {row.id} has ended already ({row.end_state.replace('_', ' ')}).")
        return row

    async def end_now(self, request_id: str, actor: str) -> Answer:
        """End a change made for a while before its time (the requester's End now): set back at
        once, without a new approval, once however many click."""
        found = await self._lasting(request_id, actor, "end")
        if isinstance(found, Answer):
            return found
        if not await self.store.take_end(found.id, now()):
            return Answer(f"Request {found.id} is ending already.")
        return Answer(await ends.end(self, found.id, by=actor))

    async def extend(self, request_id: str, actor: str) -> Answer:
        """Ask for the same length again (the requester's Extend): a new request that moves the
        end once approved, with the approvals the first one needed; or, when the policy lets the
        requester extend their own change without one, the end moved at once."""
        found = await self._lasting(request_id, actor, "extend")
        if isinstance(found, Answer):
            return found
        assert found.ends_at is not None
        length = found.ends_at - (found.finished_at or found.created_at)
        until = found.ends_at + length
        decision = assess_extension(
            self.policy, actor, found.vendor, found.requester, found.approvals_required, found.id
        )
        if not decision.needs_approval:
            if not await self.store.extend(found.id, until, actor=actor):
                return Answer(f"Request {found.id} is ending already; nothing was moved.")
            await self.refresh(found.id)
            return Answer(f"Request {found.id} now ends at {until:%Y-%m-%d %H:%M} UTC ({decision.reason}).")
        request: dict[str, Any] = {
            "requester": actor,
            "vendor": found.vendor,
            "obj": found.obj,
            "action": "extend",
            "fields": {"extends": found.id, "until": until.isoformat()},
            "reason": f"extend {found.id} until {until:%Y-%m-%d %H:%M} UTC",
            "channel": found.channel,
        }
        where = found.card_channel or found.channel or TERMINAL
        row = await self.store.create(
            **request,
            targets=[{"id": found.id, "label": f"request {found.id}"}],
            approvals_required=decision.approvals_required,
            expires_at=min(now() + ttl_for(self.policy, found.vendor), found.ends_at),
            card={
                "targets": [],
                "extends": {"id": found.id, "from": found.ends_at.isoformat(), "to": until.isoformat()},
            },
            card_channel=where,
            deliver_until=now() + DELIVERY,
        )
        await self.store.record(
            found.id, actor, "extension_requested", {"request": row.id, "until": until.isoformat()}
        )
        place = await self._post_card(row) if where != TERMINAL else None
        late = (
            "" if place is not None or where == TERMINAL else " Slack did not take its card yet; it follows."
        )
        return Answer(
            f"Request {row.id} asks to extend {found.id} until {until:%Y-%m-%d %H:%M} UTC.{late}", row.id
        )

    async def _run_extension(self, row: StoredRequest) -> list[TargetOutcome]:
        extends = (row.card or {}).get("extends") or {}
        until = dt.datetime.fromisoformat(str(extends.get("to")))
        moved = await self.store.extend(str(extends.get("id")), until, actor=row.requester)
        if moved:  # its card says until when
            await self.refresh(str(extends.get("id")))
        said = f"now ends at {until:%Y-%m-%d %H:%M} UTC" if moved else "had ended already; nothing was moved"
        return [
            TargetOutcome(
                str(extends.get("id")),
                f"request {extends.get('id')}",
                moved,
                said,
                changed="yes" if moved else "no",
            )
        ]

    async def group_of(self, vendor: str, typed: str) -> Record:
        """The one group `typed` names: its id, or its name (exactly, in any case). None or
        several is an error that lists the close matches."""
        client = self.vendors[vendor]
        hits = await groups(client).find_groups(typed)
        exact = [g for g in hits if g.id.lower() == typed.lower() or g.label.casefold() == typed.casefold()]
        if len(exact) == 1:
            return exact[0]
        if exact:
            listed = ", ".join(f"{g.label} (id {g.id})" for g in exact[:5])
            raise TargetError(
                f"{len(exact)} {client.name} groups are named {typed}: {listed}. "
                "Use the id of the one you mean."
            )
        close = f" Close matches: {', '.join(f'{g.label} (id {g.id})' for g in hits[:5])}." if hits else ""
        raise TargetError(f"{client.name} has no group {typed}.{close}")

    async def look_up(self, vendor: str, obj: str, targets: Sequence[str]) -> list[Record]:
        """The records of `targets` for the form's step 2: in the vendor's turn, like a submitted
        change, so that a long list waits its turn and holds up nobody's change."""
        if len(targets) > MAX_TARGETS:
            raise TargetError(too_many(len(targets), obj))
        async with self._turns[vendor]:
            return await resolve(self.vendors[vendor], obj, targets, self.email_of)

    async def _own_id(self, key: str, vendor: Vendor) -> str:
        """The id of the account Steward itself uses on `vendor`, asked once per process (the
        token's account does not change while the process runs)."""
        own = self._own.get(key)
        if own is None:
            own = self._own[key] = (await vendor.whoami()).id
        return own

    async def _post_card(
        self, row: StoredRequest, *, told_privately: bool = True, record: bool = True
    ) -> Place | None:
        """Post a pending request's card where it belongs (its delivery held by the caller) and,
        when `record`, store where it went (otherwise the caller does, in its next write). None
        when Slack failed: the card stays owed and upkeep posts it. NotInChannel cancels
        the request, as nobody could approve it there; announced already when the requester is
        `told_privately` (the command's answer), otherwise owed: the requester's DM says it."""
        assert row.card_channel is not None
        try:
            place = await self.notifier.show(self._card(row), row.card_channel, None)
        except NotInChannel:
            await self.store.transition(
                row.id,
                "pending",
                "cancelled",
                "steward",
                "not_in_channel",
                {"channel": row.card_channel},
                announced="cancelled" if told_privately else None,
                deliver_until=None,
            )
            raise
        except Exception as err:  # any Slack failure: the card is owed, the request goes on
            log.warning("could not post the card of %s yet (%s); it will be tried again", row.id, err)
            await self.store.release_delivery(row.id)
            return None
        if record:
            await self.store.set_place(row.id, place.channel, place.ts)
        return place

    # --- decisions -----------------------------------------------------------------------------

    async def decide(self, request_id: str, actor: str, verb: str, *, reason: str = "") -> Answer:
        """Approve, reject or cancel. Refusals and clicks that come too late are told to the
        actor alone; only the winning click changes anything. A rejection's `reason` (the
        terminal's --reason; Slack's Reject button gives none) goes in its audit entry and on
        its card, which the requester's DM shows."""
        row = await self.store.get(request_id)
        if row is None:
            return Answer(f"There is no request {request_id}.")
        if row.state != "pending":
            return Answer(f"Request {row.id} is already {row.state.replace('_', ' ')}; nothing to {verb}.")
        if verb == "cancel":
            if actor != row.requester:
                await self.store.record(row.id, actor, "refused_click", {"verb": verb})
                return Answer(f"Only <@{row.requester}>, who asked, can cancel request {row.id}.")
            return await self._close(row, actor, "cancelled", verb)
        decision = assess_approval(
            self.policy, actor, row.vendor, row.requester, row.approvers, required=row.approvals_required
        )
        if not decision.allowed:
            await self.store.record(row.id, actor, "refused_click", {"verb": verb, "why": decision.reason})
            return Answer(f"You cannot {verb} request {row.id}: {decision.reason}.")
        if verb == "reject":
            return await self._close(row, actor, "rejected", verb, reason)
        result = await self.store.approve(row.id, actor)
        if result.state == "expired":
            return await self._expired(row.id, verb)
        if not result.approved_now:
            if result.state == "pending":
                await self.refresh(row.id)
                return Answer(f"Your approval of {row.id} is recorded ({result.count} of {result.required}).")
            return Answer(f"Request {row.id} is already {result.state.replace('_', ' ')}.")
        await self.refresh(row.id)
        await self.run(row.id)
        return Answer(f"You approved request {row.id}.", row.id, private=False)

    async def _close(self, row: StoredRequest, actor: str, state: str, verb: str, reason: str = "") -> Answer:
        held = now() + DELIVERY  # this process announces it
        why = {"reason": reason} if reason else None
        card: dict[str, Any] = {"card": {**(row.card or {}), "rejection_reason": reason}} if reason else {}
        closed = await self.store.move(
            row.id, "pending", state, actor, state, why, deliver_until=held, **card
        )
        if closed is None:
            fresh = await self.store.get(row.id)
            if fresh is not None and fresh.state == "expired":
                return await self._expired(row.id, verb)
            return Answer(f"Request {row.id} is already {fresh.state if fresh else 'gone'}.")
        metrics.REQUESTS.labels(row.vendor, row.action, state).inc()
        await self.announce(closed.id, closed)
        return Answer(f"Request {row.id} {state}.", row.id, private=False)

    async def _expired(self, request_id: str, verb: str) -> Answer:
        """A decision found the request past its time to live (it expired in the same write):
        say so to the decider, and show the card as expired unless someone already has."""
        await self.store.erase_secret(request_id)  # gone from the row; this also scrubs SQLite's log
        if await self.store.take_announcement(request_id, now() + DELIVERY):
            await self.announce(request_id)
        return Answer(
            f"Request {request_id} expired before it was decided, so there is nothing to {verb}. "
            "Ask again if the change is still needed."
        )

    # --- running -------------------------------------------------------------------------------

    async def run(
        self,
        request_id: str,
        *,
        from_states: tuple[str, ...] = ("approved",),
        note: str = "",
        approving: str | None = None,
        place: Place | None = None,
    ) -> None:
        """Run an approved request if this caller wins the claim; otherwise do nothing. With
        `approving` (why it needs none), a pending request is approved by Steward as it is claimed,
        and the `place` its card was just posted at is stored in the same write."""
        at = (place.channel, place.ts) if place else None
        row = await self.store.take(
            request_id, self.owner, self.lease, from_states, approving=approving, card_place=at
        )
        if row is None:
            if at is not None:  # the card is out all the same: upkeep must not post it again
                await self.store.set_place(request_id, *at)
            return
        async with self._holding(row.id):
            await self._run(row, note)

    @contextlib.asynccontextmanager
    async def _holding(self, request_id: str) -> AsyncIterator[None]:
        """Renew this process's lease on a running request every third of the lease, so that a
        long run (a slow vendor, retries, a bulk change) is not taken up as if its process died."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                if not await self.store.renew(request_id, self.owner, self.lease):
                    log.warning("lost the lease on %s; another process may take it up", request_id)
                    return

        keeper = asyncio.create_task(keep(), name=f"lease:{request_id}")
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _run(self, row: StoredRequest, note: str) -> None:
        if note:
            await self.store.set_card(row.id, {**(row.card or {}), "note": note})
        vendor = self.vendors.get(row.vendor)
        last = time.monotonic()

        async def progress(done: int, total: int) -> None:
            nonlocal last
            if done < total and time.monotonic() - last >= 1.0:  # at most one card update a second
                last = time.monotonic()
                await self._show(row.id, progress=(done, total))

        if row.action == "extend":
            outcomes: list[TargetOutcome] = await self._run_extension(row)
        elif row.action in offboard.ACTIONS:  # offboard, and the reinstatement that reverts it
            outcomes = await offboard.run(
                self.vendors,
                [Planned(**t) for t in row.card["targets"]],
                concurrency=self.concurrency,
                done=lambda key, outcomes: self._part_done(row.id, key, outcomes),
                switch_on=row.action == "reinstate",
            )
        elif vendor is None:
            outcomes = []
        else:
            outcomes = await run_targets(
                vendor,
                row.obj,
                row.action,
                [Planned(**t) for t in row.card["targets"]],
                bits=int(row.card.get("bits", 0)),
                group=Record(str(row.card["group"]["id"]), str(row.card["group"]["label"]))
                if row.card.get("group")
                else None,
                secrets=self._secrets(row),
                concurrency=self.concurrency,
                progress=progress,
            )
        if vendor is None and row.action not in (*offboard.ACTIONS, "extend"):
            state = "failed"
            detail: dict[str, Any] = {"why": f"{row.vendor} is no longer configured"}
        else:
            ok = sum(1 for o in outcomes if o.ok)
            state = "done" if ok == len(outcomes) else "failed" if ok == 0 else "partly_done"
            detail = {"ok": ok, "failed": len(outcomes) - ok} | ({"note": note} if note else {})
            for o in outcomes:
                if o.kind == "drift":
                    await self.store.record(
                        row.id, "steward", "drift", {"target": o.id, "message": o.message}
                    )
        outcome = [dataclasses.asdict(o) | {"values": plain(dict(o.values))} for o in outcomes]
        ended = await self.store.move(
            row.id,
            "running",
            state,
            "steward",
            state,
            detail,
            owner=self.owner,
            outcome=outcome,
            deliver_until=now() + DELIVERY,  # this process announces it
        )
        if ended is not None:
            metrics.REQUESTS.labels(row.vendor, row.action, state).inc()
            await self.announce(ended.id, ended)

    async def _part_done(self, request_id: str, vendor: str, outcomes: list[TargetOutcome]) -> None:
        """One vendor of an offboarding has finished: its outcome goes into the card's thread now,
        before the others end. Slack's trouble is logged; the final outcome says it all again."""
        row = await self.store.get(request_id)
        if row is None or not (row.card_channel and row.card_ts):
            return
        card = dataclasses.replace(self._card(row), outcomes=tuple(outcomes))
        try:
            await self.notifier.post_part(card, vendor, Place(row.card_channel, row.card_ts))
        except Exception as err:
            log.warning("could not post %s's outcome of %s in its thread: %s", vendor, request_id, err)

    def _secrets(self, row: StoredRequest) -> dict[str, Any]:
        if not row.secret or self.secret_box is None:
            return {}
        return dict(self.secret_box.open(row.secret))

    # --- what people see -----------------------------------------------------------------------

    def card_of(self, row: StoredRequest) -> RequestCard:
        return self._card(row)

    def _card(self, row: StoredRequest, progress: tuple[int, int] | None = None) -> RequestCard:
        vendor = self.vendors.get(row.vendor)
        return to_card(row, vendor.name if vendor else vendor_names(row.vendor), progress)

    async def _show(self, request_id: str, progress: tuple[int, int] | None = None) -> None:
        row = await self.store.get(request_id)
        if row is None or not (row.card_channel and row.card_ts):
            return
        card = self._card(row, progress)
        try:
            await self.notifier.show(card, row.card_channel, Place(row.card_channel, row.card_ts))
        except Exception as err:  # Slack's trouble must not stop a run
            log.warning("could not update the card of %s: %s", request_id, err)

    async def refresh(self, request_id: str) -> None:
        await self._show(request_id)

    async def announce(self, request_id: str, row: StoredRequest | None = None) -> None:
        """Show a request's final state: the card in place (posted now if Slack did not take it
        before), the outcome in its thread, the requester's DM. The caller holds the delivery.
        When Slack fails, the store keeps it owed, with the parts already out, and `upkeep`
        tries the rest again. `row`, when the caller has just read it, saves reading it again."""
        row = row or await self.store.get(request_id)
        if row is None:
            return
        card = self._card(row)
        if (row.channel == TERMINAL) != (self.front == "terminal"):
            await self._announce_elsewhere(row, card)
            return
        place = Place(row.card_channel, row.card_ts) if row.card_channel and row.card_ts else None
        thread_out = f"{row.state}:thread"
        never: dict[tuple[str, str], list[str]] = {}  # (where, Slack's error) → the parts it refused
        try:
            if place is None and row.card_channel:  # owed since the request was made
                with contextlib.suppress(NotInChannel):  # then the DM alone says it
                    place = await self.notifier.show(card, row.card_channel, None)
                    await self.store.set_place(row.id, place.channel, place.ts)
            elif place is not None:
                with _never(never, "card"):
                    await self.notifier.show(card, place.channel, place)
            if place is not None and row.told != thread_out:
                with _never(never, "thread"):
                    await self.notifier.post_outcome(card, place)
                await self.store.mark_told(row.id, thread_out)
            with _never(never, "dm"):
                await self.notifier.tell_requester(card)
        except Exception as err:  # any other Slack failure: keep it owed, log, go on
            log.warning("could not announce %s yet (%s); it will be tried again", request_id, err)
            await self.store.release_delivery(row.id)
            return
        for (where, error), parts in never.items():
            log.warning(
                "Slack will never take the %s of %s in %s (%s); not tried again",
                " and ".join(parts),
                row.id,
                where,
                error,
            )
            await self.store.record(
                row.id, "steward", "undeliverable", {"channel": where, "error": error, "parts": parts}
            )
        await self.store.mark_announced(row.id, row.state)

    async def _announce_elsewhere(self, row: StoredRequest, card: RequestCard) -> None:
        """A request of the other front. Made at a terminal, it has no card in Slack and its
        requester was told at the terminal: a serving replica only marks it announced. Made in
        Slack and decided at a terminal: shown here, and left owed for a serving replica's upkeep
        to update its card, thread and DM."""
        if self.front != "terminal":
            await self.store.mark_announced(row.id, row.state)
            return
        await self.notifier.post_outcome(card, Place(TERMINAL, ""))
        await self.store.release_delivery(row.id)

    # --- upkeep, on a timer in every process ---------------------------------------------------

    async def upkeep(self) -> None:
        """Expire what waited too long, take up runs whose process died, deliver owed news."""
        expired = await self.store.expire_due(now(), deliver_until=now() + DELIVERY)
        # read from the database, not counted here: a request approved on another replica, or
        # created before a restart, counts the same on every replica; read before any delivery,
        # which a slow Slack can hold up
        metrics.PENDING_APPROVALS.set(await self.store.count_pending())
        for request_id in expired:
            await self.announce(request_id)
        for request_id in await self.store.unclaimed(now() - GRACE):
            await self.run(request_id)
        for request_id in await self.store.stale_running(now()):
            await self.run(request_id, from_states=("running",), note="taken up again after a restart")
        # Slack's news owed since it last failed; one replica takes each
        for request_id in await self.store.owed_cards():
            if await self.store.take_card(request_id, now() + DELIVERY):
                row = await self.store.get(request_id)
                if row is not None:
                    with contextlib.suppress(NotInChannel):  # cancelled, and announced below
                        await self._post_card(row, told_privately=False)
        for request_id in await self.store.owed_announcements():
            if await self.store.take_announcement(request_id, now() + DELIVERY):
                await self.announce(request_id)
        await ends.end_due(self, now())  # changes made for a while whose time is up, or near
        await reminders.remind_due(self, now())  # approvers of requests pending a while

    async def upkeep_forever(self, every: float = 5.0) -> None:
        while True:
            try:
                await self.upkeep()
            except Exception:  # one bad round must not end upkeep for the life of the process
                log.exception("upkeep failed this round")
            await asyncio.sleep(every)


@contextlib.contextmanager
def _never(refused: dict[tuple[str, str], list[str]], part: str) -> Iterator[None]:
    """Around one part of an announcement: Slack's answer that it never will take it is noted
    in `refused` and the rest goes on; any other failure propagates."""
    try:
        yield
    except Undeliverable as err:
        refused.setdefault((err.channel, err.error), []).append(part)


def vendor_names(vendor: str) -> str:
    """ "Kaiten, ONLYOFFICE and Hub" for an offboarding's "kaiten,onlyoffice,hub"."""
    return messages.joined([VENDOR_NAMES.get(v, v) for v in vendor.split(",")])


def plan(change: Change, target_id: str, label: str, values: dict[str, Any]) -> Planned:
    """One target as the card shows it: the values read now, and the values asked for."""
    fields = dict(change.fields)
    requested = {name: v for name, v in fields.items() if not isinstance(v, SecretStr)}
    current = {name: values[name] for name in requested if name in values}  # left out: not reported
    if change.action in ("grant", "revoke"):
        mask = int(values.get("permissions") or 0)
        bits = int(fields["permissions"])
        requested["permissions"] = mask | bits if change.action == "grant" else mask & ~bits
    return Planned(target_id, label, plain(current), plain(requested))


#: The values under which a person is known to a vendor besides the id, kept with each target.
KNOWN_AS = ("email", "login", "username")


def already(target: Planned) -> bool:
    """Every requested field already holds the requested value (as read for the card)."""
    return bool(target.requested) and all(
        name in target.current and same(target.current[name], value)
        for name, value in target.requested.items()
    )


def nothing_to_do(vendor: str, obj: str, planned: list[Planned]) -> str:
    if len(planned) > 1:
        return f"Nothing to do: all {len(planned)} {obj}s already have these values."
    [target] = planned
    values = ", ".join(
        f"`{name}` {messages.readable(value, vendor=vendor, name=name)}"
        for name, value in target.requested.items()
    )
    return f"Nothing to do: {target.label} already has {values}."


def change_bits(change: Change) -> int:
    return int(change.fields.get("permissions", 0)) if change.action in ("grant", "revoke") else 0


def plain_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values for the store and audit: JSON, with secrets masked."""
    return {k: ("•••" if isinstance(v, SecretStr) else plain(v)) for k, v in fields.items()}
