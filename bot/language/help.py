"""`/steward help [vendor]`: the usage, how values are written, and each object's fields with
their rules, read from the update models, and an example of each action.

Plain text for a code block: no backticks, no Slack markup (`<…>` placeholders are escaped by
the Slack layer like any text). Paragraphs are separated by blank lines and each stays under
Slack's 3,000 characters per section."""

from __future__ import annotations

import enum
import typing
import uuid

from pydantic import BaseModel

from bot.language.targets import FORMS
from bot.language.usage import ACTIONS, SECRET_FIELDS, USAGE_LINES
from bot.language.values import unwrap
from bot.vendors import MODELS, VENDOR_NAMES, UpdateModel, enum_rule
from bot.vendors.kaiten import Permission

WHAT = {
    "/steward": "open the request form (a change, a group's members, or an offboarding)",
    "/steward help [kaiten|onlyoffice|hub]": "this help",
    "/steward check": "who Steward is on each vendor (admins)",
    "/steward <vendor> user <target>": "the user as Steward reads it (admins)",
    "/steward kaiten group <target>": "the group as Steward reads it (admins)",
    "/steward status <request-id>": "a request of yours or of a vendor you administer or approve for",
    "/steward history [refused] [<vendor> [<target>]]": "latest audit entries of those vendors, or refusals",
    "/steward offboard <person> [reason=<text>]": "switch a person off on every vendor you administer",
    "/steward revert <request-id> [reason=<text>]": "ask to set back what a finished request changed",
}
VALUES = """\
Targets: an id, an e-mail address or a Slack mention; several separated by commas (at most 500).
Values: field=value; spaces around = are allowed. A value with spaces goes in quotes:
  "…", '…', “…”, ‘…’, «…» or „…“. Booleans: true/false, yes/no, on/off, 1/0.
  null clears a field that allows it (a quoted "null" is the text null).
  Lists: a,b,c or JSON ["a","b"]. Objects: JSON, like {"daily": true}.
Words, field names and enum names are case-insensitive; reason="…" (up to 1,000 characters)
  may follow any action. A command is at most 4,000 characters.
For a while: grant, add, reactivate, enable, unban and set take for 8h (s, m, h or d) or
  until 2026-12-24 18:00 (UTC unless it carries an offset like +03:00), before or after the
  reason; Steward sets the change back then by itself. Only a change that needs approval, and
  for at most the policy's max_for (30 days unless the operator says otherwise).
Who sees what: status answers the requester and the vendor's admins and approvers; history,
  check, showing a target and the form are for admins, and show only their vendors.
Need approval by default: passwords, Kaiten username and group permissions, ONLYOFFICE
  disable/enable and isVisitor, Hub ban/unban, login and email, and any change to Steward's own
  account on a vendor."""
#: Each works against the sandbox as written (its sample company: `steward sandbox --list`).
EXAMPLES = {
    "kaiten": (
        "/steward kaiten user anna.petrova@acme.test,boris.ivanov@acme.test set theme=dark lng=en",
        '/steward kaiten user 2 set full_name="Anna Petrova-Smirnova" reason="married"',
        "/steward kaiten group 00000000-0000-4000-8000-000000000001 set permissions=members,spaces",
        '/steward kaiten group 00000000-0000-4000-8000-000000000001 grant tags reason="audit"',
        "/steward kaiten group 00000000-0000-4000-8000-000000000001 revoke billing",
        "/steward kaiten user anna.petrova@acme.test",
        '/steward kaiten user boris.ivanov@acme.test deactivate reason="left the company"',
        '/steward kaiten group "QA engineers" add boris.ivanov@acme.test',
    ),
    "onlyoffice": (
        '/steward onlyoffice user anna.petrova@acme.test set title="Head of QA" location=Berlin',
        '/steward onlyoffice user anna.petrova@acme.test disable reason="left the company"',
        "/steward onlyoffice user gleb.orlov@acme.test enable",
        '/steward onlyoffice user anna.petrova@acme.test set contacts=[{"Type":"skype","Value":"anna.p"}]',
        "/steward onlyoffice user anna.petrova@acme.test set email=anna.smirnova@acme.test",
        "/steward onlyoffice group Engineering members",
    ),
    # not a vendor's: one request across every vendor the requester administers
    "offboard": ('/steward offboard julia.meyer@acme.test reason="left the company"',),
    "hub": (
        '/steward hub user anna.petrova@acme.test set name="Anna Petrova-Smirnova"',
        '/steward hub user anna.petrova@acme.test ban reason="left the company"',
        "/steward youtrack user emil.novak@acme.test unban",
        '/steward hub group "Engineering" remove chen.wei@acme.test reason="moved to QA"',
    ),
}

OFFBOARDING = (
    "Offboarding: one request, always approved first, that deactivates the person in Kaiten,\n"
    "  disables them in ONLYOFFICE and bans them in Hub (the reason becomes banReason), on the\n"
    "  vendors you administer. The card lists the groups they are in (not removed).\n"
    "  example: " + EXAMPLES["offboard"][0]
)


def help_text(vendor: str | None = None, *, sandbox: str | None = None) -> str:
    """Usage and value syntax, then the fields and examples of `vendor`, or of every vendor.
    `help sandbox` is the sandbox's sample company (`sandbox`: its listing, None when it is off)."""
    if vendor == "sandbox":
        if sandbox is None:
            return "The sandbox is off on this Steward (STEWARD_SANDBOX=true turns it on)."
        return "The sandbox's sample company (every example in help works on it):\n\n" + sandbox
    usage = [f"{line:<40} {WHAT[line]}" if line in WHAT else line for line in USAGE_LINES]
    parts = ["Usage:\n" + "\n".join(usage), VALUES, OFFBOARDING]
    parts += [vendor_help(key) for key in ([vendor] if vendor else list(ACTIONS))]
    return "\n\n".join(parts)


def vendor_help(vendor: str) -> str:
    lines = [f"{VENDOR_NAMES[vendor]} ({vendor}{', alias youtrack' if vendor == 'hub' else ''})"]
    for obj, model in MODELS[vendor].items():
        lines.append(f"{obj}: {', '.join(ACTIONS[vendor][obj])}. Targets: {FORMS[(vendor, obj)]}.")
        lines += [
            f"  {name}: {rule(model, name)}" for name in model.model_fields if name not in SECRET_FIELDS
        ]
        secret = [name for name in model.model_fields if name in SECRET_FIELDS]
        if secret:
            lines.append(
                f"  {', '.join(secret)}: only through the form, if the operator allows password changes"
            )
    lines.append("examples:")
    lines += [f"  {example}" for example in EXAMPLES[vendor]]
    return "\n".join(lines)


def rule(model: type[UpdateModel], name: str) -> str:
    """'text, 1..128 characters; Full name' — what a field takes, from its annotation."""
    info = model.model_fields[name]
    kind, nullable = unwrap(info.annotation)
    kind_text = _kind(kind, name)
    parts = [kind_text]
    low = high = None
    for item in info.metadata:
        low = getattr(item, "min_length", low)
        high = getattr(item, "max_length", high)
    if low == high and low is not None:
        parts.append(f"exactly {low} characters")
    elif high is not None:
        parts.append(f"{low or 0}..{high} characters")
    elif low:
        parts.append(f"at least {low} character{'s' if low > 1 else ''}")
    if nullable:
        parts.append("null clears it")
    # The names of an enum, a permission or a list of choices already say what the description says.
    said = (
        kind_text.startswith("one of")
        or name == "permissions"
        or (kind_text.startswith("list of ") and "/" in kind_text)
    )
    described = (info.description or "").replace(f" ({kind_text})", "")
    return ", ".join(parts) + (f" ({described})" if described and not said else "")


def _kind(kind: typing.Any, name: str) -> str:
    origin = typing.get_origin(kind) or kind
    if name == "permissions":
        listed = ", ".join(f"{p.name} ({p.value})" for p in Permission)
        return f"a number, or names joined with commas: {listed}"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return enum_rule(kind).removeprefix("must be ")
    if kind is bool:
        return "true/false"
    if kind is int:
        return "whole number"
    if kind is uuid.UUID:
        return "GUID"
    if origin is dict:
        return "JSON object"
    if origin is list:
        (item,) = typing.get_args(kind)
        if typing.get_origin(item) is typing.Literal:
            return "list of " + "/".join(str(a) for a in typing.get_args(item)) + ", comma-separated"
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "JSON list"
        return f"list of {'GUIDs' if item is uuid.UUID else 'values'}, comma-separated"
    return "text"
