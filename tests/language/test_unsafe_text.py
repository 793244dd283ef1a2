"""Text that could pass for other text (issue 14, point 11): a value holding a control character,
a line or paragraph separator or a text-direction control is refused with an error that names
the field (a reason may hold newlines, nothing else of these); free text is refused past the
vendor's documented length, or past 1,000 characters where the vendor documents none."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.errors import InvalidValue
from bot.language.commands import Change, CommandError, parse
from bot.vendors import UpdateModel, build
from bot.vendors.hub.models import HubUserUpdate
from bot.vendors.kaiten.models import KaitenGroupUpdate, KaitenUserUpdate
from bot.vendors.onlyoffice.models import OnlyofficeUserUpdate

QA = "00000000-0000-4000-8000-000000000001"
GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
#: C0 and C1 controls (a tab and a newline among them), DEL, the line and paragraph separators,
#: and the direction embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
UNSAFE = [
    *("\x00", "\x07", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"),
    *("\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"),
    *("\u2066", "\u2067", "\u2068", "\u2069"),
]


def code(char: str) -> str:
    return f"U+{ord(char):04X}"


def refusal(text: str) -> str:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return str(caught.value)


def raw(char: str) -> str:
    return char


def in_json(char: str) -> str:
    """The character as a JSON string escape (JSON holds no raw control character)."""
    return json.dumps(char)[1:-1]


@pytest.mark.parametrize("char", UNSAFE, ids=code)
@pytest.mark.parametrize(
    ("command", "field", "write"),
    [
        ('kaiten user 42 set full_name="Anna{}Petrova"', "full_name", raw),
        ("kaiten user 42 set timezone='Europe/{}Moscow'", "timezone", raw),
        (f'kaiten group {QA} set name="QA {{}}team"', "name", raw),
        (f"onlyoffice user {GUID} set title=«Head{{}} of QA»", "title", raw),
        (f'onlyoffice user {GUID} set comment="a{{}}b"', "comment", raw),
        ('hub user me set name="Anna{}P"', "name", raw),
        ('hub user me set banBadge="left{}"', "banBadge", raw),
        ('kaiten user 42 set email_settings={{"note": "a{}b"}}', "email_settings", in_json),
        (
            f'onlyoffice user {GUID} set contacts=[{{{{"Type":"mail","Value":"a{{}}b"}}}}]',
            "contacts",
            in_json,
        ),
    ],
)
def test_a_value_holding_a_control_or_direction_character_is_refused_naming_the_field(
    char: str, command: str, field: str, write: Callable[[str], str]
) -> None:
    problem, usage = refusal(command.format(write(char))).split("\n")
    assert problem.startswith(f"`{field}`") and code(char) in problem and usage.startswith("Usage: ")
    assert char not in problem  # the refusal shows the character by its code, not as itself


def test_a_reason_may_hold_newlines_and_a_hub_ban_reason_keeps_them() -> None:
    change = parse('kaiten user 42 set theme=dark reason="one\ntwo\n\nthree"')
    assert isinstance(change, Change) and change.reason == "one\ntwo\n\nthree"
    ban = parse("hub user me ban reason='left\nthe company'")
    assert isinstance(ban, Change) and ban.fields == {"banned": True, "banReason": "left\nthe company"}
    assert parse(change.text()) == change


@pytest.mark.parametrize("char", [c for c in UNSAFE if c != "\n"], ids=code)
@pytest.mark.parametrize(
    "command",
    [
        'kaiten user 42 set theme=dark reason="a{}b"',
        f"kaiten group {QA} grant tags reason='a{{}}b'",
        f"onlyoffice user {GUID} disable reason=“a{{}}b”",
        'hub user me ban reason="a{}b"',
    ],
)
def test_a_reason_holding_any_other_control_or_direction_character_is_refused(
    char: str, command: str
) -> None:
    problem, usage = refusal(command.format(char)).split("\n")
    assert problem.startswith("`reason`") and code(char) in problem and usage.startswith("Usage: ")
    assert char not in problem


@pytest.mark.parametrize(
    ("head", "field", "limit", "filler"),
    [
        ("kaiten user 42", "full_name", 128, "x"),  # documented: 1..128
        ("kaiten user 42", "username", 1000, "x"),
        ("kaiten user 42", "lng", 1000, "x"),
        ("kaiten user 42", "timezone", 1000, "x"),
        (f"kaiten group {QA}", "name", 512, "x"),  # documented: 1..512
        (f"onlyoffice user {GUID}", "firstname", 64, "x"),
        (f"onlyoffice user {GUID}", "comment", 1000, "x"),
        (f"onlyoffice user {GUID}", "title", 1000, "x"),
        (f"onlyoffice user {GUID}", "location", 1000, "x"),
        (f"onlyoffice user {GUID}", "files", 1000, "x"),
        ("hub user me", "name", 255, "x"),
        ("hub user me", "login", 255, "x"),
        ("hub user me", "banBadge", 64, "x"),
        ("hub user me", "email", 1000, "a@b.c"),
    ],
)
def test_free_text_is_refused_past_its_documented_length_or_1000_characters(
    head: str, field: str, limit: int, filler: str
) -> None:
    # an e-mail address is stretched by its local part
    value = "a" * (limit - len(filler)) + filler if len(filler) > 1 else filler * limit
    assert len(value) == limit
    parsed = parse(f"{head} set {field}={value}")
    assert isinstance(parsed, Change) and parsed.fields[field] == value
    problem = refusal(f"{head} set {field}=y{value}").splitlines()[0]
    assert problem.startswith(f"`{field}`") and str(limit) in problem


def test_a_contact_value_is_refused_past_1000_characters() -> None:
    problem = refusal(
        f'onlyoffice user {GUID} set contacts=[{{"Type":"mail","Value":"{"x" * 1001}"}}]'
    ).splitlines()[0]
    assert problem.startswith("`contacts") and "1000" in problem


def test_a_reason_is_refused_past_1000_characters_naming_the_limit() -> None:
    for head in ("kaiten user 42 set theme=dark", "hub user me ban", f"kaiten group {QA} grant tags"):
        parsed = parse(f"{head} reason={'x' * 1000}")
        assert isinstance(parsed, Change) and parsed.reason == "x" * 1000
        problem = refusal(f"{head} reason={'x' * 1001}").splitlines()[0]
        assert "`reason`" in problem and "1,000" in problem and "1,001" in problem


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (KaitenUserUpdate, "full_name"),
        (KaitenGroupUpdate, "name"),
        (OnlyofficeUserUpdate, "location"),
        (HubUserUpdate, "name"),
        (HubUserUpdate, "banReason"),
    ],
)
def test_the_update_models_refuse_the_same_characters_before_any_vendor_is_asked(
    model: type[UpdateModel], field: str
) -> None:
    """The models are checked again before each write (`bot/flow/execute.py`, each client)."""
    for char in ("\x07", "\r", "\u202e", "\u2069"):
        with pytest.raises(InvalidValue) as caught:
            build(model, {field: f"a{char}b"})
        assert caught.value.field == field and code(char) in str(caught.value)
        assert char not in str(caught.value)
    assert (field == "banReason") is (_takes_newline(model, field))


def _takes_newline(model: type[UpdateModel], field: str) -> bool:
    try:
        build(model, {field: "a\nb"})
    except InvalidValue:
        return False
    return True


def test_a_nested_value_is_checked_too() -> None:
    with pytest.raises(InvalidValue) as caught:
        build(OnlyofficeUserUpdate, {"contacts": [{"Type": "mail", "Value": "a\u202eb"}]})
    assert caught.value.field == "contacts"
    with pytest.raises(InvalidValue) as caught:
        build(KaitenUserUpdate, {"notification_settings": {"a\u2066": [1, {"b": "c"}]}})
    assert caught.value.field == "notification_settings"
    with pytest.raises(InvalidValue) as caught:
        build(KaitenUserUpdate, {"slack_settings": {"a": [1, {"b": "c\x00"}]}})
    assert caught.value.field == "slack_settings"


@pytest.mark.parametrize("char", UNSAFE, ids=code)
@pytest.mark.parametrize(
    "command",
    [
        "kaiten user anna.petrova@acme.te{}st set theme=dark",
        "hub group Engineering add anna{}.petrova@acme.test",
        "offboard anna.petrova@acme{}.test",
    ],
)
def test_an_e_mail_address_holding_a_control_or_direction_character_is_no_target(
    command: str, char: str
) -> None:
    with pytest.raises(CommandError):
        parse(command.format(char))
