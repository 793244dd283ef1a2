"""Properties of the grammar over generated input: any text is parsed or refused with a short,
readable CommandError, and every valid change printed back parses to the same change."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.language.commands import Change, CommandError, parse
from bot.language.grammar import Unreadable, quote
from bot.language.usage import ACTIONS, SECRET_FIELDS
from bot.vendors import MODELS, unsafe_rule
from bot.vendors.kaiten.models import AvatarType, EmailFrequency, Permission, SubjectBy, Theme, UiVersion
from bot.vendors.onlyoffice.models import Contact

MODERATE = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYWORDS = [
    *("kaiten", "onlyoffice", "hub", "youtrack", "KAITEN", "user", "group", "User"),
    *("set", "grant", "revoke", "disable", "enable", "ban", "unban", "SET"),
    *("help", "check", "status", "history", "reason=", "null", "me", "true", "off"),
    *("full_name=", "theme=", "permissions=", "password=", "old_password=", "contacts=", "banReason="),
    *("email_settings=", "notification_enabled_channels=", "department=", "lead=", "isVisitor="),
    *(
        "tags",
        "billing",
        "members,",
        "42",
        "42,",
        ",43",
        "a@b.co",
        "<@U123|x>",
        "<@U1>",
        "<mailto:a@b.co|a@b.co>",
    ),
    *("00000000-0000-4000-8000-000000000001", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "R7K3QF2M"),
    *('"', "'", "“", "”", "„", "«", "»", "‘", "’", "‹", "›", "{", "}", "[", "]", "<", ">", "=", ",", "`"),
    *("ünïcødé", "\u00a0", "\u2028", "\n", "\t", "\\", '{"a": [1, {"b": null}]}', '[{"Type":"mail"}]'),
]


def _check(text: str, allow_passwords: bool = False) -> None:
    try:
        parse(text, allow_passwords=allow_passwords)
    except CommandError as err:
        message = str(err)
        assert message.strip()
        assert len(message) < 3000


@MODERATE
@given(st.text(max_size=300), st.booleans())
def test_any_text_is_parsed_or_refused_readably(text: str, allow_passwords: bool) -> None:
    _check(text, allow_passwords)


@MODERATE
@given(
    st.lists(st.one_of(st.sampled_from(KEYWORDS), st.text(max_size=8)), max_size=16),
    st.sampled_from([" ", "", ",", "=", "  "]),
)
def test_grammar_like_text_is_parsed_or_refused_readably(words: list[str], glue: str) -> None:
    _check(glue.join(words))
    _check(" ".join(words))


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=12), st.integers(200, 1500), st.sampled_from(["", " ", ",", "="]))
def test_huge_text_is_refused_within_slacks_limits(piece: str, times: int, glue: str) -> None:
    _check("kaiten user 42 set full_name=" + glue.join([piece] * times))
    _check("kaiten user " + glue.join([piece] * times) + " set theme=dark")
    _check("kaiten user 42 set " + glue.join([piece] * times))


# --- valid changes ---------------------------------------------------------------------------


def writable(value: str, newline: bool = False) -> bool:
    """Whether a value can be typed at all: some kind of quotes can hold it, and it holds no
    character a value may not (control and text-direction characters; a reason's newlines aside)."""
    try:
        quote(value)
    except Unreadable:
        return False
    return unsafe_rule(value, newline=newline) is None


def text(min_size: int = 0, max_size: int = 30, newline: bool = False) -> st.SearchStrategy[str]:
    return st.text(min_size=min_size, max_size=max_size).filter(lambda value: writable(value, newline))


GUID = st.uuids()
EMAIL = st.from_regex(r"[a-z0-9._+-]{1,12}@[a-z0-9-]{1,10}\.[a-z]{2,6}", fullmatch=True)
MENTION = st.from_regex(r"<@[UW][A-Z0-9]{2,10}>", fullmatch=True)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
OBJECT = st.dictionaries(text(max_size=8), JSON, max_size=3)
MASK = st.sets(st.sampled_from(list(Permission)), min_size=1).map(lambda bits: sum(b.value for b in bits))
DATE = st.dates().map(lambda d: d.isoformat())

TARGETS: dict[tuple[str, str], st.SearchStrategy[str]] = {
    ("kaiten", "user"): st.one_of(st.integers(1, 10**12).map(str), EMAIL, MENTION),
    ("kaiten", "group"): st.one_of(
        GUID.map(str), st.from_regex(r"[0-9a-z][0-9A-Za-z-]{7,20}", fullmatch=True)
    ),
    ("onlyoffice", "user"): st.one_of(GUID.map(str), EMAIL, MENTION),
    ("hub", "user"): st.one_of(st.just("me"), GUID.map(str), EMAIL, MENTION),
}
EMAIL = st.builds(
    lambda a, b, c: f"{a}@{b}.{c}",
    *[st.text(st.characters(exclude_characters="@<>"), min_size=1, max_size=6)] * 3,
).filter(lambda s: writable(s) and not any(c.isspace() for c in s))
FIELDS: dict[tuple[str, str], dict[str, st.SearchStrategy[Any]]] = {
    ("kaiten", "user"): {
        "username": text(1),
        "full_name": text(1, 128),
        "initials": text(2, 2),
        "avatar_type": st.sampled_from(list(AvatarType)),
        "lng": text(1),
        "default_space_id": st.none() | st.integers(-(10**6), 10**9),
        "theme": st.sampled_from(list(Theme)),
        "email_frequency": st.sampled_from(list(EmailFrequency)),
        "timezone": text(1),
        "subject_by": st.sampled_from(list(SubjectBy)),
        "email_settings": OBJECT,
        "telegram_settings": OBJECT,
        "slack_settings": OBJECT,
        "notification_enabled_channels": st.lists(
            st.sampled_from(["inner", "mobile_app", "email", "slack", "telegram"])
        ),
        "notification_settings": OBJECT,
        "ui_version": st.sampled_from(list(UiVersion)),
        "temporarily_inactive": st.booleans(),
    },
    ("kaiten", "group"): {
        "name": text(1, 60),
        "permissions": st.just(0) | MASK,
        "add_to_cards_and_spaces_enabled": st.booleans(),
    },
    ("onlyoffice", "user"): {
        "isVisitor": st.booleans(),
        "firstname": text(1, 64),
        "lastname": text(1, 64),
        "comment": text(),
        "department": st.lists(GUID, max_size=3),
        "title": text(),
        "location": text(),
        "sex": st.sampled_from(["male", "female"]),
        "birthday": DATE,
        "worksfrom": DATE,
        "contacts": st.lists(st.builds(Contact, Type=text(1, 10), Value=text(1, 20)), max_size=2),
        "files": text(),
        "disable": st.booleans(),
        "lead": st.none() | GUID,
        "email": EMAIL.map(str.lower),  # ONLYOFFICE keeps addresses lower-cased, and so does the model
    },
    ("hub", "user"): {
        "login": st.text(min_size=1, max_size=20).filter(
            lambda s: writable(s) and not any(c.isspace() for c in s)
        ),
        "name": text(1),
        "banned": st.booleans(),
        "banReason": text(),
        "banBadge": text(max_size=64),
        "email": EMAIL,
    },
}


@st.composite
def changes(draw: st.DrawFn) -> Change:
    vendor, obj = draw(st.sampled_from(list(FIELDS)))
    action = draw(st.sampled_from(ACTIONS[vendor][obj]))
    targets = tuple(dict.fromkeys(draw(st.lists(TARGETS[(vendor, obj)], min_size=1, max_size=4))))
    reason = draw(st.just("") | text(1, 200, newline=True))
    fields: dict[str, Any]
    if action == "set":
        fields = draw(st.fixed_dictionaries({}, optional=FIELDS[(vendor, obj)]).filter(bool))
    elif action in ("grant", "revoke"):
        fields = {"permissions": draw(MASK)}
    elif action in ("disable", "enable"):
        fields = {"disable": action == "disable"}
    elif action in ("deactivate", "reactivate"):
        fields = {"temporarily_inactive": action == "deactivate"}
    else:
        fields = {"banned": action == "ban", **({"banReason": reason} if reason and action == "ban" else {})}
    return Change(vendor, obj, targets, action, fields, reason)


def test_the_generated_changes_cover_every_object_action_and_field() -> None:
    assert {(v, o) for v in ACTIONS for o in ACTIONS[v]} == set(FIELDS) == set(TARGETS)
    for (vendor, obj), strategies in FIELDS.items():
        assert set(strategies) == set(MODELS[vendor][obj].model_fields) - SECRET_FIELDS


@MODERATE
@given(changes())
def test_every_valid_change_printed_back_parses_to_the_same_change(change: Change) -> None:
    assert parse(change.text()) == change


@settings(max_examples=100, deadline=None)
@given(changes(), st.sampled_from(["", " ", "  "]), st.sampled_from([" ", "\t", "\u00a0", "\n"]))
def test_any_white_space_between_the_words_reads_the_same(change: Change, edge: str, gap: str) -> None:
    written = change.text()
    assert parse(edge + written + edge) == change
    words = written.split(" ", 3)
    assert parse(gap.join(words[:3]) + gap + words[3]) == change
