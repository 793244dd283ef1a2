"""Every sentence and card a person reads, built with slack_sdk's Block Kit models.

Text from users and vendors goes through `esc()` (Slack's three control characters), so a name
like `<!channel>` or `<http://x|y>` shows literally and pings no one; mrkdwn objects that carry
such text are `verbatim` so Slack does not link names by itself. Names, values and vendors'
messages also go through `flat()`, which keeps them on their line, and a reason is quoted line
by line: neither can forge a line of Steward's own. Block Kit limits are kept: at
most 50 blocks, 3,000 characters a section; long lists end with "and N more". No I/O here.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.card import FieldChange, RequestCard, TargetCard, TargetOutcome
from bot.vendors import VENDOR_NAMES, value_name

APPROVE, REJECT, CANCEL = "steward_approve", "steward_reject", "steward_cancel"
REVERT = "steward_revert"
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TARGET_BLOCKS = 40  # room left for header, summary, state and buttons

STATE_LINES = {
    "pending": "⏳ Waiting for approval",
    "approved": "👍 Approved, about to run",
    "running": "⚙️ Running",
    "done": "✅ Done",
    "failed": "❌ Failed",
    "partly_done": "⚠️ Partly done",
    "rejected": "🚫 Rejected",
    "cancelled": "↩️ Cancelled",
    "expired": "⌛ Expired: nobody decided in time",
    "refused": "⛔ Refused",
}
#: The states of a change that was made: one made for a while says until when.
MADE = ("done", "partly_done")
STARTING = "⚙️ Starting"  # a pending change that needs no approval, before its run begins
ACTIONS = {
    "set": "change",
    "grant": "grant permissions to",
    "revoke": "revoke permissions from",
    "disable": "disable",
    "enable": "enable",
    "ban": "ban",
    "unban": "unban",
    "deactivate": "deactivate",
    "reactivate": "reactivate",
    "add": "add",
    "remove": "remove",
    "offboard": "offboard",
    "reinstate": "reinstate",
    "extend": "extend",
}


@dataclass(frozen=True)
class Message:
    """A Slack message: the notification/fallback `text` and its `blocks` (as dicts)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def esc(text: Any) -> str:
    """Escape Slack's control characters; `&` first (Slack's formatting docs)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: What a name or value from a person or a vendor may not bring onto a card as itself: line
#: breaks and tabs become a space, so the text stays on its own line; other control characters
#: and the text-direction controls (U+202A–U+202E, U+2066–U+2069), which would reorder the text
#: shown after them, become U+FFFD.
_ONE_LINE = {
    **{
        c: "\ufffd"
        for c in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    },
    **{ord(c): " " for c in "\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029"},
}


def flat(text: Any) -> str:
    """`text` on one line and escaped: for names, values and messages set into Steward's lines."""
    return esc(str(text).translate(_ONE_LINE))


def _reason_lines(reason: str) -> list[str]:
    """The lines of a reason (not escaped), each made safe as `flat` makes a name."""
    return [line.translate(_ONE_LINE) for line in reason.splitlines()] or [""]


def _quoted_reason(reason: str) -> str:
    """A reason as a mrkdwn block quote: every line of it starts with `>`, so none can pass for a
    line of Steward's own (a form's reason may run over several lines)."""
    return "\n".join(
        f">{'Reason: ' if i == 0 else ''}{esc(line)}" for i, line in enumerate(_reason_lines(reason))
    )


def cut(text: str, limit: int = MAX_SECTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def readable(value: Any, *, vendor: str = "", name: str = "") -> str:
    """A value as a person reads it, as the card shows it (not escaped): Kaiten permissions and
    numbered enums by name with their number (a permission bit without a name as "bit 8"),
    yes/no, JSON for lists and objects."""
    if value is None:
        return "(empty)"
    if hasattr(value, "get_secret_value"):
        return "•••• (hidden)"
    if (
        vendor == "kaiten"
        and name == "permissions"
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        from bot.vendors.kaiten import permission_names

        names = permission_names(value, unknown="bit {}")
        return f"{', '.join(names) or 'none'} ({value})"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, enum.Enum):
        return value_name(vendor, name, value.value) or str(value.name)
    return value_name(vendor, name, value) or str(value) or "(empty)"


def show(value: Any, *, hidden: bool = False, vendor: str = "", name: str = "") -> str:
    """A value as a person reads it, escaped."""
    if hidden:
        return "•••• (hidden)"
    return flat(readable(value, vendor=vendor, name=name)) or "(empty)"


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(text), verbatim=True)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_md(text))


def _strong(text: str, bold: bool) -> str:
    """Bold in mrkdwn; as it is for the terminal, where a `*` is the value's own."""
    return f"*{text}*" if bold else text


def _change_line(card: RequestCard, change: FieldChange, *, bold: bool = True, vendor: str = "") -> str:
    vendor = vendor or card.vendor
    old = show(change.current, hidden=change.hidden, vendor=vendor, name=change.name)
    if not change.reported and not change.hidden:  # not the same as a value that is null
        old = f"not reported by {esc(VENDOR_NAMES.get(vendor, card.vendor_name))}"
    new = show(change.requested, hidden=change.hidden, vendor=vendor, name=change.name)
    return f"• `{esc(change.name)}`: {old} → {_strong(new, bold)}"


def _target_text(card: RequestCard, target: TargetCard, *, bold: bool = True) -> str:
    where = f"{esc(VENDOR_NAMES.get(target.vendor, target.vendor))} " if target.vendor else ""
    lines = [f"{_strong(flat(target.label), bold)} · {where}{esc(card.obj)} {flat(target.id)}"]
    lines += [_change_line(card, c, bold=bold, vendor=target.vendor) for c in target.changes]
    return "\n".join(lines)


def joined(names: Sequence[str]) -> str:
    """ "Kaiten, ONLYOFFICE and Hub"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def parts_text(card: RequestCard) -> str:
    """An offboarding's vendors beyond its targets: the groups the person is in on each (listed,
    not removed), the vendors with nothing to do, and those left out and why."""
    lines = []
    for part in card.parts:
        if part.note:
            lines.append(f"• {esc(part.name)}: {flat(part.note)}")
    groups = [f"{esc(p.name)}: {flat(', '.join(p.groups))}" for p in card.parts if p.included and p.groups]
    if groups:
        lines.append(f"Groups {flat(card.person)} is in (listed, not removed): " + "; ".join(groups))
    elif any(p.included and p.account for p in card.parts):
        lines.append(f"{flat(card.person)} is in no group on these vendors.")
    return "\n".join(lines)


def title(card: RequestCard) -> str:
    if card.offboarding:
        return "Offboarding request" if card.action == "offboard" else "Reinstatement request"
    return "Revert request" if card.reverts else "Change request"


def summary(card: RequestCard) -> str:
    """One line: who asks what, for the notification text and the terminal."""
    count = len(card.targets)
    verb = ACTIONS.get(card.action, card.action)
    line = _asks(card, count, verb)
    if card.lasting:
        line += f" for {span(card.lasting)}"
    elif card.ends_at:
        line += f" until {when(card.ends_at)}"
    return f"{line} (reverts request {esc(card.reverts)})" if card.reverts else line


def span(lasting: dt.timedelta) -> str:
    """A duration as `for` takes it, in the largest unit that says it exactly: 8h, 90m, 2d."""
    seconds = int(lasting.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def end_text(card: RequestCard) -> str:
    """How long a change made for a while lasts, or how its end went ("" for one that lasts)."""
    by = f" (request {esc(card.end_request)})" if card.end_request else ""
    if card.end_state == "ended":
        return f"ended at {when(card.end_at or card.ends_at)}{by}"
    if card.end_state == "not_ended":
        why = f": {flat(card.end_why)}" if card.end_why else ""
        return f"could not end{why}{by}"
    if card.end_state == "ending":
        return f"ending now (until {when(card.ends_at)})"
    if card.final:
        return f"until {when(card.ends_at)}" if card.state in MADE and card.ends_at else ""
    if card.ends_at and not card.lasting:
        return f"until {when(card.ends_at)}"
    if card.lasting:
        return f"for {span(card.lasting)} {'after approval' if card.pending else 'from when it is made'}"
    return ""


def _asks(card: RequestCard, count: int, verb: str) -> str:
    if card.extends:
        return f"<@{card.requester}> asks to extend request {esc(card.extends)} until {when(card.extends_to)}"
    if card.offboarding:
        doing = [t.vendor for t in card.targets]
        names = [p.name for p in card.parts if p.included and p.vendor in doing] or [card.vendor_name]
        return f"<@{card.requester}> asks to {verb} {flat(card.person)} on {esc(joined(names))}"
    if card.group:  # add/remove: the targets are people, the group is where they go
        who = f"{count} people" if count != 1 else (card.targets[0].label if card.targets else "")
        where = f"{'to' if card.action == 'add' else 'from'} {card.vendor_name} group {flat(card.group)}"
        return f"<@{card.requester}> asks to {verb} {flat(who)} {where}"
    what = (
        f"{count} {card.obj}s"
        if count != 1
        else f"{card.obj} {card.targets[0].label if card.targets else ''}"
    )
    return f"<@{card.requester}> asks to {verb} {card.vendor_name} {flat(what)}"


def state_line(card: RequestCard) -> str:
    line = STATE_LINES.get(card.state, card.state)
    if card.starting:
        return f"{STARTING}: this change needs no approval"
    if card.pending:
        got = len(card.approvals)
        need = card.approvals_required
        line += f" ({got} of {need})" if need > 1 else ""
        if card.expires_at:
            line += f" · expires {when(card.expires_at)}"
    if card.approvals:
        names = ", ".join(f"<@{a.user}> at {when(a.at)}" for a in card.approvals)
        line += f" · approved by {names}"
    if card.decided_by and card.state in ("rejected", "cancelled"):
        line += f" by <@{card.decided_by}>"
    if card.state == "running" and card.progress:
        done, total = card.progress
        line += f": {done} of {total} targets finished"
    if card.finished_at and card.final:
        line += f" · {when(card.finished_at)}"
    if lasting := end_text(card):
        line += f" · {lasting}"
    if card.rejection_reason and card.state == "rejected":
        line += f" · reason: {flat(card.rejection_reason)}"
    if card.note:
        line += f" · {flat(card.note)}"
    return line


def _buttons(card: RequestCard) -> ActionsBlock:
    confirm = ConfirmObject(
        title="Approve this change?",
        text=cut(f"{summary(card)}. Steward will apply it at once.", 300),
        confirm="Approve",
        deny="Not yet",
    )
    return ActionsBlock(
        block_id=f"decide:{card.id}",
        elements=[
            ButtonElement(text="Approve", action_id=APPROVE, value=card.id, style="primary", confirm=confirm),
            ButtonElement(text="Reject", action_id=REJECT, value=card.id, style="danger"),
            ButtonElement(text="Cancel", action_id=CANCEL, value=card.id),
        ],
    )


def _revert_button(card: RequestCard) -> ActionsBlock:
    confirm = ConfirmObject(
        title="Revert this request?",
        text=cut(
            f"Steward will ask to set back what request {card.id} changed, as a new request "
            "with its own card and approval.",
            300,
        ),
        confirm="Ask to revert",
        deny="Keep it",
    )
    return ActionsBlock(
        block_id=f"revert:{card.id}",
        elements=[ButtonElement(text="Revert", action_id=REVERT, value=card.id, confirm=confirm)],
    )


def _capped(blocks: Sequence[Block], more: int, noun: str) -> list[Block]:
    out = list(blocks)
    if more > 0:
        out.append(ContextBlock(elements=[_md(f"… and {more} more {noun}")]))
    return out


def card_message(card: RequestCard) -> Message:
    """The request card, posted in the channel and updated in place as the request moves."""
    reason = f"\n{_quoted_reason(card.reason)}" if card.reason else ""
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"{title(card)} {card.id}", 150)),
        _section(summary(card) + reason),
    ]
    shown = card.targets[:MAX_TARGET_BLOCKS]
    blocks += _capped(
        [_section(_target_text(card, t)) for t in shown], len(card.targets) - len(shown), "targets"
    )
    if card.offboarding and card.parts:
        blocks.append(_section(cut(parts_text(card))))
    if card.final and card.outcomes:
        failed = [o for o in card.outcomes if not o.ok]
        noun = "accounts switched off" if card.offboarding else "targets changed"
        blocks.append(
            _section(
                f"{len(card.outcomes) - len(failed)} of {len(card.outcomes)} {noun}; details in the thread."
            )
        )
        if card.offboarding:
            blocks.append(_section(cut(vendors_line(card))))
    blocks.append(ContextBlock(elements=[_md(state_line(card))]))
    if card.pending and not card.starting:
        blocks.append(_buttons(card))
    elif card.final and card.revertible:
        blocks.append(_revert_button(card))
    state = STARTING if card.starting else STATE_LINES.get(card.state, card.state)
    # the notification: one line that ends with the request id (the reason is in the blocks)
    return Message(text=cut(f"{summary(card)} · {state} · {card.id}"), blocks=_dicts(blocks))


def _outcome_line(card: RequestCard, outcome: TargetOutcome, *, bold: bool = True) -> str:
    mark = "✅" if outcome.ok else "❌"
    where = f"{esc(VENDOR_NAMES.get(outcome.vendor, outcome.vendor))} · " if outcome.vendor else ""
    head = f"{mark} {where}{_strong(flat(outcome.label), bold)}: {flat(outcome.message)}"
    if outcome.ok and outcome.values:
        vendor = outcome.vendor or card.vendor
        now = ", ".join(
            f"`{esc(k)}` is now {show(v, vendor=vendor, name=k)}" for k, v in outcome.values.items()
        )
        head += f"\n{now}"
    return head


def vendors_line(card: RequestCard) -> str:
    """An offboarding's outcome by vendor: which did what."""
    said = []
    for part in (p for p in card.parts if p.included):
        mine = [o for o in card.outcomes if o.vendor == part.vendor]
        if not mine:
            continue
        ok = all(o.ok for o in mine)
        said.append(f"{'✅' if ok else '❌'} {esc(part.name)}: {'switched off' if ok else 'failed'}")
    return " · ".join(said)


def part_message(card: RequestCard, vendor: str) -> Message:
    """One vendor of an offboarding has finished: its outcome, posted in the card's thread as it ends."""
    mine = [o for o in card.outcomes if o.vendor == vendor]
    name = VENDOR_NAMES.get(vendor, vendor)
    ok = bool(mine) and all(o.ok for o in mine)
    headline = f"{'✅' if ok else '❌'} {name}: {'done' if ok else 'failed'} (request {card.id})"
    lines = [_outcome_line(card, o) for o in mine]
    blocks: list[Block] = [_section(f"*{esc(headline)}*"), *(_section(cut(line)) for line in lines)]
    text = headline + "".join(f"\n{line.replace('*', '')}" for line in lines)
    return Message(text=cut(text, 3000), blocks=_dicts(blocks))


def outcome_message(card: RequestCard) -> Message:
    """The outcome, posted in the card's thread: every target, what the vendor now reports."""
    headline = f"{STATE_LINES.get(card.state, card.state)}: request {card.id}"
    blocks: list[Block] = [_section(f"*{headline}*")]
    if not card.outcomes:
        blocks.append(ContextBlock(elements=[_md(state_line(card))]))
    shown = card.outcomes[:MAX_TARGET_BLOCKS]
    blocks += _capped(
        [_section(_outcome_line(card, o)) for o in shown], len(card.outcomes) - len(shown), "targets"
    )
    text = headline + "".join(f"\n{_outcome_line(card, o).replace('*', '')}" for o in card.outcomes[:5])
    return Message(text=cut(text, 3000), blocks=_dicts(blocks))


def direct_message(card: RequestCard) -> Message:
    """What the requester gets in a DM when the request ends."""
    ok = sum(1 for o in card.outcomes if o.ok)
    what = f"{ACTIONS.get(card.action, card.action)} {card.vendor_name} {card.obj}"
    if card.offboarding:
        what = f"offboard {flat(card.person)}"
    text = f"Your request {card.id} ({what}): {STATE_LINES.get(card.state, card.state)}"
    if card.outcomes:
        noun = "accounts switched off" if card.offboarding else "targets changed"
        text += f", {ok} of {len(card.outcomes)} {noun}"
    if card.rejection_reason and card.state == "rejected":
        text += f" (reason: {flat(card.rejection_reason)})"
    if card.state in MADE and (lasting := end_text(card)):
        text += f", {lasting}"
    return Message(text=text + ".", blocks=_dicts([_section(text + ".")]))


MAX_MENTIONS = 30  # approvers named in a reminder; the rest are counted


def reminder_message(card: RequestCard, approvers: Sequence[str]) -> Message:
    """A pending request's reminder in its card's thread, mentioning who may still approve it."""
    since = f"has been waiting for approval since {when(card.created_at)}"
    if card.approvals_required > 1:
        since += f" ({len(card.approvals)} of {card.approvals_required} approvals so far)"
    if approvers:
        who = ", ".join(f"<@{user}>" for user in approvers[:MAX_MENTIONS])
        if len(approvers) > MAX_MENTIONS:
            who += f" and {len(approvers) - MAX_MENTIONS} more approvers"
        text = f"⏰ {who}: request {card.id} {since}. Approve or reject it on the card above"
    else:
        text = (
            f"⏰ Request {card.id} {since}, and nobody on the approver list may approve it now: "
            "an operator must add approvers"
        )
    text += f"; it expires {when(card.expires_at)}." if card.expires_at else "."
    return Message(text=cut(text), blocks=_dicts([_section(text)]))


def escalation_message(card: RequestCard, card_channel: str) -> Message:
    """A pending request's card re-posted in the escalation channel, saying where its own card is."""
    head = (
        f"⏫ Request {card.id} has been waiting for approval since {when(card.created_at)}. Its card "
        f"is in <#{esc(card_channel)}>: the buttons below decide the same request, and that card "
        "shows where it stands."
    )
    copy = card_message(card)
    blocks = [_section(head).to_dict(), *copy.blocks][:MAX_BLOCKS]
    return Message(text=cut(f"⏫ {copy.text}"), blocks=blocks)


def reply(text: str) -> Message:
    """A short answer only its reader sees (usage, refusals, errors)."""
    return Message(text=cut(esc(text), 3000), blocks=_dicts([_section(esc(text))]))


def preformatted(title: str, body: str) -> Message:
    """Help and tables, in a code block so alignment survives."""
    blocks: list[Block] = [_section(f"*{esc(title)}*")]
    chunk = ""
    for paragraph in body.split("\n\n"):  # one code block per paragraph run, each ≤ 3,000
        candidate = f"{chunk}\n\n{paragraph}" if chunk else paragraph
        if chunk and len(esc(candidate)) > MAX_SECTION - 10:
            blocks.append(_section(f"```{esc(chunk)}```"))
            candidate = paragraph
        chunk = candidate
    if chunk:
        blocks.append(_section(f"```{esc(chunk)}```"))
    return Message(text=cut(esc(title) + "\n" + esc(body), 3000), blocks=_dicts(blocks))


def not_in_channel(channel: str) -> Message:
    text = (
        f"Steward is not in <#{esc(channel)}>, so it cannot post the request card there. Invite it "
        "with `/invite @Steward` in that channel (or use a channel Steward is in), then send the "
        "command again. Nothing was requested."
    )
    return Message(text=text, blocks=_dicts([_section(text)]))


def card_text(card: RequestCard, *, commands: bool = False) -> str:
    """The card as plain text, for `steward run` and `steward status` in a terminal (and the
    code block of `/steward status`): people as their Slack ids, values as they are, `*` and all.
    With `commands` (a terminal), a card waiting for approval ends with the commands that decide it."""
    lines = [f"{title(card)} {card.id}", _plain(summary(card))]
    if card.reason:
        lines += [
            f"> {'Reason: ' if i == 0 else ''}{line}" for i, line in enumerate(_reason_lines(card.reason))
        ]
    for target in card.targets:
        lines.append(_plain(_target_text(card, target, bold=False)))
    if card.offboarding and card.parts:
        lines.append(_plain(parts_text(card)))
    lines.append(_plain(state_line(card)))
    for outcome in card.outcomes:
        lines.append(_plain(_outcome_line(card, outcome, bold=False)))
    if commands and card.pending and not card.starting:
        lines += [
            f"Approve: steward approve {card.id} --as <approver-id>",
            f'Reject:  steward reject {card.id} --as <approver-id> --reason "<why>"',
            f"Cancel:  steward cancel {card.id} --as {card.requester}",
        ]
    return "\n".join(lines)


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def for_terminal(text: str) -> str:
    """Steward's own text for a terminal: a person as their Slack id (U0BOSS), not `<@U0BOSS>`."""
    return _MENTION.sub(r"\1", text)


def _plain(text: str) -> str:
    """A line of the card's mrkdwn for a terminal: Steward's mentions as ids (before unescaping,
    so that a name someone typed as `<@U…>` stays as typed), Slack's escapes undone."""
    return for_terminal(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks[:MAX_BLOCKS]]


def values_line(values: Mapping[str, Any], vendor: str) -> str:
    return ", ".join(f"{k}={show(v, vendor=vendor, name=k)}" for k, v in values.items())


# --- changes made for a while: the heads-up before the end, and the end ---------------------------

EXTEND, END_NOW = "steward_extend", "steward_end_now"


def _until(card: RequestCard) -> str:
    return when(card.ends_at) if card.ends_at else "its end"


def end_warning(card: RequestCard) -> Message:
    """The requester's heads-up before a change made for a while ends by itself."""
    text = (
        f"Request {card.id} ({flat(summary(card))}) ends at {_until(card)}: Steward will then set it "
        "back by itself. *Extend* asks for the same length again; *End now* sets it back now."
    )
    buttons = ActionsBlock(
        block_id=f"end:{card.id}",
        elements=[
            ButtonElement(text="Extend", action_id=EXTEND, value=card.id, style="primary"),
            ButtonElement(text="End now", action_id=END_NOW, value=card.id),
        ],
    )
    return Message(text=cut(text.replace("*", ""), 3000), blocks=_dicts([_section(cut(text)), buttons]))


def end_message(card: RequestCard, why: str, ended: bool) -> Message:
    """How a change made for a while ended, in its card's thread and in the requester's DM."""
    head = (
        f"⏱ Request {card.id} ended: {flat(why)}"
        if ended
        else f"⚠️ Request {card.id} could not end: {flat(why)}"
    )
    if not ended:
        head += ". Nothing more will be tried; set it back by hand or with `/steward revert`."
    return Message(text=cut(head, 3000), blocks=_dicts([_section(cut(head))]))
