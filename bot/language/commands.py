"""The /steward grammar (PRODUCT.md "The slash command"): text → a typed command, or a
`CommandError` that says what is wrong and quotes the usage line of what was typed.

    (nothing)                                   OpenForm()
    help [<vendor>|sandbox]                     Help(vendor)
    check                                       Check()
    status <request-id>                         Status(request_id)
    history [refused] [<vendor> [<target>]]     History(vendor, target, refused)
    <vendor> <object> <targets> <action> ...    Change(vendor, obj, targets, action, fields, reason)

Keywords (vendors, objects, actions, `reason`, field names, `me`, `null`, booleans, enum and
permission names) are case-insensitive. How words are split — quotes of every kind, JSON kept
whole, `name = value` read as `name=value` — is `bot.grammar`'s; the fields, their types and
rules are the update models' (`bot.vendors.MODELS`). Passwords never come through a command.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.language.changes import fields_for, no_passwords, refuse_secrets, trailing_reason
from bot.language.grammar import Token, Unreadable, list_end, tokens
from bot.language.grammar import quote as _quote
from bot.language.help import help_text
from bot.language.lasting import lasting_words, split_lasting
from bot.language.targets import FORMS, MAX_TARGETS, target, targets, too_many
from bot.language.usage import (
    ACTIONS,
    SECRET_FIELDS,
    USAGE,
    USAGE_LINES,
    CommandError,
    an,
    shown,
    unknown,
    usage,
)
from bot.language.values import text_of
from bot.vendors import ALIASES, MODELS, VENDOR_NAMES, unsafe_rule
from bot.vendors.kaiten import permission_names

__all__ = [
    "ACTIONS",
    "MODELS",
    "SECRET_FIELDS",
    "USAGE",
    "USAGE_LINES",
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
    "help_text",
    "parse",
    "quote",
    "usage",
]

#: The longest command text Steward reads. Slack's documentation of the slash-command payload
#: (docs.slack.dev/interactivity/implementing-slash-commands) states no limit for `text`, so this
#: limit is Steward's own.
MAX_TEXT = 4000
_REQUEST_ID = re.compile(r"^[0-9A-Za-z]{4,32}$")
_PASSWORD = re.compile(r"(?<![\w])(?:old_)?password\s*=", re.IGNORECASE)
_WORDS = ("help", "check", "status", "history", "offboard", "revert")


@dataclass(frozen=True)
class OpenForm:
    """`/steward` alone: open the request form."""


@dataclass(frozen=True)
class Help:
    vendor: str | None = None


@dataclass(frozen=True)
class Check:
    pass


@dataclass(frozen=True)
class Status:
    request_id: str


@dataclass(frozen=True)
class History:
    vendor: str | None = None
    target: str | None = None
    refused: bool = False  # `history refused`: the refusals, kept apart from accepted requests


@dataclass(frozen=True)
class Show:
    """`<vendor> <object> <target>` with no action: the target as Steward reads it."""

    vendor: str
    obj: str
    target: str


@dataclass(frozen=True)
class Membership:
    """`<vendor> group <group> add|remove <people>`: people put into or taken out of a group.
    `group` is as typed: the vendor's group id, or the group's name (quoted when it has spaces)."""

    vendor: str
    group: str
    action: str  # add | remove
    people: tuple[str, ...]
    reason: str = ""
    lasting: dt.timedelta | None = None  # `for 8h`: add only; it ends that long after it is made
    until: dt.datetime | None = None  # `until 2026-12-24 18:00`: add only; aware, UTC


@dataclass(frozen=True)
class Members:
    """`<vendor> group <group> members [<page>]`: the group's direct members."""

    vendor: str
    group: str
    page: int = 1


@dataclass(frozen=True)
class Offboard:
    """`offboard <person>`: switch one person off on every vendor the requester administers.
    `person` is an e-mail address (lower-cased) or a Slack mention (`<@U123>`)."""

    person: str
    reason: str = ""


@dataclass(frozen=True)
class Revert:
    """`revert <request-id>`: ask for a new request that undoes a finished one."""

    request_id: str
    reason: str = ""


@dataclass(frozen=True)
class Change:
    """A change to one or more users or groups of one vendor.

    `targets` are normal forms (`<@U123>`, lower-case GUIDs); `fields` holds validated values
    as the model's `given()` has them (enums, UUIDs, `SecretStr` for passwords from the form).
    grant/revoke hold the named bits in `permissions`; disable/enable hold `disable`; ban/unban
    hold `banned` (and `banReason` = the reason, when one is given). `lasting` (`for 8h`) or
    `until` (aware, UTC) ends a change that gives access by itself (`bot.language.lasting`)."""

    vendor: str
    obj: str
    targets: tuple[str, ...]
    action: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    lasting: dt.timedelta | None = None
    until: dt.datetime | None = None

    def text(self) -> str:
        """The change as command text: `parse(change.text()) == change` (passwords aside)."""
        words = [self.vendor, self.obj, ",".join(self.targets), self.action]
        if self.action == "set":
            words += [f"{name}={_written(name, value)}" for name, value in self.fields.items()]
        elif self.action in ("grant", "revoke"):
            words.append(",".join(permission_names(int(self.fields["permissions"]))))
        words += lasting_words(self.lasting, self.until)
        if self.reason:
            words.append(f"reason={quote(self.reason)}")
        return " ".join(words)


Command = (
    OpenForm | Help | Check | Status | History | Show | Membership | Members | Offboard | Revert | Change
)


def quote(value: str) -> str:
    """`value` as a command must write it (bare, or in quotes it does not contain)."""
    try:
        return _quote(value)
    except Unreadable as err:
        raise CommandError(f"{str(err).capitalize()}.") from None


def _written(name: str, value: Any) -> str:
    if name == "permissions" and isinstance(value, int) and value:
        return ",".join(permission_names(value))  # names read better than a mask, and parse back
    return text_of(value)


def parse(text: str, *, allow_passwords: bool = False, limit: int | None = MAX_TEXT) -> Command:
    """Turn `/steward` text into a command; `CommandError` says what is wrong and how to write it.

    Text longer than `limit` is refused before it is read (None: text Steward wrote itself, from
    inputs Slack has already bounded, like the form's)."""
    if limit is not None and len(text) > limit:
        raise CommandError(
            f"That command is {len(text):,} characters long; Steward reads commands of up to "
            f"{limit:,} characters. Split a long list of targets into several commands.",
            _guess(text),
        )
    try:
        words = tokens(text)
    except Unreadable as err:
        if _PASSWORD.search(text):
            raise no_passwords(allow_passwords, usage("kaiten", "user", "set")) from None
        raise CommandError(f"Steward cannot read that: {err}.", _guess(text)) from None
    if not words:
        return OpenForm()
    first = words[0].word()
    if any((w.key or "").lower() in SECRET_FIELDS for w in words):
        vendor, obj = ALIASES.get(first, first), words[1].word() if len(words) > 1 else ""
        if obj in ACTIONS.get(vendor, {}):
            refuse_secrets(vendor, obj, words, allow_passwords)
        raise no_passwords(allow_passwords, usage("kaiten", "user", "set"))
    if first == "help":
        if len(words) > 2:
            raise CommandError("`help` takes at most a vendor.", USAGE["help"])
        if len(words) == 2 and words[1].word() == "sandbox":
            return Help("sandbox")  # the sandbox's sample company, when the sandbox is on
        return Help(_vendor(words[1], USAGE["help"]) if len(words) == 2 else None)
    if first == "check":
        if len(words) > 1:
            raise CommandError("`check` takes nothing after it.", USAGE["check"])
        return Check()
    if first == "status":
        if len(words) != 2 or not _REQUEST_ID.match(words[1].value):
            raise CommandError(
                "`status` takes one request id, like R7K3QF2M (it is on the card).", USAGE["status"]
            )
        return Status(words[1].value.upper())
    if first == "history":
        return _history(words)
    if first == "offboard":
        return _offboard(words)
    if first == "revert":
        if len(words) < 2 or words[1].key is not None or not _REQUEST_ID.match(words[1].value):
            raise CommandError(
                "`revert` takes the id of a finished request, like R7K3QF2M (it is on the card).",
                USAGE["revert"],
            )
        split_lasting(words[2:], "revert", (USAGE["revert"],))  # refused: nothing to end
        return Revert(
            words[1].value.upper(), trailing_reason(words[2:], "the request id", (USAGE["revert"],))
        )
    if ALIASES.get(first, first) not in ACTIONS:
        choices = [*_WORDS, *ACTIONS, *ALIASES]
        raise CommandError(unknown(words[0].raw, choices, "command"), USAGE_LINES)
    if len(words) >= 4 and words[1].word() == "group" and words[3].word() in MEMBERSHIP:
        return _membership(words)
    return _change(text, words, allow_passwords)


def _guess(text: str) -> tuple[str, ...]:
    """The usage lines for text that could not be split into words."""
    words = text.lower().split()
    first = ALIASES.get(words[0], words[0]) if words else ""
    if first in _WORDS:
        return (USAGE[first],)
    obj = words[1] if len(words) > 1 else None
    return usage(first, obj, next((w for w in words[2:] if w in USAGE), None))


def _vendor(word: Token, lines: str | Sequence[str]) -> str:
    key = ALIASES.get(word.word(), word.word())
    if key not in ACTIONS:
        raise CommandError(unknown(word.raw, [*ACTIONS, *ALIASES], "vendor"), lines)
    return key


def _raw(word: Token) -> str:
    """A word as typed (with its `=`), or its value when it was quoted."""
    return word.value if word.key is None else word.raw


#: The words after `<vendor> group <group>` that are about its members, on every vendor.
MEMBERSHIP = ("add", "remove", "members")


def _membership(words: list[Token]) -> Membership | Members:
    vendor = _vendor(words[0], USAGE_LINES)
    group, action = words[2].value.strip(), words[3].word()
    if not group or len(group) > 255 or unsafe_rule(group) is not None:
        raise CommandError("Name the group by its id, or by its name in quotes.", usage_of(action))
    rest = words[4:]
    if action == "members":
        if len(rest) > 1 or (rest and not rest[0].word().isdigit()):
            raise CommandError("`members` takes at most a page number.", usage_of(action))
        return Members(vendor, group, max(1, int(rest[0].word())) if rest else 1)
    if not rest or rest[0].key is not None:
        raise CommandError(f"Name the people to {action}, like `{action} anna@acme.com`.", usage_of(action))
    end = list_end(rest, 0)
    tail, lasting, until = split_lasting(rest[end + 1 :], action, usage_of(action))
    people, bad = targets(vendor, "user", "".join(_raw(w) for w in rest[: end + 1]))
    if bad is not None:
        raise CommandError(
            f"`{shown(bad)}` is not a user Steward knows: use {FORMS[(vendor, 'user')]}.", usage_of(action)
        )
    if len(people) > MAX_TARGETS:
        raise CommandError(too_many(len(people), "user"), usage_of(action))
    reason = trailing_reason(tail, "the people", usage_of(action))
    return Membership(vendor, group, action, people, reason, lasting, until)


def _offboard(words: list[Token]) -> Offboard:
    lines = (USAGE["offboard"],)
    if len(words) < 2 or words[1].key is not None:
        raise CommandError("Name the person to offboard: their e-mail address or a Slack mention.", lines)
    raw = _raw(words[1])
    person = target("hub", "user", raw)
    if person is None or person == "me" or "," in raw or not (person.startswith("<@") or "@" in person):
        raise CommandError(
            f"`{shown(raw)}` is not a person Steward can look up on every vendor: "
            "use their e-mail address or a Slack mention (one person).",
            lines,
        )
    split_lasting(words[2:], "offboard", lines)  # refused: an offboarding does not end by itself
    reason = trailing_reason(words[2:], "the person", lines)
    return Offboard(person.lower() if "@" in person and not person.startswith("<@") else person, reason)


def usage_of(action: str) -> tuple[str, ...]:
    return (USAGE[action],)


def _history(words: list[Token]) -> History:
    refused = len(words) > 1 and words[1].key is None and words[1].word() == "refused"
    if refused:
        words = words[:1] + words[2:]
    if len(words) > 3:
        raise CommandError("`history` takes at most a vendor and a target.", USAGE["history"])
    if len(words) == 1:
        return History(refused=refused)
    vendor = _vendor(words[1], USAGE["history"])
    if len(words) == 2:
        return History(vendor, refused=refused)
    raw = _raw(words[2])
    found = [t for obj in ACTIONS[vendor] if (t := target(vendor, obj, raw)) is not None]
    if not found and raw.strip() and not any(ch.isspace() for ch in raw.strip()) and len(raw) <= 255:
        found = [raw.strip().lower()]  # a login, or any other way the target is known
    if not found:
        forms = "; or ".join(FORMS[(vendor, obj)] for obj in ACTIONS[vendor])
        raise CommandError(f"`{shown(raw)}` is not a target Steward knows: use {forms}.", USAGE["history"])
    return History(vendor, found[0], refused)


def _change(text: str, words: list[Token], allow_passwords: bool) -> Change | Show:
    vendor = _vendor(words[0], USAGE_LINES)
    name = VENDOR_NAMES[vendor]
    objects = ACTIONS[vendor]
    if len(words) < 2:
        raise CommandError(f"Say what to change in {name}: {' or '.join(objects)}.", usage(vendor))
    obj = words[1].word()
    if obj not in objects:
        raise CommandError(unknown(words[1].raw, list(objects), "object", f" in {name}"), usage(vendor))
    actions = objects[obj]
    if len(words) < 3:
        raise CommandError(
            f"Name the {obj}s to change, then say what to do: {', '.join(actions)}.", usage(vendor, obj)
        )
    if words[2].word() in actions:
        raise CommandError(
            f"Name the {obj}s to change before `{words[2].word()}`: {FORMS[(vendor, obj)]}.",
            usage(vendor, obj, words[2].word()),
        )
    last = list_end(words, 2, stop=actions)
    if last + 1 >= len(words):  # no action: show the target as Steward reads it
        found, bad = targets(vendor, obj, "".join(_raw(w) for w in words[2 : last + 1]))
        if bad is None and len(found) == 1:
            return Show(vendor, obj, found[0])
        raise CommandError(
            f"Say what to do with the {obj}s: {', '.join(actions)}; or name one {obj} alone to see it.",
            usage(vendor, obj),
        )
    action = words[last + 1].word()
    if action not in actions:
        problem = unknown(words[last + 1].raw, actions, "action", f" on {an(vendor, obj)}")
        if any(w.word() in actions for w in words[last + 2 :]):
            problem += " Several targets are separated by commas, like a@acme.com,b@acme.com."
        raise CommandError(problem, usage(vendor, obj))
    lines = usage(vendor, obj, action)
    found, bad = targets(vendor, obj, "".join(_raw(w) for w in words[2 : last + 1]))
    if bad is not None:
        raise CommandError(
            f"`{shown(bad)}` is not a target Steward knows: use {FORMS[(vendor, obj)]}.", lines
        )
    if not found:
        raise CommandError(f"Name at least one {obj}.", lines)
    if len(found) > MAX_TARGETS:
        raise CommandError(too_many(len(found), obj), lines)
    rest, lasting, until = split_lasting(words[last + 2 :], action, lines)
    fields, reason = fields_for(text, vendor, obj, action, rest, lines)
    return Change(vendor, obj, found, action, fields, reason, lasting, until)
