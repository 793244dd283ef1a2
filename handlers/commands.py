"""`/steward`: acked at once; the work starts after the acknowledgement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

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
        if not text.strip():
            from handlers.modals import open_form

            await open_form(deps, client, str(command.get("trigger_id", "")), channel)
            return
        after_ack(
            deps.tasks, lambda: answers.command(deps, text, user, channel, respond), name=f"command:{user}"
        )
