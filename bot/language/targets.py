"""The forms a target may take in a command, per vendor and object (PRODUCT.md "<targets>").
Only the form is checked here; finding who an e-mail or a mention is happens in `resolve`."""

from __future__ import annotations

import re

from bot.language.values import unlink
from bot.vendors import unsafe_rule

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$")
#: What an address may not hold besides white space: the marks around words in Slack and in
#: the grammar (brackets, separators, `=`, quotes of every kind, backticks).
_NOT_IN_EMAIL = frozenset("@<>,;:()[]{}|=\"'“”„‘’‚«»‹›`")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: Kaiten group uids are UUID-like strings (notes/vendor-apis.md, Kaiten ids).
KAITEN_UID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,63}$")
_KAITEN_ID = re.compile(r"^[0-9]{1,18}$")

#: What each object's target may be, said to someone who typed something else.
FORMS = {
    ("kaiten", "user"): "a Kaiten user id (a number, like 42), an e-mail address or a Slack mention",
    (
        "kaiten",
        "group",
    ): "a Kaiten group uid, like 00000000-0000-4000-8000-000000000001 (groups have no e-mail address)",
    ("onlyoffice", "user"): (
        "an ONLYOFFICE user GUID, like 3fa85f64-5717-4562-b3fc-2c963f66afa6, "
        "an e-mail address or a Slack mention"
    ),
    ("hub", "user"): (
        "a Hub user UUID, like 3fa85f64-5717-4562-b3fc-2c963f66afa6, me (Steward's own account), "
        "an e-mail address or a Slack mention"
    ),
}


def target(vendor: str, obj: str, word: str) -> str | None:
    """`word` in its normal form if it may name a `vendor` `obj`, else None.

    Mentions lose their `|name` part, GUIDs are lower-cased, Kaiten ids lose leading zeros."""
    word = unlink(word.strip())
    if vendor == "kaiten" and obj == "group":
        return word if KAITEN_UID.match(word) else None
    mention = MENTION.match(word)
    if mention:
        return f"<@{mention.group(1)}>"
    if is_email(word):
        return word
    if vendor == "kaiten":
        return str(int(word)) if _KAITEN_ID.match(word) and int(word) > 0 else None
    if GUID.match(word):
        return word.lower()
    if vendor == "hub" and word.lower() == "me":
        return "me"
    return None


def is_email(word: str) -> bool:
    """`local@domain` with a dot inside the domain (neither its first nor its last character),
    and nothing `_NOT_IN_EMAIL` lists, nor a control or text-direction character (`unsafe_rule`:
    shown, it would reorder the text after it). String checks, one pass each: a pattern with a
    repeated part on each side of the dot backtracks over every dot (`a@` + 100,000 dots + `@`:
    58 s)."""
    local, at, domain = word.partition("@")
    return (
        bool(at and local)
        and "." in domain[1:-1]
        and not any(ch in _NOT_IN_EMAIL or ch.isspace() for ch in local + domain)
        and unsafe_rule(word) is None
    )


#: The most targets one request may name: a bulk change of 500 takes Kaiten (5 requests a
#: second, 100 users a read) under two minutes; a longer list is refused before any vendor call.
MAX_TARGETS = 500


def too_many(count: int, obj: str) -> str:
    return (
        f"A request may name at most {MAX_TARGETS} {obj}s; this one names {count}. "
        "Split the list into several requests."
    )


def targets(vendor: str, obj: str, words: str) -> tuple[tuple[str, ...], str | None]:
    """(the targets in a comma-separated list, duplicates dropped; the first word that is no
    target, or None). E-mail addresses are compared without regard to case."""
    found: dict[str, str] = {}
    for raw in words.split(","):
        if not raw.strip():
            continue
        normal = target(vendor, obj, raw)
        if normal is None:
            return (), raw.strip()
        found.setdefault(normal.casefold() if "@" in normal else normal, normal)
    return tuple(found.values()), None
