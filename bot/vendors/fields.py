"""Shared pieces of the vendor field models: enums by name, and pydantic errors made readable.

Every update model is a frozen pydantic model with `extra="forbid"`; a field left out is "not
given" (`model_fields_set`), which is different from `null` for the nullable fields. No text in
a value, JSON included, holds a character `unsafe_rule` refuses.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, field_validator

from bot.errors import InvalidValue

E = TypeVar("E", bound=enum.Enum)
M = TypeVar("M", bound=BaseModel)

#: The longest free text Steward sends where the vendor documents no limit.
FREE_TEXT = 1000
#: What no value may hold, because it would not show as what it is: control characters (C0,
#: DEL and C1, so also tab, newline and carriage return), the line and paragraph separators,
#: and the direction embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069), which
#: reorder the text shown after them. One character class: a search is one pass.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same, a newline allowed: for the text of a reason.
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def unsafe_rule(text: str, *, newline: bool = False) -> str | None:
    """The rule `text` breaks by holding a character `_UNSAFE` lists, naming the first one by
    its code point; None when it holds none. `newline` allows newlines (a reason's lines)."""
    found = (_UNSAFE_BUT_NEWLINE if newline else _UNSAFE).search(text)
    if found is None:
        return None
    what = (
        "control characters other than newlines, line separators"
        if newline
        else "control characters, line breaks"
    )
    return f"must not hold {what} or text-direction controls, and U+{ord(found.group()):04X} is one"


def visible(text: str) -> str:
    """`text` with each character `_UNSAFE` lists written as its escape (`\\n`, `\\u202e`), for
    quoting a refused value back without the character doing what it does."""
    return _UNSAFE.sub(lambda found: repr(found.group())[1:-1], text)


def _unsafe_in(value: Any, newline: bool) -> str | None:
    """`unsafe_rule` of a text anywhere in `value`, keys and items of JSON too; without
    recursion, since JSON may nest as deep as the parser allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            rule = unsafe_rule(item, newline=newline)
            if rule is not None:
                return rule
        elif isinstance(item, BaseModel):
            stack += [getattr(item, name) for name in type(item).model_fields]
        elif isinstance(item, Mapping):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            stack += item
    return None


class UpdateModel(BaseModel):
    """Base of every update body. Only the fields that were given are sent."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)
    #: Fields that carry the request's reason, and so may hold newlines like it (Hub's banReason).
    MULTILINE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _shows_as_it_is(cls, value: Any, info: ValidationInfo) -> Any:
        """No text in a value holds what `unsafe_rule` refuses (passwords are never shown)."""
        if isinstance(value, SecretStr):
            return value
        rule = _unsafe_in(value, newline=info.field_name in cls.MULTILINE)
        if rule is not None:
            raise ValueError(rule)
        return value

    def given(self) -> dict[str, Any]:
        """The given fields as Python values (SecretStr kept wrapped)."""
        return {name: getattr(self, name) for name in self.model_fields_set}

    def body(self) -> dict[str, Any]:
        """The given fields as the JSON body the vendor expects, secrets revealed for sending only."""
        data = self.model_dump(mode="json", exclude_unset=True)
        for name in self.model_fields_set:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                data[name] = value.get_secret_value()
        return data


def by_name(enum_cls: type[E]) -> Callable[[Any], Any]:
    """A before-validator letting an enum field take its documented number or its name.

    `theme=dark`, `avatar_type=initials` and `avatar_type=2` all mean the same thing; names are
    case-insensitive and digits in a string are taken as the number.
    """
    names = {member.name.lower(): member for member in enum_cls}

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in names:
                return names[text.lower()]
            if text.lstrip("-").isdigit():
                return int(text)
        return value

    return convert


def enum_rule(enum_cls: type[enum.Enum]) -> str:
    """'one of gravatar (1), initials (2), uploaded (3)', or 'one of light, dark, auto'."""
    parts = []
    for member in enum_cls:
        if isinstance(member.value, int) and not isinstance(member.value, bool):
            parts.append(f"{member.name} ({member.value})")
        else:
            parts.append(str(member.value))
    return "must be one of " + ", ".join(parts)


_RULES: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "too_short": lambda c: f"must have at least {c.get('min_length')} item(s)",
    "too_long": lambda c: f"must have at most {c.get('max_length')} item(s)",
    "string_type": lambda c: "must be text",
    "int_parsing": lambda c: "must be a whole number",
    "int_type": lambda c: "must be a whole number",
    "int_from_float": lambda c: "must be a whole number",
    "bool_parsing": lambda c: "must be true or false (yes/no, on/off, 1/0)",
    "bool_type": lambda c: "must be true or false (yes/no, on/off, 1/0)",
    "dict_type": lambda c: 'must be a JSON object, like {"key": "value"}',
    "list_type": lambda c: "must be a list of values separated by commas",
    "uuid_parsing": lambda c: "must be a GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "uuid_type": lambda c: "must be a GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "greater_than_equal": lambda c: f"must be at least {c.get('ge')}",
    "less_than_equal": lambda c: f"must be at most {c.get('le')}",
    "literal_error": lambda c: f"must be one of {c.get('expected', '')}".replace("'", ""),
    "extra_forbidden": lambda c: "is not a field of this object",
    "missing": lambda c: "is required",
}


def _length_rule(model: type[BaseModel], field: str) -> str:
    low = high = None
    for item in model.model_fields[field].metadata:
        low = getattr(item, "min_length", low)
        high = getattr(item, "max_length", high)
    if low is not None and high is not None:
        return f"must be exactly {low} characters" if low == high else f"must be {low} to {high} characters"
    if low is not None:
        return f"must be at least {low} characters"
    return f"must be at most {high} characters"


def readable(error: pydantic.ValidationError, model: type[BaseModel]) -> InvalidValue:
    """The first problem of a pydantic error, as `InvalidValue(field, rule, value)`."""
    first = error.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    field = loc[0] if loc else model.__name__
    ctx: Mapping[str, Any] = first.get("ctx") or {}
    kind = first["type"]
    if kind in ("value_error", "assertion_error"):
        rule = str(ctx.get("error", first["msg"]))
    elif kind == "enum":
        rule = f"must be one of {ctx.get('expected', '')}".replace("'", "")
        annotation = model.model_fields[field].annotation if field in model.model_fields else None
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            rule = enum_rule(annotation)
    elif kind in _LENGTH_ERRORS and field in model.model_fields and _is_text(model, field):
        rule = _length_rule(model, field)
    else:
        known = _RULES.get(kind)
        rule = known(ctx) if known is not None else str(first["msg"]).lower()
    value = first.get("input")
    if field in model.model_fields and _is_secret(model, field):
        value = "(hidden)"
    elif isinstance(value, str):
        value = visible(value)
    if len(loc) > 1:
        field = field + "." + ".".join(loc[1:])
    return InvalidValue(field, rule, value)


_LENGTH_ERRORS = ("string_too_short", "string_too_long", "too_short", "too_long")


def _is_text(model: type[BaseModel], field: str) -> bool:
    annotation = repr(model.model_fields[field].annotation)
    return "str" in annotation.lower() and "list" not in annotation.lower()


def _is_secret(model: type[BaseModel], field: str) -> bool:
    annotation = model.model_fields[field].annotation
    return "SecretStr" in repr(annotation)


def build(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate `data` against `model`, raising `InvalidValue` that names field, rule and value."""
    try:
        return model.model_validate(dict(data))
    except pydantic.ValidationError as err:
        raise readable(err, model) from None
