"""Thin Slack listeners: ack, turn the payload into a call on bot/, done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

if TYPE_CHECKING:
    from bot.app import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers import approvals, commands, modals

    commands.register(app, deps)
    approvals.register(app, deps)
    modals.register(app, deps)
