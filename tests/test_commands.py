"""The /steward grammar: every form a person may type, and what they read when it is wrong."""

from __future__ import annotations

import uuid

import pytest

from bot.commands import Change, Check, CommandError, Help, History, OpenForm, Status, help_text, parse
from bot.vendors.kaiten.models import AvatarType, EmailFrequency, Theme
from bot.vendors.onlyoffice.models import Contact

QA = "00000000-0000-4000-8000-000000000001"
GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenForm()),
        ("   ", OpenForm()),
        ("help", Help()),
        ("HELP Kaiten", Help("kaiten")),
        ("help youtrack", Help("hub")),
        ("check", Check()),
        ("status r7k3qf2m", Status("R7K3QF2M")),
        ("history", History()),
        ("history hub", History("hub")),
        ("history kaiten anna@acme.com", History("kaiten", "anna@acme.com")),
    ],
)
def test_the_words_that_are_not_changes(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ('full_name="Anna Petrova"', "Anna Petrova"),
        ("full_name='Anna Petrova'", "Anna Petrova"),
        ("full_name=“Anna Petrova”", "Anna Petrova"),
        ("full_name=‘Anna Petrova’", "Anna Petrova"),
        ("full_name=«Anna Petrova»", "Anna Petrova"),
        ("full_name=”Anna Petrova”", "Anna Petrova"),
        ("full_name=Anna", "Anna"),
        ('full_name="null"', "null"),
    ],
)
def test_a_value_may_be_plain_or_in_any_kind_of_quotes(typed: str, value: str) -> None:
    change = parse(f"kaiten user 42 set {typed}")
    assert change == Change("kaiten", "user", ("42",), "set", {"full_name": value})


@pytest.mark.parametrize(
    ("word", "value"),
    [(w, True) for w in ("true", "YES", "on", "1")] + [(w, False) for w in ("false", "no", "Off", "0")],
)
def test_every_spelling_of_a_boolean(word: str, value: bool) -> None:
    change = parse(f"hub user me set guest={word}")
    assert isinstance(change, Change) and change.fields == {"guest": value}


@pytest.mark.parametrize(
    ("typed", "fields"),
    [
        ("theme=dark", {"theme": Theme.dark}),
        ("avatar_type=initials", {"avatar_type": AvatarType.initials}),
        ("avatar_type=3", {"avatar_type": AvatarType.uploaded}),
        ("email_frequency=never", {"email_frequency": EmailFrequency.never}),
        ("default_space_id=null", {"default_space_id": None}),
        ("default_space_id=7", {"default_space_id": 7}),
        ('email_settings={"daily": true}', {"email_settings": {"daily": True}}),
        ("notification_enabled_channels=inner,email", {"notification_enabled_channels": ["inner", "email"]}),
        ('notification_enabled_channels=["slack"]', {"notification_enabled_channels": ["slack"]}),
    ],
)
def test_kaiten_user_values_are_typed_by_the_field(typed: str, fields: dict[str, object]) -> None:
    change = parse(f"kaiten user anna@acme.com set {typed}")
    assert isinstance(change, Change) and change.fields == fields


def test_group_permissions_take_names_or_a_number_and_grant_revoke_keep_the_named_bits() -> None:
    assert parse(f"kaiten group {QA} set permissions=members,billing").fields == {"permissions": 3}  # type: ignore[union-attr]
    assert parse(f"kaiten group {QA} set permissions=515").fields == {"permissions": 515}  # type: ignore[union-attr]
    grant = parse(f"kaiten group {QA} grant tags, spaces reason=audit")
    assert grant == Change("kaiten", "group", (QA,), "grant", {"permissions": 512 | 16}, "audit")
    assert parse(f"kaiten group {QA} revoke 1").fields == {"permissions": 1}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "action", "fields", "reason"),
    [
        ("onlyoffice user anna@acme.com disable", "disable", {"disable": True}, ""),
        ("onlyoffice user anna@acme.com enable reason=back", "enable", {"disable": False}, "back"),
        (
            'hub user me ban reason="left the company"',
            "ban",
            {"banned": True, "banReason": "left the company"},
            "left the company",
        ),
        ("hub user me ban", "ban", {"banned": True}, ""),
        ("youtrack user me unban", "unban", {"banned": False}, ""),
    ],
)
def test_the_action_words(text: str, action: str, fields: dict[str, object], reason: str) -> None:
    change = parse(text)
    assert isinstance(change, Change)
    assert (change.action, dict(change.fields), change.reason) == (action, fields, reason)


def test_targets_are_ids_emails_and_mentions_and_a_list_is_a_bulk_change() -> None:
    change = parse("kaiten user 42, anna@acme.com,<@U0ANNA|anna>,<@U0BOB>,42 set theme=auto")
    assert isinstance(change, Change)
    assert change.targets == ("42", "anna@acme.com", "<@U0ANNA>", "<@U0BOB>")
    assert parse(f"onlyoffice user {GUID} disable").targets == (GUID,)  # type: ignore[union-attr]
    assert parse("kaiten user <mailto:anna@acme.com|anna@acme.com> set theme=dark").targets == (
        "anna@acme.com",
    )  # type: ignore[union-attr]


def test_onlyoffice_contacts_are_json() -> None:
    change = parse(
        'onlyoffice user a@acme.com set contacts=[{"Type": "mail", "Value": "a b@x.y"}] sex=Female'
    )
    assert isinstance(change, Change)
    assert change.fields == {"contacts": [Contact(Type="mail", Value="a b@x.y")], "sex": "female"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "kaiten user 42 set fulname=x",
            ["Unknown field `fulname`", "Did you mean `full_name`?", "theme", "Usage: /steward <vendor>"],
        ),
        ("kaiten user 42 set full_name=", ["`full_name`: must be 1 to 128 characters", 'you gave ""']),
        ("kaiten user 42 set initials=ABC", ["`initials`: must be exactly 2 characters", '"ABC"']),
        ("kaiten user 42 set theme=pink", ["must be one of light, dark, auto", '"pink"']),
        ("kaiten user 42 set avatar_type=9", ["gravatar (1), initials (2), uploaded (3)"]),
        ("kaiten user 42 set theme=null", ["cannot be null"]),
        ("kaiten user 42 set email_settings={nope", ["not closed"]),
        ("kaiten user 42 set email_settings=[1]", ["JSON object"]),
        (
            f"kaiten group {QA} grant bosses",
            ["no permission named 'bosses'", "Usage: /steward kaiten group <targets> grant"],
        ),
        (
            f"kaiten group {QA} grant",
            ["Name the permissions to grant", "Usage: /steward kaiten group <targets> grant"],
        ),
        ("kaiten user abc set theme=dark", ["`abc` is not a target", "Kaiten user id"]),
        ("kaiten group ab grant tags", ["`ab` is not a target", "group uid"]),
        ("kaitn user 42 set theme=dark", ["Unknown command `kaitn`", "Did you mean `kaiten`?"]),
        ("kaiten usr 42 set theme=dark", ["Did you mean `user`?"]),
        ("kaiten user 42 st theme=dark", ["Did you mean `set`?"]),
        ("hub user me disable", ["Unknown action", "ban", "unban"]),
        ("kaiten user 42 set theme=dark theme=light", ["`theme` is given twice"]),
        ("kaiten user 42 set", ["Say which fields to set"]),
        ("onlyoffice user a@acme.com disable title=x", ["takes only a reason"]),
        ("status", ["request id", "Usage: /steward status"]),
        ('kaiten user 42 set full_name="Anna', ["not closed"]),
    ],
)
def test_a_mistake_says_what_is_wrong_and_quotes_the_usage(text: str, words: list[str]) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    message = str(caught.value)
    assert "Usage: /steward" in message
    for word in words:
        assert word in message


def test_a_password_in_a_command_is_refused_and_never_echoed() -> None:
    for allowed in (False, True):
        with pytest.raises(CommandError) as caught:
            parse("kaiten user 42 set password=Sup3rSecret!", allow_passwords=allowed)
        message = str(caught.value)
        assert "only through the form" in message and "Sup3rSecret" not in message
        assert ("STEWARD_ALLOW_PASSWORD_CHANGES" in message) is not allowed


@pytest.mark.parametrize("vendor", [None, "kaiten", "onlyoffice", "hub"])
def test_help_lists_each_objects_fields_with_their_rules_and_examples(vendor: str | None) -> None:
    text = help_text(vendor)
    assert "/steward <vendor> <user|group> <targets> set" in text
    if vendor in (None, "kaiten"):
        assert "full_name (1..128 characters)" in text and "gravatar (1)" in text and "grant billing" in text
    if vendor in (None, "onlyoffice"):
        assert "isVisitor (true/false)" in text and "disable reason=" in text
    if vendor in (None, "hub"):
        assert "banReason" in text and "ban reason=" in text
    assert "password: only through the form" in text or vendor in ("onlyoffice", "hub")


def test_a_change_prints_back_as_the_same_change() -> None:
    text = f'onlyoffice user {GUID},b@acme.com set title="Head of «QA»" lead=null reason=“a “b”'
    change = parse(text)
    assert isinstance(change, Change)
    assert parse(change.text()) == change
    assert change.fields["lead"] is None and isinstance(uuid.UUID(change.targets[0]), uuid.UUID)
