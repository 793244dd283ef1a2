"""How the pipeline reaches people, whatever the front end: the `Notifier` it is given (Slack,
or the terminal), where a card lives, and the private `Answer` to whoever acted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.errors import StewardError
from bot.slack.card import RequestCard
from bot.slack.messages import Message


@dataclass(frozen=True)
class Place:
    """Where a card lives: a channel and the message's ts."""

    channel: str
    ts: str


class NotInChannel(StewardError):
    """Steward may not post a new card in this channel (not in it, no such channel, archived)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        super().__init__(f"Steward is not in channel {channel}.")


class Undeliverable(StewardError):
    """Slack will never take this message where it is addressed (`channel_not_found`,
    `is_archived`, `not_in_channel` after Steward was removed, a person gone): trying again is no use."""

    def __init__(self, channel: str, error: str) -> None:
        self.channel = channel
        self.error = error
        super().__init__(f"Slack will not take a message in {channel}: {error}.")


class Notifier(Protocol):
    async def show(self, card: RequestCard, channel: str, place: Place | None) -> Place:
        """Post the card in `channel` (place None) or update it in place; return where it is."""
        ...

    async def post_outcome(self, card: RequestCard, place: Place) -> None:
        """The outcome in the card's thread."""
        ...

    async def tell_requester(self, card: RequestCard) -> None:
        """The outcome in a direct message to the requester."""
        ...

    async def post_note(self, message: Message, place: Place) -> None:
        """A message of Steward's own in a card's thread (how a change made for a while ended)."""
        ...

    async def direct(self, user: str, message: Message) -> None:
        """A direct message to `user`."""
        ...

    async def post_part(self, card: RequestCard, vendor: str, place: Place) -> None:
        """One vendor's outcome of an offboarding (`card.outcomes` holds that vendor's), in
        the card's thread as soon as that vendor has finished."""
        ...

    async def remind(self, card: RequestCard, approvers: Sequence[str], place: Place) -> None:
        """A pending request's reminder in its card's thread, mentioning `approvers`."""
        ...

    async def escalate(self, card: RequestCard, channel: str, place: Place) -> None:
        """A copy of a long-pending request's card, with its buttons, in `channel`; its own
        card stays at `place`."""
        ...


@dataclass(frozen=True)
class Answer:
    """What the person who acted should read, privately (unless the card already says it all)."""

    text: str
    request_id: str | None = None
    private: bool = True
    missing_channel: str | None = None  # the card could not be posted there: Steward is not in it
