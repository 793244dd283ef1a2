"""The Approve, Reject and Cancel buttons of a request card."""

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
        channel = str(
            (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
        )
        after_ack(
            deps.tasks, lambda: _decide(deps, verb, request_id, user, channel), name=f"{verb}:{request_id}"
        )


async def _decide(deps: Deps, verb: str, request_id: str, user: str, channel: str) -> None:
    answer = await deps.ready.decide(request_id, user, verb)
    if answer.private and channel:
        await deps.slack.tell(channel, user, messages.reply(answer.text))
