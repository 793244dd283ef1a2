"""`for <duration>` and `until <date time>` (issue 17, point 3): a change that gives access may be
made for a while. Only the actions that give access take it; the time is checked as it is read."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.language.commands import Change, CommandError, Membership, parse

QA = "00000000-0000-4000-8000-000000000001"
HOUR = dt.timedelta(hours=1)


def change(text: str) -> Change:
    parsed = parse(text)
    assert isinstance(parsed, Change), parsed
    return parsed


@pytest.mark.parametrize(
    ("text", "lasting"),
    [
        (f"kaiten group {QA} grant tags for 8h", 8 * HOUR),
        (f'kaiten group {QA} grant tags,spaces for 2d reason="month end"', dt.timedelta(days=2)),
        (f'kaiten group {QA} grant tags reason="month end" for 90m', dt.timedelta(minutes=90)),
        ("kaiten user 42 reactivate FOR 4h", 4 * HOUR),
        ("onlyoffice user anna@acme.test enable for 30s", dt.timedelta(seconds=30)),
        ("hub user anna@acme.test unban for 1d reason=back", dt.timedelta(days=1)),
        ("kaiten user 42 set theme=dark for 4h", 4 * HOUR),
        ("kaiten user 42 set theme=dark lng=en reason=try for 4h", 4 * HOUR),
    ],
)
def test_a_change_that_gives_access_takes_for_a_duration(text: str, lasting: dt.timedelta) -> None:
    parsed = change(text)
    assert parsed.lasting == lasting and parsed.until is None
    assert parse(parsed.text()) == parsed


@pytest.mark.parametrize(
    ("written", "until"),
    [
        ("2099-12-24 18:00", dt.datetime(2099, 12, 24, 18, 0, tzinfo=dt.UTC)),
        ("2099-12-24T18:00", dt.datetime(2099, 12, 24, 18, 0, tzinfo=dt.UTC)),
        ("2099-12-24", dt.datetime(2099, 12, 24, 0, 0, tzinfo=dt.UTC)),
        ("2099-12-24 18:00 UTC", dt.datetime(2099, 12, 24, 18, 0, tzinfo=dt.UTC)),
        ("2099-12-24 18:00+03:00", dt.datetime(2099, 12, 24, 15, 0, tzinfo=dt.UTC)),
        ("2099-12-24T18:00:30-01:00", dt.datetime(2099, 12, 24, 19, 0, 30, tzinfo=dt.UTC)),
    ],
)
def test_until_takes_a_date_and_time_in_utc_unless_it_carries_an_offset(
    written: str, until: dt.datetime
) -> None:
    parsed = change(f"kaiten group {QA} grant tags until {written} reason=audit")
    assert parsed.until == until and parsed.until.tzinfo == dt.UTC and parsed.lasting is None
    assert parsed.reason == "audit"
    assert parse(parsed.text()) == parsed


def test_a_change_without_for_or_until_lasts() -> None:
    parsed = change(f"kaiten group {QA} grant tags")
    assert parsed.lasting is None and parsed.until is None
    assert "for" not in parsed.text().split() and "until" not in parsed.text().split()


def test_a_group_add_takes_for_or_until_before_or_after_its_reason() -> None:
    parsed = parse('kaiten group "Finance" add alan@acme.test for 8h reason="month end"')
    assert parsed == Membership("kaiten", "Finance", "add", ("alan@acme.test",), "month end", 8 * HOUR)
    later = parse("hub group Engineering add alan@acme.test,bob@acme.test reason=x until 2099-01-02 03:04")
    assert isinstance(later, Membership) and later.people == ("alan@acme.test", "bob@acme.test")
    assert later.until == dt.datetime(2099, 1, 2, 3, 4, tzinfo=dt.UTC) and later.reason == "x"


@pytest.mark.parametrize(
    "text",
    [
        f"kaiten group {QA} revoke tags for 8h",
        "kaiten user 42 deactivate for 8h",
        "onlyoffice user anna@acme.test disable until 2099-01-01",
        "hub user anna@acme.test ban for 1d reason=x",
        'kaiten group "Finance" remove alan@acme.test for 8h',
        "offboard julia.meyer@acme.test for 8h",
        "revert R7K3QF2M until 2099-01-01",
    ],
)
def test_an_action_that_takes_access_away_does_not_take_for_or_until(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert "grant, add, reactivate, enable, unban and set" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"kaiten group {QA} grant tags for", "`for` takes a duration, like `for 8h` or `for 2d`"),
        (f"kaiten group {QA} grant tags for 0s", "`for` takes a duration, like `for 8h` or `for 2d`"),
        (f"kaiten group {QA} grant tags for soon", "`for` takes a duration, like `for 8h` or `for 2d`"),
        (f"kaiten group {QA} grant tags for 8 h", "`for` takes a duration, like `for 8h` or `for 2d`"),
        (f"kaiten group {QA} grant tags until", "`until` takes a date and time"),
        (f"kaiten group {QA} grant tags until tomorrow", "`until` takes a date and time"),
        (f"kaiten group {QA} grant tags until 2099-13-01", "`until` takes a date and time"),
        (f"kaiten group {QA} grant tags until 2020-01-01 10:00", "is in the past"),
        (f"kaiten group {QA} grant tags for 8h until 2099-01-01", "Give `for` or `until`, not both"),
        (f"kaiten group {QA} grant tags for 8h for 2h", "Give `for` or `until` once"),
        (f"kaiten group {QA} grant tags for 8h tags", "`for …` goes at the end of the change"),
        ("kaiten user 42 set theme=dark for 8h lng=en", "`for …` goes at the end of the change"),
        (f"kaiten group {QA} grant tags for 99999999999d", "`for` takes a duration"),
    ],
)
def test_a_bad_for_or_until_says_how_to_write_it(text: str, said: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert said in str(caught.value)
    assert "Usage:" in str(caught.value)
    assert len(str(caught.value)) < 3000
