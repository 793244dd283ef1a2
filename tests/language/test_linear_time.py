"""Reading what people type takes time in proportion to its length (issue 14, point 10): every
pattern and function that reads user text is fed long runs of the characters it repeats, and a
command longer than 4,000 characters (Slack states no limit for a command's text; this one is
Steward's) is refused before it is read at all.

Each test has 10 s: catastrophic backtracking, or work that grows with the square of the input,
takes far longer on these inputs (100,000 repetitions and more)."""

from __future__ import annotations

import pytest

from bot.errors import InvalidValue
from bot.flow.resolve import MENTION as RESOLVE_MENTION
from bot.language.changes import fields_for
from bot.language.commands import Change, CommandError, parse
from bot.language.grammar import Unreadable, list_end, tokens
from bot.language.targets import target, targets
from bot.language.usage import usage
from bot.language.values import coerce, unlink
from bot.vendors import build
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.kaiten.models import KaitenUserUpdate
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate

LONG = 100_000
#: Slack documents no limit for a slash command's text; Steward reads up to 4,000 characters.
LIMIT = 4_000
QA = "00000000-0000-4000-8000-000000000001"


def refused(text: str) -> str:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return str(caught.value)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "word",
    [
        "a@" + "." * LONG + "@",
        "a@" + "." * LONG + " x",
        "a@b" + ".b" * LONG + "@",
        "a@" + "b." * LONG + "<",
        "a" * LONG + "@",
        "@" * LONG,
    ],
    ids=["dots-then-at", "dots-then-space", "dotted-domain-then-at", "then-bracket", "long-local", "ats"],
)
def test_an_address_that_is_no_address_is_told_apart_in_linear_time(word: str) -> None:
    for vendor in ("kaiten", "onlyoffice", "hub"):
        assert target(vendor, "user", word) is None
    with pytest.raises(ValueError, match="e-mail address"):
        HubUserUpdate._email(word)


@pytest.mark.timeout(10)
def test_a_long_address_is_still_an_address() -> None:
    word = "a" * LONG + "@" + "b." * LONG + "c"
    assert target("kaiten", "user", word) == word
    assert HubUserUpdate._email(word) == word


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "word",
    [
        "<@U" + "A" * LONG,
        "<@U" + "A" * LONG + "|" + "x" * LONG,
        "<@U|" + "|" * LONG,
        "<@" * LONG,
        "<@U1|" + "<@U1|" * LONG,
        "<@U1>" * LONG,
    ],
    ids=["id-without-end", "name-without-end", "bars", "opens", "nested-opens", "many-mentions"],
)
def test_a_mention_without_its_end_is_told_apart_in_linear_time(word: str) -> None:
    assert target("hub", "user", word) is None
    assert RESOLVE_MENTION.match(word) is None


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "word",
    [
        "<mailto:" + "a" * LONG,
        "<mailto:a|" + "|" * LONG,
        "<https://" + "a" * LONG + "|" + "b" * LONG,
        "<tel:" + "1" * LONG + ">" * LONG,
        "<" * LONG,
    ],
)
def test_a_slack_link_without_its_end_is_read_in_linear_time(word: str) -> None:
    assert unlink(word) == word


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        "„a“ " * LONG,
        "«a» " * LONG,
        '"a" ' * LONG,
        "x=„a“ " * LONG,
        "<@ " * LONG,
        "<@" * LONG,
        "<@U1 a " * LONG,
        "=" * LONG,
        "a = " * LONG,
        "a= " * LONG,
        "a=b=" * LONG,
        "," * LONG,
        "a, " * LONG,
        "{}" * LONG,
        "x={} " * LONG,
        "[" * LONG + "]" * LONG,
    ],
)
def test_the_words_of_a_long_text_are_found_in_linear_time(text: str) -> None:
    words = tokens(text)
    assert words
    list_end(words, 0)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "word", ["„" + "a" * 50 + "” ", "‚" + "a" * 50 + "‘ ", "x=„" + "a" * 50 + "” "], ids=["„”", "‚‘", "x=„”"]
)
def test_quotes_closed_by_one_of_two_closers_are_read_in_linear_time(word: str) -> None:
    """„ closes with “ or ”, ‚ with ‘ or ’: looking for a closer that never comes must not
    cost a pass over the rest of the text for every quote."""
    assert len(tokens(word * 2 * LONG)) == 2 * LONG


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    ['"' * LONG, "„" * LONG, "“" * LONG, "{" * LONG, "[" * LONG, "a „" + "b" * LONG, 'x="' + "=" * LONG],
)
def test_an_unclosed_quote_or_bracket_in_a_long_text_is_found_in_linear_time(text: str) -> None:
    with pytest.raises(Unreadable):
        tokens(text)


@pytest.mark.timeout(10)
def test_a_long_list_after_the_equals_is_joined_in_linear_time() -> None:
    lines = usage("kaiten", "group", "set")
    text = "permissions=members" + " ,billing" * 1000
    fields, _ = fields_for(text, "kaiten", "group", "set", tokens(text), lines)
    assert fields == {"permissions": 3}
    text = "tags reason=a" + (" ," + "b" * 30) * LONG  # read as one value: refused for its length
    with pytest.raises(CommandError, match="reason"):
        fields_for(text, "kaiten", "group", "revoke", tokens(text), lines)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "value", ["1990-05-17T" + "0" * LONG, "1990-05-17T10:00:00." + "0" * LONG, "1" * LONG + "-05-17"]
)
def test_a_long_date_is_refused_in_linear_time(value: str) -> None:
    with pytest.raises(InvalidValue, match="must be a date"):
        build(OnlyofficeUserUpdate, {"birthday": value})


@pytest.mark.timeout(10)
def test_long_lists_of_targets_and_values_are_read_in_linear_time() -> None:
    assert len(targets("kaiten", "user", ",".join(str(n) for n in range(1, LONG)))[0]) == LONG - 1
    assert targets("kaiten", "user", "," * LONG + "x") == ((), "x")
    assert (
        coerce(KaitenUserUpdate, "notification_enabled_channels", "inner," * LONG, False) == ["inner"] * LONG
    )


PATHOLOGICAL = [
    "kaiten user a@" + "." * LONG + "@ set theme=dark",
    "kaiten user " + "<@U1|" * LONG + " set theme=dark",
    "kaiten user 42 set full_name=" + '"' * LONG,
    "kaiten user 42 set password" + " " * LONG + '"',
    "kaiten user 42 set " + "a = " * LONG,
    "kaiten user 42 set notification_enabled_channels=inner" + " ,inner" * LONG,
    f"kaiten group {QA} grant " + "tags, " * LONG,
    "status " + "R" * LONG,
    "history hub " + "<@" * LONG,
    "kaiten user " + "a@b.co," * LONG + " set theme=dark",
    "kaiten user 42 set theme=dark reason=a" + " ,b" * LONG,
    "kaiten user 42 set theme=dark reason=" + "„a” " * LONG,
    "kaiten user 42 set email_settings=" + "[" * LONG + "]" * LONG,
    'kaiten user 42 set email_settings={"a": "' + "\\" * LONG + '"}',
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_a_command_longer_than_4000_characters_is_refused_before_it_is_read(text: str) -> None:
    message = refused(text)
    assert f"{LIMIT:,}" in message and f"{len(text):,}" in message
    assert len(message) < 3000


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_with_the_limit_lifted_parse_itself_reads_long_text_in_linear_time(text: str) -> None:
    """The limit must not be what keeps parsing fast: text Steward writes itself (the form's)
    is parsed without it."""
    try:
        parse(text, limit=None)
    except CommandError as err:
        assert len(str(err)) < 3000


def test_a_command_up_to_the_limit_is_read() -> None:
    head = "kaiten user 42 set theme=dark"
    text = head + " " * (LIMIT - len(head))
    assert len(text) == LIMIT and isinstance(parse(text), Change)
    assert f"{LIMIT + 1:,} characters" in refused(text + " ")


def test_the_length_refusal_quotes_the_usage_of_what_was_typed() -> None:
    message = refused(f"kaiten group {QA} grant " + "tags," * LIMIT)
    assert message.endswith(usage("kaiten", "group", "grant")[0])
