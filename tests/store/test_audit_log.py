"""Reading the audit log: `/steward history [<vendor> [<target>]]`, `/steward status <id>`, and
`steward audit --since … --format jsonl|csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from bot.errors import InvalidValue
from bot.store.audit import export, parse_since
from bot.store.core import Store

from .conftest import Clock, NewRequest


async def _three_requests(store: Store, new_request: NewRequest, clock: Clock) -> list[str]:
    kaiten = await new_request()
    clock.advance(hours=1)
    hub = await new_request(
        vendor="hub", targets=[{"id": "9f1c", "label": "Vera <vera@acme.test>"}], fields={"banned": True}
    )
    clock.advance(hours=1)
    other = await new_request(targets=["77"], reason='=HYPERLINK("http://evil")')
    await store.transition(other.id, "pending", "cancelled", "U0ANNA", "cancelled")
    return [kaiten.id, hub.id, other.id]


async def test_history_filters_by_vendor_target_time_and_count(
    store: Store, new_request: NewRequest, clock: Clock
) -> None:
    kaiten, hub, other = await _three_requests(store, new_request, clock)

    assert [e.request_id for e in await store.audit(vendor="hub")] == [hub]
    assert [e.request_id for e in await store.audit(vendor="kaiten", target="42")] == [kaiten]
    assert [e.request_id for e in await store.audit(target="BORIS@acme.test")] == [kaiten]
    assert [e.request_id for e in await store.audit(target="vera@acme.test")] == [hub]
    assert await store.audit(target="4") == []  # a target matches whole, not a part of "42"
    assert await store.audit(target="%") == []
    since = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    assert [(e.request_id, e.event) for e in await store.audit(since=since)] == [
        (other, "created"),
        (other, "cancelled"),
    ]
    latest = await store.audit(limit=2)
    assert [e.event for e in latest] == ["created", "cancelled"]  # the latest two, oldest first
    assert [e.event for e in await store.audit(request_id=other.lower())] == ["created", "cancelled"]


async def test_export_as_json_lines(store: Store, new_request: NewRequest, clock: Clock) -> None:
    kaiten, hub, other = await _three_requests(store, new_request, clock)

    lines = [line async for line in export(store, fmt="jsonl")]
    since = [line async for line in export(store, dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), "jsonl")]

    assert all(line.endswith("\n") for line in lines)
    rows = [json.loads(line) for line in lines]
    assert [(r["request_id"], r["event"]) for r in rows] == [
        (kaiten, "created"),
        (hub, "created"),
        (other, "created"),
        (other, "cancelled"),
    ]
    assert rows[0] == {
        "id": rows[0]["id"],
        "at": "2026-03-02T09:00:00+00:00",
        "request_id": kaiten,
        "vendor": "kaiten",
        "actor": "U0ANNA",
        "event": "created",
        "from_state": None,
        "to_state": "pending",
        "detail": rows[0]["detail"],
    }
    assert rows[0]["detail"]["fields"] == {"username": "bpetrov"}
    assert [json.loads(line)["request_id"] for line in since] == [hub, other, other]


async def test_export_as_csv(store: Store, new_request: NewRequest, clock: Clock) -> None:
    kaiten, _, other = await _three_requests(store, new_request, clock)

    text = "".join([line async for line in export(store, fmt="csv")])

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "id",
        "at",
        "request_id",
        "vendor",
        "actor",
        "event",
        "from_state",
        "to_state",
        "detail",
    ]
    assert [(r["request_id"], r["event"], r["to_state"]) for r in rows][::3] == [
        (kaiten, "created", "pending"),
        (other, "cancelled", "cancelled"),
    ]
    assert json.loads(rows[0]["detail"])["targets"][0]["id"] == "42"
    assert rows[0]["from_state"] == ""
    # A reason written as a spreadsheet formula stays text inside the JSON cell.
    assert json.loads(rows[2]["detail"])["reason"].startswith("=HYPERLINK")


async def test_export_reads_in_batches(store: Store, new_request: NewRequest) -> None:
    for _ in range(5):
        await new_request()
    entries = [entry async for entry in store.iter_audit(batch=2)]
    assert len(entries) == 5 and [e.id for e in entries] == sorted(e.id for e in entries)
    with pytest.raises(InvalidValue, match="--format"):
        [line async for line in export(store, fmt="xml")]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("7d", dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC)),
        ("12h", dt.datetime(2026, 3, 1, 21, 0, tzinfo=dt.UTC)),
        ("2026-01-31", dt.datetime(2026, 1, 31, tzinfo=dt.UTC)),
        ("2026-01-31T12:00", dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)),
        ("2026-01-31T12:00+03:00", dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC)),
    ],
)
def test_since_takes_a_date_a_time_or_an_age(text: str, since: dt.datetime) -> None:
    assert parse_since(text, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)) == since


def test_since_explains_what_it_takes() -> None:
    with pytest.raises(InvalidValue, match=r"--since.*a date \(2026-01-31\).*an age"):
        parse_since("last week", dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
