"""A field's value in a command: typed text turned into what the update model's annotation
expects (the model then checks it), and a validated value written back as text."""

from __future__ import annotations

import enum
import json
import re
import types
import typing
import uuid
from typing import Any

from pydantic import BaseModel, SecretStr

from bot.errors import InvalidValue
from bot.language.grammar import QUOTES, quote

TRUE = frozenset({"true", "yes", "on", "1"})
FALSE = frozenset({"false", "no", "off", "0"})
#: Slack sends a typed e-mail address, URL or phone number as a link: <mailto:a@b.c|a@b.c>,
#: <https://x.test/a.png>, <tel:+491701234|+49 170 1234>.
_LINK = re.compile(
    r"^<(?:mailto:(?P<mail>[^|<>]+)|(?P<url>https?://[^|<>]+)|tel:(?P<tel>[^|<>]+))(?:\|(?P<label>[^<>]*))?>$"
)
_BARE_ITEM = re.compile(r"[^\s,<\[\]{}]+")
#: Slack clients turn the straight quotes of JSON into typographic ones.
_SMART_DOUBLE = str.maketrans({"“": '"', "”": '"', "„": '"'})


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without None, whether None is allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), len(rest) < len(args)
    return annotation, False


def unlink(raw: str) -> str:
    """The address inside a Slack link, or `raw` when it is not one."""
    link = _LINK.match(raw)
    if link is None:
        return raw
    return link["mail"] or link["url"] or link["label"] or link["tel"]


def coerce(model: type[BaseModel], name: str, raw: str, quoted: bool) -> Any:
    """The Python value `model.name` expects, from the text typed for it. A value of the wrong
    kind (a word where a number goes) is passed on as text: the model names the rule it breaks."""
    kind, nullable = unwrap(model.model_fields[name].annotation)
    if not quoted:
        if raw.lower() == "null":
            if not nullable:
                raise InvalidValue(name, "cannot be null: it always has a value", "null")
            return None
        raw = unlink(raw)
    origin = typing.get_origin(kind) or kind
    if kind is bool:
        word = raw.strip().lower()
        return True if word in TRUE else False if word in FALSE else raw
    if origin is dict or (origin is list and raw.lstrip().startswith("[")):
        shape = 'a JSON object, like {"key": "value"}' if origin is dict else 'a JSON list, like ["a", "b"]'
        return _json(name, raw, shape)
    if origin is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def _json(name: str, raw: str, shape: str) -> Any:
    for text in (raw, raw.translate(_SMART_DOUBLE)):
        try:
            return json.loads(text)
        except RecursionError:
            raise InvalidValue(name, "is nested too deeply", raw) from None
        except ValueError:
            continue
    raise InvalidValue(name, f"must be {shape}", raw)


def text_of(value: Any) -> str:
    """A validated field value as a command writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.name)
    if isinstance(value, SecretStr):
        return "•••"
    if isinstance(value, list) and all(_plain_item(v) for v in value):
        return ",".join(str(v) for v in value) or "[]"
    if isinstance(value, list | dict):
        return json.dumps(_plain(value), ensure_ascii=False)
    if isinstance(value, int | float | uuid.UUID):
        return str(value)
    return quote(str(value))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _plain_item(value: Any) -> bool:
    """Whether a list item survives being written bare between commas."""
    if isinstance(value, uuid.UUID):
        return True
    return (
        isinstance(value, str)
        and bool(_BARE_ITEM.fullmatch(value))
        and value.lower() != "null"
        and value[0] not in QUOTES
    )
