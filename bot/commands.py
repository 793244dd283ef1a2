"""The /steward grammar (PRODUCT.md "The slash command"): text → a typed command, or a
`CommandError` a person can act on, quoting the usage line of what they typed.

Field names, types and rules come from the vendors' update models; nothing here repeats them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import InvalidValue, StewardError
from bot.grammar import Token, coerce, quote, text_of, tokens
from bot.policy import ALIASES, VENDOR_NAMES, VENDORS
from bot.vendors.fields import UpdateModel, build
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.kaiten.models import KaitenGroupUpdate, KaitenUserUpdate, parse_permissions
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate

__all__ = [
    "Change",
    "Check",
    "CommandError",
    "Help",
    "History",
    "OpenForm",
    "Status",
    "help_text",
    "parse",
    "quote",
]

MAX_MESSAGE = 2900
MODELS: Mapping[str, Mapping[str, type[UpdateModel]]] = {
    "kaiten": {"user": KaitenUserUpdate, "group": KaitenGroupUpdate},
    "onlyoffice": {"user": OnlyofficeUserUpdate},
    "hub": {"user": HubUserUpdate},
}
ACTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "kaiten": {"user": ("set",), "group": ("set", "grant", "revoke")},
    "onlyoffice": {"user": ("set", "disable", "enable")},
    "hub": {"user": ("set", "ban", "unban")},
}
SECRET_FIELDS = ("password", "old_password")
USAGE = {
    "help": "/steward help [kaiten|onlyoffice|hub]",
    "check": "/steward check",
    "status": "/steward status <request-id>",
    "history": "/steward history [<vendor> [<target>]]",
    "set": "/steward <vendor> <user|group> <targets> set <field>=<value> ... [reason=<text>]",
    "grant": "/steward kaiten group <targets> grant <permission>[,<permission>...] [reason=<text>]",
    "revoke": "/steward kaiten group <targets> revoke <permission>[,<permission>...] [reason=<text>]",
    "disable": "/steward onlyoffice user <targets> disable|enable [reason=<text>]",
    "enable": "/steward onlyoffice user <targets> disable|enable [reason=<text>]",
    "ban": "/steward hub user <targets> ban [reason=<text>] | unban [reason=<text>]",
    "unban": "/steward hub user <targets> ban [reason=<text>] | unban [reason=<text>]",
}
_EMAIL = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_UID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,63}$")
_REQUEST_ID = re.compile(r"^[0-9A-Za-z]{4,16}$")


class CommandError(StewardError):
    """A command that cannot be understood; the message says why and how to write it."""

    def __init__(self, problem: str, usage: str | None = None) -> None:
        text = problem if usage is None else f"{problem}\nUsage: {usage}"
        super().__init__(text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…")


@dataclass(frozen=True)
class OpenForm:
    pass


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


@dataclass(frozen=True)
class Change:
    """A change to one or more users or groups of one vendor. `fields` holds validated values
    (enums, `SecretStr` for passwords); grant/revoke hold the named bits in `permissions`."""

    vendor: str
    obj: str
    targets: tuple[str, ...]
    action: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""

    def text(self) -> str:
        """The change as command text; `parse(change.text()) == change` (passwords aside)."""
        head = f"{self.vendor} {self.obj} {','.join(self.targets)} {self.action}"
        if self.action == "set":
            head += "".join(f" {k}={text_of(v)}" for k, v in self.fields.items())
        elif self.action in ("grant", "revoke"):
            head += f" {self.fields['permissions']}"
        return head + (f" reason={quote(self.reason)}" if self.reason else "")


Command = OpenForm | Help | Check | Status | History | Change


def _suggest(word: str, choices: list[str], what: str) -> str:
    near = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    hint = f" Did you mean `{near[0]}`?" if near else ""
    return f"Unknown {what} `{word[:60]}`.{hint} The {what}s are: {', '.join(choices)}."


def _vendor(word: str, usage: str) -> str:
    key = ALIASES.get(word.lower(), word.lower())
    if key not in VENDORS:
        raise CommandError(_suggest(word, [*VENDORS, *ALIASES], "vendor"), usage)
    return key


def parse(text: str, *, allow_passwords: bool = False) -> Command:
    """Turn `/steward` text into a command; `CommandError` says what is wrong and how to write it."""
    try:
        words = tokens(text.strip())
    except ValueError as err:
        raise CommandError(f"Steward cannot read that: {err}.", USAGE["set"]) from None
    if not words:
        return OpenForm()
    first = words[0].lower()
    if first == "help":
        if len(words) > 2:
            raise CommandError("`help` takes at most a vendor.", USAGE["help"])
        return Help(_vendor(words[1], USAGE["help"]) if len(words) == 2 else None)
    if first == "check":
        if len(words) > 1:
            raise CommandError("`check` takes nothing after it.", USAGE["check"])
        return Check()
    if first == "status":
        if len(words) != 2 or not _REQUEST_ID.match(words[1]):
            raise CommandError("`status` takes one request id, like R7K3QF2M.", USAGE["status"])
        return Status(words[1].upper())
    if first == "history":
        if len(words) > 3:
            raise CommandError("`history` takes at most a vendor and a target.", USAGE["history"])
        vendor = _vendor(words[1], USAGE["history"]) if len(words) > 1 else None
        return History(vendor, _target(words[2]) if len(words) > 2 else None)
    if first not in VENDORS and first not in ALIASES:
        raise CommandError(
            _suggest(words[0], ["help", "check", "status", "history", *VENDORS], "command"), USAGE["set"]
        )
    return _change(words, allow_passwords)


def _target(word: str) -> str:
    mailto = _MAILTO.match(word)
    if mailto:
        return mailto.group(1)
    mention = _MENTION.match(word)
    return f"<@{mention.group(1)}>" if mention else word


def _targets(vendor: str, obj: str, word: str, usage: str) -> tuple[str, ...]:
    found: list[str] = []
    for raw in word.split(","):
        if not raw.strip():
            continue
        target = _target(raw.strip())
        ok = bool(_EMAIL.match(target) or _MENTION.match(target))
        if vendor == "kaiten" and obj == "user":
            ok = ok or target.isdigit()
            form = "a Kaiten user id (a number), an e-mail address or a Slack mention"
        elif vendor == "kaiten":
            ok = bool(_UID.match(target))
            form = "a Kaiten group uid, like 00000000-0000-4000-8000-000000000001"
        elif vendor == "onlyoffice":
            ok = ok or bool(_GUID.match(target))
            form = "an ONLYOFFICE user GUID, an e-mail address or a Slack mention"
        else:
            ok = ok or bool(_GUID.match(target)) or target == "me"
            form = "a Hub user UUID, `me`, an e-mail address or a Slack mention"
        if not ok:
            raise CommandError(f"`{target[:80]}` is not a target Steward knows: use {form}.", usage)
        if target not in found:
            found.append(target)
    if not found:
        raise CommandError("Name at least one target.", usage)
    return tuple(found)


def _change(words: list[Token], allow_passwords: bool) -> Change:
    vendor = _vendor(words[0], USAGE["set"])
    objects = ACTIONS[vendor]
    if len(words) < 2 or words[1].lower() not in objects:
        given = words[1] if len(words) > 1 else ""
        problem = (
            _suggest(given, list(objects), f"{VENDOR_NAMES[vendor]} object")
            if given
            else "Say `user` or `group`."
        )
        raise CommandError(problem, USAGE["set"])
    obj = words[1].lower()
    if len(words) < 4:
        raise CommandError(
            f"Say which {obj}s and what to do.", USAGE[objects[obj][-1] if len(words) < 3 else "set"]
        )
    action = words[3].lower()
    if action not in objects[obj]:
        raise CommandError(
            _suggest(words[3], list(objects[obj]), f"action on a {VENDOR_NAMES[vendor]} {obj}"), USAGE["set"]
        )
    usage = USAGE[action]
    targets = _targets(vendor, obj, words[2], usage)
    rest = words[4:]
    bits = None
    if action in ("grant", "revoke"):
        if not rest or "=" in rest[0]:
            raise CommandError(f"Name the permissions to {action}.", usage)
        try:
            bits = parse_permissions(str(rest[0]))
        except ValueError as err:
            raise CommandError(f"`permissions` {err}.", usage) from None
        if bits == 0:
            raise CommandError(f"Name at least one permission to {action}.", usage)
        rest = rest[1:]
    pairs = _pairs(rest, usage)
    reason = pairs.pop("reason", (Token(""), False))[0]
    model = MODELS[vendor][obj]
    fields: dict[str, Any]
    if action == "set":
        fields = _fields(model, pairs, usage, allow_passwords)
    elif pairs:
        raise CommandError(f"`{action}` takes only a reason, not `{next(iter(pairs))}`.", usage)
    else:
        by_action: dict[str, dict[str, Any]] = {
            "grant": {"permissions": bits},
            "revoke": {"permissions": bits},
            "disable": {"disable": True},
            "enable": {"disable": False},
            "ban": {"banned": True, **({"banReason": str(reason)} if reason else {})},
            "unban": {"banned": False},
        }
        fields = by_action[action]
        try:
            build(model, fields)
        except InvalidValue as err:
            raise CommandError(str(err), usage) from None
    return Change(vendor, obj, targets, action, fields, str(reason))


def _pairs(words: list[Token], usage: str) -> dict[str, tuple[Token, bool]]:
    pairs: dict[str, tuple[Token, bool]] = {}
    for word in words:
        name, eq, value = word.partition("=")
        if not eq or not name:
            raise CommandError(f"`{word[:60]}` is not a field=value pair.", usage)
        if name in pairs:
            raise CommandError(f"`{name}` is given twice.", usage)
        pairs[name] = (Token(value), word.quoted)
    return pairs


def _fields(
    model: type[UpdateModel], pairs: dict[str, tuple[Token, bool]], usage: str, allow_passwords: bool
) -> dict[str, Any]:
    if not pairs:
        raise CommandError('Say which fields to set, like full_name="Anna Petrova".', usage)
    known = list(model.model_fields)
    data: dict[str, Any] = {}
    for name, (raw, quoted) in pairs.items():
        if name in SECRET_FIELDS:
            off = (
                ""
                if allow_passwords
                else " (and password changes are turned off: STEWARD_ALLOW_PASSWORD_CHANGES)"
            )
            raise CommandError(
                f"Passwords are accepted only through the form (type /steward alone){off}; "
                "a command would leave it in the channel's history.",
                usage,
            )
        if name not in model.model_fields:
            raise CommandError(_suggest(name, [k for k in known if k not in SECRET_FIELDS], "field"), usage)
        try:
            data[name] = coerce(model, name, str(raw), quoted)
        except InvalidValue as err:
            raise CommandError(str(err), usage) from None
    try:
        built = build(model, data)
    except InvalidValue as err:
        raise CommandError(str(err), usage) from None
    return {name: getattr(built, name) for name in data}


def help_text(vendor: str | None = None) -> str:
    from bot.help import describe

    return describe(vendor)
