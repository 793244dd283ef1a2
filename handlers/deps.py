"""What the handlers work with: filled in by the wiring (bot/app.py) when the server starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.flow import Pipeline
from bot.slack import SlackNotifier
from bot.store import Store
from bot.tasks import TaskRegistry


@dataclass
class Deps:
    """What the handlers need; filled in when the server starts (the store opens asynchronously)."""

    settings: Settings
    slack: SlackNotifier
    tasks: TaskRegistry = field(default_factory=TaskRegistry)
    pipeline: Pipeline | None = None
    store: Store | None = None

    @property
    def ready(self) -> Pipeline:
        if self.pipeline is None:
            raise RuntimeError("Steward is still starting")
        return self.pipeline
