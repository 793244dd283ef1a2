"""The Approve, Reject and Cancel buttons of a request card, the Revert button of a finished one, and
Extend and End now in the requester's heads-up before a change made for a while ends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.slack import messages
from bot.tasks import after_ack

if TYPE_CHECKING:
    from handlers.deps import Deps

VERBS = {messages.APPROVE: "approve", messages.REJECT: "reject", messages.CANCEL: "cancel"}
BUTTONS = re.compile(f"^({'|'.join(VERBS)})$")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(BUTTONS)
    async def decide(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        verb = VERBS[str(action.get("action_id"))]
        request_id = str(action.get("value") or "")[:64]
        user = str((body.get("user") or {}).get("id", ""))
        channel = _channel(body)
        after_ack(
            deps.tasks, lambda: _decide(deps, verb, request_id, user, channel), name=f"{verb}:{request_id}"
        )

    @app.action(messages.REVERT)
    async def revert(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        request_id = str(action.get("value") or "")[:64]
        user = str((body.get("user") or {}).get("id", ""))
        channel = _channel(body)
        after_ack(deps.tasks, lambda: _revert(deps, request_id, user, channel), name=f"revert:{request_id}")

    @app.action(re.compile(f"^({messages.EXTEND}|{messages.END_NOW})$"))
    async def lasting(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        request_id = str(action.get("value") or "")[:64]
        user = str((body.get("user") or {}).get("id", ""))
        extend = action.get("action_id") == messages.EXTEND
        after_ack(deps.tasks, lambda: _lasting(deps, request_id, user, extend), name=f"lasting:{request_id}")


async def _lasting(deps: Deps, request_id: str, user: str, extend: bool) -> None:
    pipeline = deps.ready
    answer = await (pipeline.extend if extend else pipeline.end_now)(request_id, user)
    await deps.slack.direct(user, messages.reply(answer.text))


def _channel(body: dict[str, Any]) -> str:
    return str(
        (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
    )


async def _revert(deps: Deps, request_id: str, user: str, channel: str) -> None:
    answer = await deps.ready.submit_revert(request_id, user, channel)
    if answer.missing_channel and channel:
        await deps.slack.tell(channel, user, messages.not_in_channel(answer.missing_channel))
    elif answer.private and channel:
        await deps.slack.tell(channel, user, messages.reply(answer.text))


async def _decide(deps: Deps, verb: str, request_id: str, user: str, channel: str) -> None:
    answer = await deps.ready.decide(request_id, user, verb)
    if answer.private and channel:
        await deps.slack.tell(channel, user, messages.reply(answer.text))
