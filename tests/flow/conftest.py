"""A pipeline over a real store (SQLite always, PostgreSQL when TEST_DATABASE_URL is set) and the
sandbox vendors on loopback, with a notifier that records what people would have been shown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.flow.pipeline import Pipeline
from bot.flow.policy import Policy
from bot.language.commands import Change, parse
from bot.slack.card import RequestCard
from bot.slack.notify import NotInChannel, Place
from bot.store.core import Store
from bot.vendors.base import Vendor

ADMIN, BOSS, OTHER_BOSS, STRANGER = "U0ADMIN", "U0BOSS", "U0BOSS2", "U0STRANGER"
APPROVERS = frozenset({ADMIN, BOSS, OTHER_BOSS, *(f"U0APP{n:02d}" for n in range(60))})
EMAILS = {"U0ANNA": "anna.petrova@acme.test", "U0GHOST": None}


class RecordingNotifier:
    """Records every card shown and every outcome announced; can pretend Slack is down."""

    def __init__(self) -> None:
        self.shown: list[RequestCard] = []
        self.finished: list[RequestCard] = []  # told to the requester: one per announcement
        self.threads: list[RequestCard] = []  # outcomes posted in a card's thread
        self.parts: list[tuple[str, RequestCard]] = []  # an offboarding's vendor outcomes, as each ends
        self.reminders: list[tuple[RequestCard, list[str], Place]] = []  # (card, approvers, its place)
        self.escalations: list[tuple[RequestCard, str, Place]] = []  # (card, channel, its own place)
        self.notes: list[tuple[Place, str]] = []  # Steward's own messages in a card's thread
        self.dms: list[tuple[str, Any]] = []  # direct messages (the heads-up before an end)
        self.dm_down = False  # only direct messages fail
        self.not_in: set[str] = set()
        self.down = False
        self._ts = 0

    async def show(self, card: RequestCard, channel: str, place: Place | None) -> Place:
        if self.down:
            raise OSError("Slack is down")
        if place is None and channel in self.not_in:
            raise NotInChannel(channel)
        self.shown.append(card)
        if place is None:
            self._ts += 1
            return Place(channel, f"1700000000.{self._ts:06d}")
        return place

    async def post_outcome(self, card: RequestCard, place: Place) -> None:
        if self.down:
            raise OSError("Slack is down")
        self.threads.append(card)

    async def post_note(self, message: Any, place: Place) -> None:
        if self.down:
            raise OSError("Slack is down")
        self.notes.append((place, message.text))

    async def direct(self, user: str, message: Any) -> None:
        if self.down or self.dm_down:
            raise OSError("Slack is down")
        self.dms.append((user, message))

    async def post_part(self, card: RequestCard, vendor: str, place: Place) -> None:
        if self.down:
            raise OSError("Slack is down")
        self.parts.append((vendor, card))

    async def remind(self, card: RequestCard, approvers: Sequence[str], place: Place) -> None:
        if self.down:
            raise OSError("Slack is down")
        self.reminders.append((card, list(approvers), place))

    async def escalate(self, card: RequestCard, channel: str, place: Place) -> None:
        if self.down:
            raise OSError("Slack is down")
        self.escalations.append((card, channel, place))

    async def tell_requester(self, card: RequestCard) -> None:
        if self.down or self.dm_down:
            raise OSError("Slack is down")
        self.finished.append(card)

    def last(self, request_id: str) -> RequestCard:
        return [c for c in self.shown if c.id == request_id][-1]


async def email_of(user: str) -> str | None:
    return EMAILS.get(user)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'steward.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(db_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def policy() -> Policy:
    return Policy(admins=frozenset({ADMIN, BOSS}), approvers=APPROVERS)


@pytest.fixture
def vendors(kaiten: Vendor, onlyoffice: Vendor, hub: Vendor) -> dict[str, Vendor]:
    return {"kaiten": kaiten, "onlyoffice": onlyoffice, "hub": hub}


@pytest.fixture
def make_pipeline(
    store: Store, vendors: dict[str, Vendor], policy: Policy, notifier: RecordingNotifier
) -> Any:
    def make(**overrides: Any) -> Pipeline:
        values: dict[str, Any] = dict(
            store=store, vendors=vendors, policy=policy, notifier=notifier, email_of=email_of, owner="test:1"
        )
        return Pipeline(**(values | overrides))

    return make


@pytest.fixture
def pipeline(make_pipeline: Any) -> Pipeline:
    pipe: Pipeline = make_pipeline()
    return pipe


def change(text: str) -> Change:
    parsed = parse(text)
    assert isinstance(parsed, Change), parsed
    return parsed


@pytest.fixture
def http_client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client
