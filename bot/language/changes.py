"""The words of a change after its action: the permissions of grant/revoke, the `field=value`
pairs of `set`, and `reason=`. Each value is typed by its model field, then the whole set is
checked by the model, so a bad value is refused with the model's rule before any call."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.errors import InvalidValue
from bot.language.grammar import Token, list_end
from bot.language.usage import SECRET_FIELDS, CommandError, an, shown, unknown, usage
from bot.language.values import coerce, unlink
from bot.vendors import MODELS, UpdateModel, build, unsafe_rule
from bot.vendors.kaiten import Permission, parse_permissions

#: What `set` with no fields suggests, per object.
EXAMPLES = {
    ("kaiten", "user"): 'full_name="Anna Petrova"',
    ("kaiten", "group"): 'name="QA engineers"',
    ("onlyoffice", "user"): 'title="Head of QA"',
    ("hub", "user"): 'name="Anna Petrova"',
}
_NUMBER = re.compile(r"^[0-9]{1,18}$")
#: Fields a vendor has that Steward does not set, and why, for whoever tries (model, name).
NOT_SETTABLE = {
    # Hub's user attribute `guest` is "whether the user account is the guest account" (Hub REST
    # docs, User attributes): it marks Hub's one built-in account for anonymous visitors.
    (MODELS["hub"]["user"], "guest"): "`guest` is not a field Steward sets: in Hub it marks Hub's one "
    "built-in guest account, the one anonymous visitors use, not a kind of user. To take someone's "
    "access away, use `ban`.",
}
#: The longest reason Steward takes: it is kept with the request and shown on its card, and no
#: vendor bounds it (Hub's banReason, which a ban's reason becomes, takes 1,024).
MAX_REASON = 1000


def no_passwords(allowed: bool, lines: Sequence[str]) -> CommandError:
    problem = (
        "Passwords are accepted only through the form (send /steward with nothing after it), "
        "never in a command, which would leave them in the channel's history."
    )
    if not allowed:
        problem += " Password changes are also turned off by the operator (STEWARD_ALLOW_PASSWORD_CHANGES)."
    return CommandError(problem, lines)


def refuse_secrets(vendor: str, obj: str, words: Sequence[Token], allowed: bool) -> None:
    """Refuse a password anywhere in the command, before any other check could quote a word of it."""
    lines = usage(vendor, obj, "set")
    for word in words:
        name = (word.key or "").lower()
        if name not in SECRET_FIELDS:
            continue
        if name in MODELS[vendor][obj].model_fields:
            raise no_passwords(allowed, lines)
        raise CommandError(
            f"`{name}` is not a field of {an(vendor, obj)}: Steward changes passwords "
            "only of Kaiten users, and only through the form (send /steward with nothing after it).",
            lines,
        )


def fields_for(
    text: str, vendor: str, obj: str, action: str, words: Sequence[Token], lines: Sequence[str]
) -> tuple[dict[str, Any], str]:
    """(the validated fields, the reason) of the words after the action."""
    model = MODELS[vendor][obj]
    fields: dict[str, Any] = {}
    if action in ("grant", "revoke"):
        if not words or words[0].key is not None or words[0].quoted:
            raise CommandError(f"Name the permissions to {action}, like `{action} tags,spaces`.", lines)
        end = list_end(words, 0)
        fields["permissions"] = _permissions("".join(w.value for w in words[: end + 1]), action, lines)
        words = words[end + 1 :]
    pairs = _pairs(text, model, an(vendor, obj), action, words, lines)
    typed, quoted = pairs.pop("reason", ("", True))
    reason = typed if quoted else unlink(typed)
    rule = unsafe_rule(reason, newline=True)  # a reason may run over several lines; no more
    if rule is not None:
        raise CommandError(f"`reason`: {rule}.", lines)
    if action == "set":
        fields = _set(model, pairs, EXAMPLES[(vendor, obj)], lines)
        return fields, _kept(reason, lines)
    if action in ("disable", "enable"):
        fields = {"disable": action == "disable"}
    elif action in ("deactivate", "reactivate"):
        fields = {"temporarily_inactive": action == "deactivate"}
    elif action == "ban":
        fields = {"banned": True, **({"banReason": reason} if reason else {})}
    elif action == "unban":
        fields = {"banned": False}
    try:
        build(model, fields)
    except InvalidValue as err:
        if err.field == "banReason":
            raise CommandError(
                f"`reason` becomes Hub's banReason, which {err.rule} (this one has {len(reason)}).", lines
            ) from None
        raise CommandError(str(err), lines) from None
    return fields, _kept(reason, lines)


def trailing_reason(words: Sequence[Token], after: str, lines: Sequence[str]) -> str:
    """The `reason=…` that may end a command whose other words are read already; any other
    word is an error naming what it follows (`after`: "the people", "the person")."""
    reason = ""
    for word in words:
        if (word.key or "").lower() != "reason":
            raise CommandError(f"After {after}, only `reason=…` may follow; not `{shown(word.raw)}`.", lines)
        reason = word.value if word.quoted else unlink(word.value)
        rule = unsafe_rule(reason, newline=True)
        if rule is not None:
            raise CommandError(f"`reason`: {rule}.", lines)
    return _kept(reason, lines)


def _kept(reason: str, lines: Sequence[str]) -> str:
    """`reason`, refused when it is longer than Steward keeps (checked after the fields, so that
    a ban's reason past Hub's own limit is told Hub's)."""
    if len(reason) > MAX_REASON:
        raise CommandError(
            f"`reason` may be at most {MAX_REASON:,} characters; this one has {len(reason):,}.", lines
        )
    return reason


def _permissions(listed: str, action: str, lines: Sequence[str]) -> int:
    mask = 0
    for item in (part.strip() for part in listed.split(",")):
        if not item:
            continue
        if _NUMBER.match(item):
            mask |= int(item)
        elif item.lower() in Permission.__members__:
            mask |= Permission[item.lower()].value
        else:
            raise CommandError(unknown(item, [p.name or "" for p in Permission], "permission"), lines)
    if not mask:
        raise CommandError(f"Name at least one permission to {action}.", lines)
    try:
        return parse_permissions(mask)
    except ValueError as err:
        raise CommandError(f"`permissions` {err}.", lines) from None


def _pairs(
    text: str, model: type[UpdateModel], of: str, action: str, words: Sequence[Token], lines: Sequence[str]
) -> dict[str, tuple[str, bool]]:
    """{field name: (value as typed, whether it was quoted)}; `reason` among them. A list
    written with spaces after its commas (`a, b`) stays one value."""
    names = [n for n in model.model_fields if n not in SECRET_FIELDS]
    folded = {n.lower(): n for n in names}
    # each value's pieces, joined once at the end: adding each piece to the value so far copies
    # the whole value again for every word of a long list
    pieces: dict[str, list[str]] = {}
    quoted: dict[str, bool] = {}
    last: tuple[str, int] | None = None  # the field of the pair before, and where it ends
    for word in words:
        if word.key is None:
            if last is not None and _continues(pieces[last[0]][-1], quoted[last[0]], word):
                name, end = last
                pieces[name] += [text[end : word.start], word.value]
                last = (name, word.end)
                continue
            hint = ' A value with spaces goes in quotes, like title="Head of QA".' if last else ""
            raise CommandError(f"`{shown(word.value)}` is not a field=value pair.{hint}", lines)
        name = _name(word.key, folded)
        if name != "reason" and action != "set":
            raise CommandError(
                f"`{action}` takes nothing but a reason after it, not `{shown(word.key)}`.", lines
            )
        if name != "reason" and name not in names:
            why = NOT_SETTABLE.get((model, name.lower()))
            raise CommandError(why or unknown(word.key, names, "field", f" of {of}"), lines)
        if name in pieces:
            raise CommandError(f"`{name}` is given twice; give each field once.", lines)
        pieces[name], quoted[name] = [word.value], word.quoted
        last = (name, word.end)
    return {name: ("".join(parts), quoted[name]) for name, parts in pieces.items()}


def _continues(tail: str, quoted: bool, word: Token) -> bool:
    """Whether `word` carries on the comma-separated list of the value before it, which ends
    with `tail` and was `quoted` or not."""
    return not quoted and not word.quoted and (tail.endswith(",") or word.value.startswith(","))


def _name(key: str, folded: dict[str, str]) -> str:
    """The field a key names: its own spelling, or the one field spelt the same in other case."""
    if key.lower() == "reason":
        return "reason"
    return key if key in folded.values() else folded.get(key.lower(), key)


def _set(
    model: type[UpdateModel], pairs: dict[str, tuple[str, bool]], example: str, lines: Sequence[str]
) -> dict[str, Any]:
    if not pairs:
        raise CommandError(f"Say which fields to set, like {example}.", lines)
    data: dict[str, Any] = {}
    for name, (typed, quoted) in pairs.items():
        try:
            data[name] = coerce(model, name, typed, quoted)
        except InvalidValue as err:
            raise CommandError(str(err), lines) from None
    try:
        built = build(model, data)
    except InvalidValue as err:
        raise CommandError(str(err), lines) from None
    return {name: getattr(built, name) for name in data}
