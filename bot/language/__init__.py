"""The command language: what `/steward …` text means. Grammar and tokens, the command objects,
values and targets, the usage lines and the help text.

May import vendors (their update models and names), settings and errors; nothing that talks to
Slack, a store or a vendor's server.
"""

from bot.language import usage
from bot.language.commands import (
    Change,
    Check,
    Command,
    CommandError,
    Help,
    History,
    Members,
    Membership,
    Offboard,
    OpenForm,
    Revert,
    Show,
    Status,
    help_text,
    parse,
    quote,
)
from bot.language.grammar import Unreadable
from bot.language.targets import MAX_TARGETS, too_many
from bot.language.usage import SECRET_FIELDS

__all__ = [
    "MAX_TARGETS",
    "SECRET_FIELDS",
    "Change",
    "Check",
    "Command",
    "CommandError",
    "Help",
    "History",
    "Members",
    "Membership",
    "Offboard",
    "OpenForm",
    "Revert",
    "Show",
    "Status",
    "Unreadable",
    "help_text",
    "parse",
    "quote",
    "too_many",
    "usage",
]
