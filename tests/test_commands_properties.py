"""Properties of the grammar over generated input: nothing raises but a readable refusal, and
every valid change printed back parses to the same change."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import Change, CommandError, parse
from bot.vendors.kaiten.models import AvatarType, EmailFrequency, Permission, SubjectBy, Theme, UiVersion

WORDS = [
    "kaiten",
    "onlyoffice",
    "hub",
    "youtrack",
    "user",
    "group",
    "set",
    "grant",
    "revoke",
    "disable",
    "enable",
    "ban",
    "unban",
    "help",
    "check",
    "status",
    "history",
    "reason=",
    "null",
    "=",
    ",",
    '"',
    "“",
    "”",
    "«",
    "»",
    "‘",
    "’",
    "'",
    "{",
    "}",
    "[",
    "]",
    "<@U123|x>",
    "a@b.co",
    "42",
    "me",
    "full_name=",
    "theme=",
    "permissions=",
    "password=",
    "contacts=",
    "banReason=",
    "ünïcødé",
    "\n",
    "\t",
]
LIMITED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    try:
        parse(text)
    except CommandError as err:
        message = str(err)
        assert message.strip()
        assert len(message) < 3000


@LIMITED
@given(st.text(max_size=400))
def test_any_text_is_parsed_or_refused_readably(text: str) -> None:
    _check(text)


@LIMITED
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=14))
def test_grammar_like_text_is_parsed_or_refused_readably(words: list[str]) -> None:
    _check(" ".join(words))
    _check("".join(words))


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=20), st.integers(300, 3000))
def test_huge_text_is_refused_within_slacks_limits(piece: str, times: int) -> None:
    _check("kaiten user 42 set full_name=" + piece * times)
    _check("kaiten user " + ",".join([piece] * times) + " set theme=dark")


SAFE = st.text(
    alphabet=string.ascii_letters + string.digits + " .-_'«»“”\"éж", min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s.strip() != "")
EMAIL = st.builds(
    lambda a, b: f"{a}@{b}.test",
    st.from_regex(r"[a-z][a-z0-9.]{0,10}", fullmatch=True),
    st.from_regex(r"[a-z]{2,8}", fullmatch=True),
)
KAITEN_USER_TARGET = st.one_of(
    st.integers(1, 10**6).map(str), EMAIL, st.from_regex(r"<@U[A-Z0-9]{4,9}>", fullmatch=True)
)
GUID = st.uuids().map(str)

KAITEN_USER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "full_name": SAFE.filter(lambda s: len(s) <= 128),
        "initials": st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2),
        "theme": st.sampled_from(list(Theme)),
        "avatar_type": st.sampled_from(list(AvatarType)),
        "email_frequency": st.sampled_from(list(EmailFrequency)),
        "subject_by": st.sampled_from(list(SubjectBy)),
        "ui_version": st.sampled_from(list(UiVersion)),
        "default_space_id": st.one_of(st.none(), st.integers(0, 10**6)),
        "lng": st.sampled_from(["en", "ru", "de"]),
        "email_settings": st.dictionaries(st.sampled_from(["a", "b"]), st.booleans(), max_size=2),
        "notification_enabled_channels": st.lists(st.sampled_from(["inner", "email", "slack"]), max_size=3),
    },
).filter(bool)

MASKS = st.sets(st.sampled_from(list(Permission)), min_size=1).map(lambda ps: sum(p.value for p in ps))

CHANGES = st.one_of(
    st.builds(
        lambda t, f, r: Change("kaiten", "user", tuple(dict.fromkeys(t)), "set", f, r),
        st.lists(KAITEN_USER_TARGET, min_size=1, max_size=4),
        KAITEN_USER_FIELDS,
        st.one_of(st.just(""), SAFE),
    ),
    st.builds(
        lambda t, a, m, r: Change("kaiten", "group", tuple(dict.fromkeys(t)), a, {"permissions": m}, r),
        st.lists(GUID, min_size=1, max_size=3),
        st.sampled_from(["grant", "revoke"]),
        MASKS,
        st.one_of(st.just(""), SAFE),
    ),
    st.builds(
        lambda t, a, r: Change(
            "onlyoffice", "user", tuple(dict.fromkeys(t)), a, {"disable": a == "disable"}, r
        ),
        st.lists(st.one_of(GUID, EMAIL), min_size=1, max_size=3),
        st.sampled_from(["disable", "enable"]),
        st.one_of(st.just(""), SAFE),
    ),
    st.builds(
        lambda t, title, visitor: Change(
            "onlyoffice", "user", (t,), "set", {"title": title, "isVisitor": visitor}, ""
        ),
        GUID,
        SAFE,
        st.booleans(),
    ),
    st.builds(
        lambda t, r: Change("hub", "user", (t,), "ban", {"banned": True, "banReason": r}, r),
        st.one_of(st.just("me"), GUID, EMAIL),
        SAFE,
    ),
    st.builds(
        lambda t, name, guest: Change("hub", "user", (t,), "set", {"name": name, "guest": guest}, ""),
        st.one_of(st.just("me"), EMAIL),
        SAFE,
        st.booleans(),
    ),
)


@settings(max_examples=300, deadline=None)
@given(CHANGES)
def test_every_valid_change_printed_back_parses_to_the_same_change(change: Change) -> None:
    assert parse(change.text()) == change
