"""The Slack front: thin Bolt listeners that ack, turn the payload into a call on bot/, and answer.

May import the request's life (bot.flow), the language, the store, Slack presentation, vendors,
settings and errors; nothing in bot/ imports handlers but the wiring (bot.app).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import approvals, commands, modals
from handlers.deps import Deps

__all__ = ["Deps", "register"]


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    approvals.register(app, deps)
    modals.register(app, deps)
