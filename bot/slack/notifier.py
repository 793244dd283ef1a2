"""The Slack Web API calls Steward makes on its own: cards, threads, direct messages, private
replies, and a person's e-mail address. Blocks come from `bot/messages.py`.

The client is slack_sdk's `AsyncWebClient` with its retry handlers (429 honouring Retry-After,
5xx, connection errors), so a busy Slack slows Steward down instead of losing a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.slack import messages
from bot.slack.card import RequestCard
from bot.slack.notify import NotInChannel, Place, Undeliverable

log = logging.getLogger(__name__)

NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}
#: Slack's answers that no retry can change (its Web API method pages): the channel or message is
#: gone, Steward was removed from the channel, the person left or cannot be written to.
NEVER = NOT_THERE | {
    "message_not_found",
    "cant_update_message",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "account_inactive",
}
EMAIL_TTL = 600.0


class SlackNotifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._emails: dict[str, tuple[float, str | None]] = {}
        self._ims: dict[str, str] = {}  # user → their direct-message channel with Steward

    async def _call(self, method: str, **kwargs: Any) -> Any:
        """One Web API call. An answer no retry can change raises `Undeliverable`, logged by the
        caller that decides what it means; any other failure is logged here and raised."""
        try:
            return await getattr(self.client, method)(**kwargs)
        except SlackApiError as err:
            metrics.SLACK_ERRORS.labels(method=method).inc()
            error = err.response.get("error") if err.response is not None else None
            if error in NEVER:
                where = str(kwargs.get("channel") or kwargs.get("users") or kwargs.get("user") or "")
                raise Undeliverable(where, str(error)) from None
            log.warning("Slack %s failed: %s", method, error or err)
            raise
        except OSError:
            metrics.SLACK_ERRORS.labels(method=method).inc()
            raise

    async def show(self, card: RequestCard, channel: str, place: Place | None) -> Place:
        message = messages.card_message(card)
        if place is None:
            try:
                answer = await self._call(
                    "chat_postMessage", channel=channel, text=message.text, blocks=message.blocks
                )
            except Undeliverable as err:
                if err.error in NOT_THERE:
                    raise NotInChannel(channel) from None
                raise
            return Place(answer["channel"], answer["ts"])
        await self._call(
            "chat_update", channel=place.channel, ts=place.ts, text=message.text, blocks=message.blocks
        )
        return place

    async def post_note(self, message: messages.Message, place: Place) -> None:
        """`message` in the thread of the card at `place`."""
        await self._call(
            "chat_postMessage",
            channel=place.channel,
            thread_ts=place.ts,
            text=message.text,
            blocks=message.blocks,
        )

    async def post_outcome(self, card: RequestCard, place: Place) -> None:
        await self.post_note(messages.outcome_message(card), place)

    async def post_part(self, card: RequestCard, vendor: str, place: Place) -> None:
        await self.post_note(messages.part_message(card, vendor), place)

    async def remind(self, card: RequestCard, approvers: Sequence[str], place: Place) -> None:
        await self.post_note(messages.reminder_message(card, approvers), place)

    async def escalate(self, card: RequestCard, channel: str, place: Place) -> None:
        copy = messages.escalation_message(card, place.channel)
        await self._call("chat_postMessage", channel=channel, text=copy.text, blocks=copy.blocks)

    async def tell_requester(self, card: RequestCard) -> None:
        await self.direct(card.requester, messages.direct_message(card))

    async def direct(self, user: str, message: messages.Message) -> None:
        # A person's DM channel with the app does not change: opened once, then remembered.
        channel = self._ims.get(user)
        if channel is None:
            opened = await self._call("conversations_open", users=user)
            channel = self._ims[user] = str(opened["channel"]["id"])
        try:
            await self._call("chat_postMessage", channel=channel, text=message.text, blocks=message.blocks)
        except (SlackApiError, Undeliverable):
            self._ims.pop(user, None)  # opened afresh next time
            raise

    async def tell(self, channel: str, user: str, message: messages.Message) -> None:
        """A message only `user` sees, in `channel`."""
        await self._call(
            "chat_postEphemeral", channel=channel, user=user, text=message.text, blocks=message.blocks
        )

    async def email_of(self, user: str) -> str | None:
        cached = self._emails.get(user)
        if cached and time.monotonic() - cached[0] < EMAIL_TTL:
            return cached[1]
        try:
            answer = await self._call("users_info", user=user)
        except (SlackApiError, Undeliverable):
            return None
        found = (answer.get("user") or {}).get("profile", {}).get("email")
        email = str(found) if found else None
        self._emails[user] = (time.monotonic(), email)
        return email
