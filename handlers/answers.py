"""What a `/steward` command text turns into, answered to the person who typed it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.flow import reports
from bot.language import (
    Change,
    Check,
    CommandError,
    Help,
    History,
    Members,
    Membership,
    Offboard,
    Revert,
    Show,
    Status,
    help_text,
    parse,
)
from bot.sandbox.listing import sample_company
from bot.slack import Answer, messages

if TYPE_CHECKING:
    from handlers.deps import Deps

log = logging.getLogger(__name__)


async def private(respond: Any, message: messages.Message) -> None:
    """A reply only the person who typed the command sees (through the command's response_url)."""
    answer = await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
    status = getattr(answer, "status_code", 200)
    if status != 200:  # the webhook client does not raise; say so in the log at least
        log.warning("Slack refused a private reply (HTTP %s)", status)


async def command(deps: Deps, text: str, user: str, channel: str, respond: Any) -> None:
    try:
        parsed = parse(text, allow_passwords=deps.settings.steward_allow_password_changes)
    except CommandError as err:
        await private(respond, messages.reply(str(err)))
        return
    pipeline = deps.ready
    if isinstance(parsed, Help):
        on = parsed.vendor == "sandbox" and deps.settings.steward_sandbox
        text = help_text(parsed.vendor, sandbox=sample_company() if on else None)
        await private(respond, messages.preformatted("Steward help", text))
    elif isinstance(parsed, Check):
        text, _ = await reports.check_as(pipeline.vendors, pipeline.policy, user)
        await private(respond, messages.preformatted("Steward check", text))
    elif isinstance(parsed, Status):
        text, _ = await reports.status(
            pipeline.store, pipeline.vendors, pipeline.policy, user, parsed.request_id
        )
        await private(respond, messages.preformatted(f"Request {parsed.request_id}", text))
    elif isinstance(parsed, History):
        text = await reports.history(
            pipeline.store, pipeline.policy, user, parsed.vendor, parsed.target, refused=parsed.refused
        )
        await private(respond, messages.preformatted("Latest audit entries", text))
    elif isinstance(parsed, Members):
        text = await reports.members(pipeline, user, parsed.vendor, parsed.group, parsed.page)
        await private(respond, messages.preformatted(f"{parsed.vendor} group {parsed.group}", text))
    elif isinstance(parsed, Membership):
        await _answered(respond, await pipeline.submit_membership(parsed, user, channel))
    elif isinstance(parsed, Offboard):
        await _answered(respond, await pipeline.submit_offboard(parsed, user, channel))
    elif isinstance(parsed, Revert):
        answer = await pipeline.submit_revert(parsed.request_id, user, channel, reason=parsed.reason)
        await _answered(respond, answer)
    elif isinstance(parsed, Show):
        text = await reports.show(pipeline, user, parsed.vendor, parsed.obj, parsed.target)
        await private(respond, messages.preformatted(f"{parsed.vendor} {parsed.obj} {parsed.target}", text))
    elif isinstance(parsed, Change):
        await _answered(respond, await pipeline.submit(parsed, user, channel))


async def _answered(respond: Any, answer: Answer) -> None:
    """What the person who asked for a change reads privately, when the card does not say it."""
    if answer.missing_channel:
        await private(respond, messages.not_in_channel(answer.missing_channel))
    elif answer.private:
        await private(respond, messages.reply(answer.text))
