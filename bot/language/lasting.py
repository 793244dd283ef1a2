"""`for <duration>` and `until <date time>` at the end of a change that gives access: how long it
lasts before Steward sets it back by itself (issue 17, point 3). Read here, written back here;
the policy bounds it (`max_for`) and the store keeps it until the change ends."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.config import parse_duration
from bot.language.grammar import Token
from bot.language.usage import CommandError, shown

#: The actions that give access, and so may be given for a while.
TAKES = ("grant", "add", "reactivate", "enable", "unban", "set")
KEYWORDS = ("for", "until")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T|$)")
#: The words an `until` clause is made of: a date, a time, an offset, "UTC".
_TIMEISH = re.compile(r"^(?:[0-9+-][0-9:+\-T.Z]*|UTC)$", re.IGNORECASE)
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
HOW_FOR = "`for` takes a duration, like `for 8h` or `for 2d` (s, m, h or d)"
HOW_UNTIL = (
    "`until` takes a date and time, like `until 2026-12-24 18:00` or `until 2026-12-24`, "
    "in UTC unless it carries an offset like +03:00"
)


def refused_action(action: str) -> str:
    return (
        f"`{action}` cannot be made for a while: `for`/`until` go with the actions that give access, "
        "grant, add, reactivate, enable, unban and set."
    )


def split_lasting(
    words: Sequence[Token], action: str, lines: Sequence[str], now: dt.datetime | None = None
) -> tuple[list[Token], dt.timedelta | None, dt.datetime | None]:
    """(the words without the `for …`/`until …` clause, the duration, the end time). The clause
    may stand before or after `reason=`, nowhere else; at most one of the two is given."""
    at = [i for i, w in enumerate(words) if w.key is None and not w.quoted and w.word() in KEYWORDS]
    if not at:
        return list(words), None, None
    keyword = words[at[0]].word()
    if action not in TAKES:
        raise CommandError(refused_action(action), lines)
    if len(at) > 1:
        other = words[at[1]].word()
        problem = "Give `for` or `until` once." if other == keyword else "Give `for` or `until`, not both."
        raise CommandError(problem, lines)
    start = at[0]
    end = start + 1
    while end < len(words) and _is_arg(words[end], keyword, end - start):
        end += 1
    args = [w.value for w in words[start + 1 : end]]
    stray = [w for w in words[end:] if (w.key or "").lower() != "reason"]
    if stray and (not args or (keyword == "for" and args[0].isdigit())):
        # `until tomorrow`, `for 8 h`: the clause itself is what is wrong
        args += [w.raw for w in stray[:1]]
    elif stray:
        raise CommandError(f"`{keyword} …` goes at the end of the change, before or after `reason=`.", lines)
    rest = [*words[:start], *words[end:]]
    if keyword == "for":
        return rest, _duration(args, lines), None
    return rest, None, _until(args, lines, now or dt.datetime.now(dt.UTC))


def _is_arg(word: Token, keyword: str, place: int) -> bool:
    """Whether `word`, at `place` after the keyword, belongs to its clause."""
    if word.key is not None or word.quoted:
        return False
    if keyword == "for":
        return place == 1
    return place <= 3 and bool(_TIMEISH.match(word.value))


def _duration(args: list[str], lines: Sequence[str]) -> dt.timedelta:
    if len(args) != 1:
        raise CommandError(f"{HOW_FOR}.", lines)
    try:
        lasting = parse_duration(args[0])
    except ValueError:  # also too long for the calendar
        raise CommandError(f"{HOW_FOR}; not `{shown(args[0])}`.", lines) from None
    if lasting <= dt.timedelta(0):
        raise CommandError(f"{HOW_FOR}; not `{shown(args[0])}`.", lines)
    return lasting


def _until(args: list[str], lines: Sequence[str], now: dt.datetime) -> dt.datetime:
    parts = list(args)
    if len(parts) > 1 and parts[-1].upper() in ("UTC", "Z"):
        parts.pop()
    if len(parts) == 2:
        text = f"{parts[0]}T{parts[1]}"
    elif len(parts) == 3 and parts[2][:1] in "+-":
        text = f"{parts[0]}T{parts[1]}{parts[2]}"
    else:
        text = parts[0] if len(parts) == 1 else ""
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        typed = " ".join(args)
        raise CommandError(
            f"{HOW_UNTIL}; not `{shown(typed)}`." if typed else f"{HOW_UNTIL}.", lines
        ) from None
    when = (when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when).astimezone(dt.UTC)
    if when <= now:
        raise CommandError(
            f"`until {written_until(when)}` is in the past; give a time to come "
            f"(now it is {written_until(now)} UTC).",
            lines,
        )
    return when


def written_duration(lasting: dt.timedelta) -> str:
    """A duration as `for` takes it, in the largest unit that says it exactly: 8h, 90m, 2d."""
    seconds = int(lasting.total_seconds())
    for unit, size in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def written_until(when: dt.datetime) -> str:
    """A time as `until` takes it, in UTC: 2026-12-24 18:00 (seconds only when it has them)."""
    utc = when.astimezone(dt.UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc.strftime("%Y-%m-%d %H:%M:%S" if utc.second else "%Y-%m-%d %H:%M")


def lasting_words(lasting: dt.timedelta | None, until: dt.datetime | None) -> list[str]:
    """The clause as a command writes it (empty when the change lasts)."""
    if lasting is not None:
        return ["for", written_duration(lasting)]
    if until is not None:
        return ["until", written_until(until)]
    return []
