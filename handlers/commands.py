"""`/steward`: acked at once; the work starts after the acknowledgement. A second delivery of
the same command (its trigger id seen before, on any replica) is acked and does nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.flow import first_delivery
from bot.tasks import after_ack
from handlers import answers

if TYPE_CHECKING:
    from handlers.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/steward")
    async def steward(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        await ack()
        # Slack sends &, < and > of the typed text as entities (mentions and links come as <…>)
        text = str(command.get("text") or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        trigger = str(command.get("trigger_id", ""))
        if not text.strip():
            from handlers.modals import open_form

            if await first_delivery(deps.ready.store, trigger, user):
                await open_form(deps, client, trigger, channel, user, respond)
            return

        async def once() -> None:
            if await first_delivery(deps.ready.store, trigger, user):
                await answers.command(deps, text, user, channel, respond)

        after_ack(deps.tasks, once, name=f"command:{user}")
