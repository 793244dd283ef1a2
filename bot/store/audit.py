"""The audit log's entries, the masking every stored value goes through, and the export behind
`steward audit [--since …] [--format jsonl|csv]`.

Masking happens where values enter the store, so nothing that reads the database (an export, a
backup, an operator's SQL) can see a secret: a key named like a password, token or secret keeps
its place but holds "•••", and so does any `SecretStr` or raw bytes value.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import re
import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import DurationTooLong, parse_duration
from bot.errors import InvalidValue
from bot.store.schema import audit, requests

MASK = "•••"
SECRET_NAME = re.compile(r"password|passwd|passphrase|token|secret|authorization|api_?key", re.IGNORECASE)
#: Keys that name a field rather than hold its value: {"name": "password", "requested": …}.
_NAMING_KEYS = ("name", "field")

#: Events that say somebody was refused: a command, or a click on a card.
REFUSALS = ("refused", "refused_click")

CSV_COLUMNS = ("id", "at", "request_id", "vendor", "actor", "event", "from_state", "to_state", "detail")


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def mask(value: Any) -> Any:
    """A JSON-ready copy of `value` with every secret replaced by "•••".

    Masked: values under a key named like password/old_password/token/secret; in a mapping
    that names a secret field ({"name": "password", "current": …, "requested": …}) every value
    but the name; any `SecretStr`; any bytes. Dates become ISO text, enums their value, UUIDs
    and paths text, pydantic models and dataclasses mappings.
    """
    if isinstance(value, SecretStr | bytes | bytearray | memoryview):
        return MASK
    if value is None or (isinstance(value, bool | int | float | str) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return mask(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | PurePath | decimal.Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return mask(value.model_dump(mode="python"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return mask({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return _mask_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [mask(item) for item in items]
    return str(value)


def _mask_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    names_secret = any(isinstance(value.get(key), str) and is_secret_name(value[key]) for key in _NAMING_KEYS)
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key)
        names_value = names_secret and name not in (*_NAMING_KEYS, "hidden")
        if item is not None and (is_secret_name(name) or names_value):
            out[name] = MASK
        else:
            out[name] = mask(item)
    return out


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log. `from_state`/`to_state` are set for transitions only."""

    id: int
    at: dt.datetime
    request_id: str | None
    vendor: str | None
    actor: str
    event: str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "request_id": self.request_id,
            "vendor": self.vendor,
            "actor": self.actor,
            "event": self.event,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "detail": self.detail,
        }


#: Built once: the parameters go in at execution, so SQLAlchemy neither builds nor keys it anew.
_INSERT = audit.insert()


def write(
    conn: sa.Connection,
    request_id: str | None,
    actor: str,
    event: str,
    detail: Mapping[str, Any] | None,
    *,
    at: dt.datetime,
    vendor: str | None,
    move: tuple[str | None, str | None] = (None, None),
) -> None:
    """Append one entry, in the caller's transaction; `move` is (from_state, to_state)."""
    values = {"request_id": request_id, "at": at, "vendor": vendor, "actor": actor, "event": event}
    values |= {"from_state": move[0], "to_state": move[1], "detail": None if detail is None else mask(detail)}
    conn.execute(_INSERT, values)


async def read(
    engine: AsyncEngine,
    request_id: str | None = None,
    since: dt.datetime | None = None,
    vendor: str | Collection[str] | None = None,
    target: str | None = None,
    limit: int | None = None,
    refused: bool | None = None,
) -> list[AuditEntry]:
    """Entries matching every filter given, oldest first; with `limit`, the latest `limit`.
    `vendor` is one vendor or several; `target` matches a request's target id, e-mail or label
    exactly (any case); `refused` True keeps only refusals (`REFUSALS`), False leaves them out."""
    query = sa.select(audit)
    if refused is not None:
        query = query.where(audit.c.event.in_(REFUSALS) if refused else audit.c.event.not_in(REFUSALS))
    if request_id is not None:
        query = query.where(audit.c.request_id == request_id.strip().upper())
    if since is not None:
        query = query.where(audit.c.at >= since)
    if isinstance(vendor, str):
        query = query.where(audit.c.vendor == vendor)
    elif vendor is not None:
        query = query.where(audit.c.vendor.in_(list(vendor)))
    if target is not None:
        query = query.join(requests, requests.c.id == audit.c.request_id)
        query = query.where(requests.c.target_keys.contains(f"\n{target.strip().lower()}\n", autoescape=True))
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(audit.c.id.desc()).limit(limit))).mappings().all()
    return [AuditEntry(**row) for row in reversed(rows)]


async def iterate(
    engine: AsyncEngine, since: dt.datetime | None = None, batch: int = 500
) -> AsyncIterator[AuditEntry]:
    """Every entry from `since` on, oldest first, read `batch` at a time."""
    after = 0
    while True:
        query = sa.select(audit).where(audit.c.id > after).order_by(audit.c.id).limit(batch)
        if since is not None:
            query = query.where(audit.c.at >= since)
        async with engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        for row in rows:
            yield AuditEntry(**row)
        if len(rows) < batch:
            return
        after = rows[-1]["id"]


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    """`--since`: a date (2026-01-31, midnight UTC), a time (2026-01-31T12:00, UTC unless it
    says otherwise) or an age (7d, 12h) counted back from `now`."""
    too_far = "goes back further than the calendar does; give a date such as 2026-01-31"
    try:
        return now - parse_duration(text)
    except (DurationTooLong, OverflowError):  # an age of more than 999,999,999 days, or before year 1
        raise InvalidValue("--since", too_far, text) from None
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(
            "--since", "must be a date (2026-01-31), a time (2026-01-31T12:00) or an age (7d, 12h)", text
        ) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


class Engined(Protocol):
    """What `export` reads from: the store (anything with its engine)."""

    @property
    def engine(self) -> AsyncEngine: ...


async def export(
    store: Engined, since: dt.datetime | None = None, fmt: Literal["jsonl", "csv"] = "jsonl"
) -> AsyncIterator[str]:
    """The audit log from `since` on, oldest first, one line at a time (each ends with "\\n").

    jsonl: one JSON object per entry. csv: a header line, then one row per entry with `detail`
    as JSON text; a cell a spreadsheet would run as a formula gets a leading apostrophe.
    """
    if fmt not in ("jsonl", "csv"):
        raise InvalidValue("--format", "must be jsonl or csv", fmt)
    if fmt == "csv":
        yield _csv_line(CSV_COLUMNS)
    async for entry in iterate(store.engine, since):
        data = entry.as_dict()
        if fmt == "jsonl":
            yield json.dumps(data, ensure_ascii=False) + "\n"
        else:
            data["detail"] = "" if entry.detail is None else json.dumps(entry.detail, ensure_ascii=False)
            yield _csv_line(_cell(data[column]) for column in CSV_COLUMNS)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(cells: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(list(cells))
    return buffer.getvalue()
