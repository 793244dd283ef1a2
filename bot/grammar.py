"""The words of a /steward command: splitting text into tokens (quotes and JSON kept whole),
turning a typed value into what a field's type expects, and quoting a value back into text."""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from typing import Any

from pydantic import BaseModel, SecretStr

from bot.errors import InvalidValue

#: Openers and their closers: straight quotes, and the typographic ones Slack clients insert.
QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "„": "“", "‘": "’", "’": "’", "«": "»"}
BRACKETS = {"{": "}", "[": "]"}
TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}


class Token(str):
    """A word of the command; `quoted` when its value part was written in quotes."""

    quoted: bool = False


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    closer = QUOTES[text[i]]
    end = text.find(closer, i + 1)
    if end < 0:
        raise ValueError(f"a quote {text[i]} is not closed")
    return text[i + 1 : end], end + 1


def _read_bracketed(text: str, i: int) -> tuple[str, int]:
    depth, j, in_string = 0, i, False
    while j < len(text):
        ch = text[j]
        if in_string:
            if ch == "\\":
                j += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in BRACKETS:
            depth += 1
        elif ch in BRACKETS.values():
            depth -= 1
            if depth == 0:
                return text[i : j + 1], j + 1
        j += 1
    raise ValueError(f"a {text[i]} is not closed")


def tokens(text: str) -> list[Token]:
    """Split on white space; a quoted part, or a JSON object or list, stays one token. A list
    written with spaces after its commas (`a@x.com, b@x.com`) is joined back together."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        parts: list[str] = []
        quoted = False
        while i < n and not text[i].isspace():
            ch = text[i]
            after_eq = bool(parts) and parts[-1].endswith("=")
            if ch in QUOTES and (not parts or after_eq):
                value, i = _read_quoted(text, i)
                parts.append(value)
                quoted = True
            elif ch in BRACKETS and (not parts or after_eq):
                value, i = _read_bracketed(text, i)
                parts.append(value)
            else:
                parts.append(ch)
                i += 1
        token = Token("".join(parts))
        token.quoted = quoted
        if (
            out
            and (out[-1].endswith(",") or (token.startswith(",") and not token.quoted))
            and "=" not in token
        ):
            joined = Token(out[-1] + token)
            joined.quoted = out[-1].quoted
            out[-1] = joined
        else:
            out.append(token)
    return out


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), len(rest) < len(args)
    return annotation, False


def coerce(model: type[BaseModel], name: str, raw: str, quoted: bool) -> Any:
    """A typed value for `model.name`, from how it was typed. Type errors the model would report
    anyway (a word where a number goes) are left for the model, which names the rule."""
    kind, nullable = _unwrap(model.model_fields[name].annotation)
    if raw.strip().lower() == "null" and not quoted:
        if not nullable:
            raise InvalidValue(name, "cannot be null: this field always has a value", raw)
        return None
    origin = typing.get_origin(kind) or kind
    if kind is bool:
        word = raw.strip().lower()
        return True if word in TRUE else False if word in FALSE else raw
    if origin is dict or (origin is list and raw.lstrip().startswith("[")):
        try:
            return json.loads(raw)
        except ValueError:
            shape = (
                'a JSON object, like {"key": "value"}' if origin is dict else 'a JSON list, like ["a", "b"]'
            )
            raise InvalidValue(name, f"must be {shape}", raw) from None
    if origin is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def text_of(value: Any) -> str:
    """A field value as the grammar writes it, quoted when needed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.name)
    if isinstance(value, SecretStr):
        return "•••"
    if isinstance(value, list) and all(_plain_item(v) for v in value):
        return ",".join(str(v.value if isinstance(v, enum.Enum) else v) for v in value) or "[]"
    if isinstance(value, list | dict):
        data = (
            [v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v for v in value]
            if isinstance(value, list)
            else value
        )
        return json.dumps(data, ensure_ascii=False, default=str)
    return quote(str(value))


def _plain_item(value: Any) -> bool:
    if isinstance(value, enum.Enum | uuid.UUID):
        return True
    return (
        isinstance(value, str) and value != "" and not any(c in value for c in ', "[]{}') and value != "null"
    )


def quote(value: str) -> str:
    """`value` as one token: bare when it can be, else in the first quotes it does not contain."""
    risky = not value or value.lower() == "null" or value[:1] in (*QUOTES, *BRACKETS)
    if not risky and not any(c.isspace() for c in value):
        return value
    for left, right in (('"', '"'), ("«", "»"), ("“", "”"), ("'", "'")):
        if right not in value:
            return f"{left}{value}{right}"
    raise InvalidValue("value", "cannot hold every kind of quote at once", value)
