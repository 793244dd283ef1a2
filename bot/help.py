"""`/steward help`: the usage, and each object's fields with their rules, read from the models."""

from __future__ import annotations

import enum
import typing

from bot.grammar import _unwrap
from bot.policy import VENDOR_NAMES, VENDORS
from bot.vendors.fields import UpdateModel, enum_rule

EXAMPLES = {
    "kaiten": [
        '/steward kaiten user anna@acme.com set full_name="Anna Petrova" theme=dark',
        '/steward kaiten user 42,43 set email_frequency=never reason="quiet please"',
        "/steward kaiten group 00000000-0000-4000-8000-000000000001 grant billing,tags",
        "/steward kaiten group 00000000-0000-4000-8000-000000000001 set permissions=members,spaces",
    ],
    "onlyoffice": [
        '/steward onlyoffice user anna@acme.com set title="Head of QA" location=Berlin',
        '/steward onlyoffice user anna@acme.com disable reason="left the company"',
        '/steward onlyoffice user anna@acme.com set contacts=[{"Type":"skype","Value":"anna.p"}]',
    ],
    "hub": [
        '/steward hub user anna@acme.com set name="Anna Petrova" email=anna.p@acme.com',
        '/steward hub user anna@acme.com ban reason="left the company"',
        "/steward youtrack user me unban",
    ],
}


def rule(model: type[UpdateModel], name: str) -> str:
    info = model.model_fields[name]
    kind, nullable = _unwrap(info.annotation)
    origin = typing.get_origin(kind) or kind
    parts: list[str] = []
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        parts.append(enum_rule(kind).removeprefix("must be "))
    elif kind is bool:
        parts.append("true/false")
    elif origin is list:
        parts.append("list, comma-separated or JSON")
    elif origin is dict:
        parts.append("JSON object")
    elif kind is int:
        parts.append("number")
    low = high = None
    for item in info.metadata:
        low = getattr(item, "min_length", low)
        high = getattr(item, "max_length", high)
    if low is not None or high is not None:
        parts.append(f"{low or 0}..{high}" if high is not None else f"at least {low}")
        parts[-1] += " characters"
    if nullable:
        parts.append("null clears it")
    tail = f" ({'; '.join(parts)})" if parts else ""
    return f"  {name}{tail}: {info.description or ''}"


def describe(vendor: str | None = None) -> str:
    from bot.commands import MODELS, SECRET_FIELDS, USAGE

    lines = ["Usage:", "/steward                     open the request form"]
    lines += sorted(set(USAGE.values()), key=list(USAGE.values()).index)
    lines.append("Targets: vendor ids, e-mail addresses or @mentions, comma-separated for several.")
    for key in [vendor] if vendor else VENDORS:
        lines.append("")
        lines.append(f"{VENDOR_NAMES[key]}:")
        for obj, model in MODELS[key].items():
            lines.append(f" {obj} fields:")
            lines += [rule(model, n) for n in model.model_fields if n not in SECRET_FIELDS]
            if any(n in SECRET_FIELDS for n in model.model_fields):
                lines.append("  password: only through the form, when the operator allows password changes")
        lines.append(" examples:")
        lines += [f"  {e}" for e in EXAMPLES[key]]
    return "\n".join(lines)
