"""What a command may change and how each command is written: the objects of each vendor,
their update models and actions, the usage lines of PRODUCT.md "The slash command", and the
error that quotes them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from bot.errors import StewardError
from bot.vendors import VENDOR_NAMES

#: The actions each object takes, `set` first.
ACTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "kaiten": {"user": ("set", "deactivate", "reactivate"), "group": ("set", "grant", "revoke")},
    "onlyoffice": {"user": ("set", "disable", "enable")},
    "hub": {"user": ("set", "ban", "unban")},
}
#: Fields taken only through the form (PRODUCT.md "Sensitive changes": passwords).
SECRET_FIELDS = frozenset({"password", "old_password"})

#: What may end a change that gives access (`bot.language.lasting`).
FOR = "[for <duration>|until <date time>]"
_SWITCH = "/steward {vendor} user <targets> {off} [reason=<text>] | {on} " + FOR + " [reason=<text>]"
_MEMBERS = (
    f"/steward <vendor> group <group> add <people> {FOR} [reason=<text>] | remove <people> [reason=<text>]"
)
#: One usage line per command word or action; `set` stands for every object.
USAGE: Mapping[str, str] = {
    "form": "/steward",
    "help": "/steward help [kaiten|onlyoffice|hub]",
    "check": "/steward check",
    "set": f"/steward <vendor> user|group <targets> set <field>=<value> ... {FOR} [reason=<text>]",
    "grant": f"/steward kaiten group <targets> grant <permission>[,<permission>...] {FOR} [reason=<text>]",
    "revoke": "/steward kaiten group <targets> revoke <permission>[,<permission>...] [reason=<text>]",
    "disable": _SWITCH.format(vendor="onlyoffice", off="disable", on="enable"),
    "enable": _SWITCH.format(vendor="onlyoffice", off="disable", on="enable"),
    "ban": _SWITCH.format(vendor="hub", off="ban", on="unban"),
    "unban": _SWITCH.format(vendor="hub", off="ban", on="unban"),
    "deactivate": _SWITCH.format(vendor="kaiten", off="deactivate", on="reactivate"),
    "reactivate": _SWITCH.format(vendor="kaiten", off="deactivate", on="reactivate"),
    "add": _MEMBERS,
    "remove": _MEMBERS,
    "members": "/steward <vendor> group <group> members [<page>]",
    "offboard": "/steward offboard <person> [reason=<text>]",
    "revert": "/steward revert <request-id> [reason=<text>]",
    "show": "/steward <vendor> user <target>  |  /steward kaiten group <target>",
    "status": "/steward status <request-id>",
    "history": "/steward history [refused] [<vendor> [<target>]]",
}
#: Every command, as PRODUCT.md lists them.
USAGE_LINES: tuple[str, ...] = (
    USAGE["form"],
    USAGE["help"],
    USAGE["check"],
    f"/steward <vendor> user <targets> set <field>=<value> ... {FOR} [reason=<text>]",
    f"/steward kaiten group <targets> set <field>=<value> ... {FOR} [reason=<text>]",
    USAGE["grant"],
    USAGE["revoke"],
    USAGE["disable"],
    USAGE["ban"],
    USAGE["deactivate"],
    USAGE["add"],
    USAGE["members"],
    USAGE["offboard"],
    USAGE["revert"],
    "/steward <vendor> user <target>",
    "/steward kaiten group <target>",
    USAGE["status"],
    USAGE["history"],
)


def usage(vendor: str | None = None, obj: str | None = None, action: str | None = None) -> tuple[str, ...]:
    """The usage lines for what was typed so far, most specific first: every command when the
    vendor is unknown, one line once the action is known."""
    if vendor is None or vendor not in ACTIONS:
        return USAGE_LINES
    lines: list[str] = []
    for each in [o for o in ACTIONS[vendor] if o == obj] or list(ACTIONS[vendor]):
        verbs = ACTIONS[vendor][each]
        for verb in [v for v in verbs if v == action] or verbs:
            line = (
                f"/steward {vendor} {each} <targets> set <field>=<value> ... {FOR} [reason=<text>]"
                if verb == "set"
                else USAGE[verb]
            )
            if line not in lines:
                lines.append(line)
    return tuple(lines)


#: Slack shows at most 3,000 characters in a section; a refusal stays under that.
MAX_MESSAGE = 2900


class CommandError(StewardError):
    """A command Steward cannot take; the text says why and quotes how to write it.

    `problem` is the explanation, `usage` the usage lines quoted after it."""

    def __init__(self, problem: str, usage: str | Sequence[str] = ()) -> None:
        lines = (usage,) if isinstance(usage, str) else tuple(usage)
        if len(lines) == 1:
            tail = f"\nUsage: {lines[0]}"
        else:
            tail = "".join(["\nUsage:", *(f"\n{line}" for line in lines)]) if lines else ""
        room = MAX_MESSAGE - len(tail)
        self.problem = problem if len(problem) <= room else problem[: room - 1] + "…"
        self.usage = lines
        super().__init__(self.problem + tail)


def shown(word: str) -> str:
    """A word someone typed, for quoting in `backticks`: on one line, cut short, and unable
    to end the backticks early."""
    flat = " ".join(word.replace("`", "'").split())
    return flat if len(flat) <= 60 else flat[:59] + "…"


def unknown(typed: str, choices: Sequence[str], what: str, of: str = "") -> str:
    """'Unknown field `fulname`. Did you mean `full_name`? The fields of a Kaiten user are: …'"""
    lowered = {c.lower(): c for c in choices}
    near = difflib.get_close_matches(typed.lower(), list(lowered), n=1, cutoff=0.6)
    hint = f" Did you mean `{lowered[near[0]]}`?" if near else ""
    return f"Unknown {what} `{shown(typed)}`.{hint} The {what}s{of} are: {', '.join(choices)}."


def an(vendor: str, obj: str) -> str:
    """'a Kaiten user', 'an ONLYOFFICE user'."""
    name = VENDOR_NAMES[vendor]
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name} {obj}"
