"""Slack presentation: the card model and how a stored request becomes one, the messages people
read (Block Kit and text), the request form's views, the Slack notifier, and the checks an
inbound body passes before Bolt reads it.

May import the store (its rows), vendors (their models and names), settings and errors.
"""

from bot.slack import forms, messages
from bot.slack.card import Approval, FieldChange, RequestCard, TargetCard, TargetOutcome, VendorPart
from bot.slack.inbound import read_capped, signed, well_formed
from bot.slack.notifier import SlackNotifier
from bot.slack.notify import Answer, Notifier, NotInChannel, Place, Undeliverable
from bot.slack.views import to_card

__all__ = [
    "Answer",
    "Approval",
    "FieldChange",
    "NotInChannel",
    "Notifier",
    "Place",
    "RequestCard",
    "SlackNotifier",
    "TargetCard",
    "TargetOutcome",
    "Undeliverable",
    "VendorPart",
    "forms",
    "messages",
    "read_capped",
    "signed",
    "to_card",
    "well_formed",
]
