"""The /steward grammar: every form a person may type and the command it becomes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.language.commands import (
    Change,
    Check,
    Command,
    CommandError,
    Help,
    History,
    Members,
    Membership,
    Offboard,
    OpenForm,
    Revert,
    Status,
    parse,
    usage,
)
from bot.vendors.kaiten.models import AvatarType, EmailFrequency, Permission, SubjectBy, Theme, UiVersion
from bot.vendors.onlyoffice.models import Contact

QA = "00000000-0000-4000-8000-000000000001"
GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
GUID2 = "9b2c3d4e-0000-4000-8000-00000000abcd"


def change(text: str, **kwargs: Any) -> Change:
    parsed = parse(text, **kwargs)
    assert isinstance(parsed, Change), parsed
    return parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenForm()),
        ("  \n\t ", OpenForm()),
        ("help", Help()),
        ("HELP Kaiten", Help("kaiten")),
        ("help onlyoffice", Help("onlyoffice")),
        ("help youtrack", Help("hub")),
        ("Check", Check()),
        ("status r7k3qf2m", Status("R7K3QF2M")),
        ("STATUS R7K3QF2M", Status("R7K3QF2M")),
        ("history", History()),
        ("history YouTrack", History("hub")),
        ("history kaiten anna@acme.com", History("kaiten", "anna@acme.com")),
        ("history kaiten 042", History("kaiten", "42")),
        ("history refused", History(refused=True)),
        ("history hub Anna.Petrova", History("hub", "anna.petrova")),  # a login: any way it is known
        ("history refused hub anna@acme.com", History("hub", "anna@acme.com", refused=True)),
        (f"history kaiten {QA}", History("kaiten", QA)),
        ("history hub <@U0ANNA|anna>", History("hub", "<@U0ANNA>")),
        (f"history onlyoffice {GUID.upper()}", History("onlyoffice", GUID)),
    ],
)
def test_the_words_that_are_not_changes(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kaiten user 42 set theme=dark",
            Change("kaiten", "user", ("42",), "set", {"theme": Theme.dark}),
        ),
        (
            f"kaiten group {QA} set name=QA add_to_cards_and_spaces_enabled=yes",
            Change("kaiten", "group", (QA,), "set", {"name": "QA", "add_to_cards_and_spaces_enabled": True}),
        ),
        (
            f"kaiten group {QA} grant tags,spaces",
            Change("kaiten", "group", (QA,), "grant", {"permissions": Permission.tags | Permission.spaces}),
        ),
        (
            f"kaiten group {QA} revoke billing reason=audit",
            Change("kaiten", "group", (QA,), "revoke", {"permissions": 2}, "audit"),
        ),
        (
            f"onlyoffice user {GUID} set title=QA",
            Change("onlyoffice", "user", (GUID,), "set", {"title": "QA"}),
        ),
        (
            "onlyoffice user anna@acme.com disable",
            Change("onlyoffice", "user", ("anna@acme.com",), "disable", {"disable": True}),
        ),
        (
            'onlyoffice user anna@acme.com enable reason="back from leave"',
            Change("onlyoffice", "user", ("anna@acme.com",), "enable", {"disable": False}, "back from leave"),
        ),
        ("hub user me set banned=no", Change("hub", "user", ("me",), "set", {"banned": False})),
        ("hub user me ban", Change("hub", "user", ("me",), "ban", {"banned": True})),
        (
            'hub user me ban reason="left the company"',
            Change(
                "hub",
                "user",
                ("me",),
                "ban",
                {"banned": True, "banReason": "left the company"},
                "left the company",
            ),
        ),
        ("hub user me unban", Change("hub", "user", ("me",), "unban", {"banned": False})),
        ("hub user me unban reason=back", Change("hub", "user", ("me",), "unban", {"banned": False}, "back")),
        ("youtrack user me unban", Change("hub", "user", ("me",), "unban", {"banned": False})),
        (
            "KAITEN User 42 SET Theme=DARK Reason=Trial",
            Change("kaiten", "user", ("42",), "set", {"theme": Theme.dark}, "Trial"),
        ),
        ("Hub USER Me BAN", Change("hub", "user", ("me",), "ban", {"banned": True})),
    ],
)
def test_each_vendor_object_and_action(text: str, expected: Change) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("full_name=Anna", "Anna"),
        ('full_name="Anna Petrova"', "Anna Petrova"),
        ("full_name='Anna Petrova'", "Anna Petrova"),
        ("full_name=“Anna Petrova”", "Anna Petrova"),
        ("full_name=”Anna Petrova”", "Anna Petrova"),
        ("full_name=‘Anna Petrova’", "Anna Petrova"),
        ("full_name=«Anna Petrova»", "Anna Petrova"),
        ("full_name=„Anna Petrova“", "Anna Petrova"),
        ("full_name = Anna", "Anna"),
        ("full_name= Anna", "Anna"),
        ("full_name =Anna", "Anna"),
        ('full_name = "Anna Petrova"', "Anna Petrova"),
        ("full_name=O'Brien", "O'Brien"),
        ('full_name="Anna «Ann» Petrova"', "Anna «Ann» Petrova"),
        ('full_name=«Anna "Ann" Petrova»', 'Anna "Ann" Petrova'),
        ('full_name="null"', "null"),
        ("full_name=a=b", "a=b"),
        ("full_name=Petrova, Anna", "Petrova, Anna"),
        ('full_name="  padded  "', "  padded  "),
    ],
)
def test_a_value_may_be_plain_spaced_around_the_equals_or_in_any_kind_of_quotes(
    typed: str, value: str
) -> None:
    assert change(f"kaiten user 42 set {typed}").fields == {"full_name": value}


@pytest.mark.parametrize(
    ("word", "value"),
    [(w, True) for w in ("true", "TRUE", "yes", "Yes", "on", "1")]
    + [(w, False) for w in ("false", "False", "no", "NO", "off", "0")],
)
def test_every_spelling_of_a_boolean(word: str, value: bool) -> None:
    assert change(f"hub user me set banned={word}").fields == {"banned": value}
    assert change(f"onlyoffice user {GUID} set isVisitor={word}").fields == {"isVisitor": value}


@pytest.mark.parametrize(
    ("typed", "fields"),
    [
        ("theme=dark", {"theme": Theme.dark}),
        ("theme=Light", {"theme": Theme.light}),
        ("avatar_type=initials", {"avatar_type": AvatarType.initials}),
        ("avatar_type=3", {"avatar_type": AvatarType.uploaded}),
        ("email_frequency=never", {"email_frequency": EmailFrequency.never}),
        ("email_frequency=2", {"email_frequency": EmailFrequency.instantly}),
        ("subject_by=action", {"subject_by": SubjectBy.action}),
        ("ui_version=1", {"ui_version": UiVersion.old}),
        ("default_space_id=null", {"default_space_id": None}),
        ("default_space_id=NULL", {"default_space_id": None}),
        ("default_space_id=7", {"default_space_id": 7}),
        (
            'email_settings={"daily": true, "digest": {"at": "09:00"}}',
            {"email_settings": {"daily": True, "digest": {"at": "09:00"}}},
        ),
        ("email_settings={“daily”: false}", {"email_settings": {"daily": False}}),
        ("slack_settings={}", {"slack_settings": {}}),
        ("notification_enabled_channels=inner,email", {"notification_enabled_channels": ["inner", "email"]}),
        (
            "notification_enabled_channels=inner, email, slack",
            {"notification_enabled_channels": ["inner", "email", "slack"]},
        ),
        ('notification_enabled_channels=["telegram"]', {"notification_enabled_channels": ["telegram"]}),
        ("notification_enabled_channels=", {"notification_enabled_channels": []}),
        ("lng=ru timezone=Europe/Moscow", {"lng": "ru", "timezone": "Europe/Moscow"}),
    ],
)
def test_kaiten_user_values_are_typed_by_the_field(typed: str, fields: dict[str, Any]) -> None:
    assert change(f"kaiten user anna@acme.com set {typed}").fields == fields


@pytest.mark.parametrize(
    ("typed", "mask"),
    [
        ("permissions=515", 515),
        ("permissions=members,billing", 3),
        ("permissions=Members, Billing, tags", 515),
        ("permissions=0", 0),
    ],
)
def test_a_group_permission_mask_is_a_number_or_names(typed: str, mask: int) -> None:
    assert change(f"kaiten group {QA} set {typed}").fields == {"permissions": mask}


@pytest.mark.parametrize(
    ("typed", "mask"),
    [
        ("tags", 512),
        ("TAGS,spaces", 528),
        ("tags, spaces", 528),
        ("tags ,spaces", 528),
        ("512,1", 513),
        ("3", 3),
    ],
)
def test_grant_and_revoke_keep_only_the_named_bits(typed: str, mask: int) -> None:
    assert change(f"kaiten group {QA} grant {typed}").fields == {"permissions": mask}
    assert change(f"kaiten group {QA} revoke {typed} reason=x").fields == {"permissions": mask}


def test_onlyoffice_values_are_typed_by_the_field() -> None:
    fields = change(
        f"onlyoffice user {GUID} set "
        'contacts=[{"Type": "mail", "Value": "a b@x.y"}] sex=Female birthday=1990-05-17 '
        f"department={GUID}, {GUID2} lead=null comment=“on leave”"
    ).fields
    assert fields == {
        "contacts": [Contact(Type="mail", Value="a b@x.y")],
        "sex": "female",
        "birthday": "1990-05-17",
        "department": [uuid.UUID(GUID), uuid.UUID(GUID2)],
        "lead": None,
        "comment": "on leave",
    }
    assert change(f"onlyoffice user {GUID} set lead={GUID2}").fields == {"lead": uuid.UUID(GUID2)}
    assert change(f"onlyoffice user {GUID} set contacts=[]").fields == {"contacts": []}


def test_hub_values_and_field_names_in_any_case() -> None:
    fields = change(
        'hub user me set email=anna@acme.com banreason="spam" BanBadge=SPAM login=anna.p name="Anna P."'
    ).fields
    assert fields == {
        "email": "anna@acme.com",
        "banReason": "spam",
        "banBadge": "SPAM",
        "login": "anna.p",
        "name": "Anna P.",
    }


def test_slack_links_in_a_value_are_read_as_what_was_typed() -> None:
    assert change("hub user me set email=<mailto:anna@acme.com|anna@acme.com>").fields == {
        "email": "anna@acme.com"
    }
    assert change(f"onlyoffice user {GUID} set files=<https://x.test/a.png>").fields == {
        "files": "https://x.test/a.png"
    }
    assert change("hub user me ban reason=<https://jira.test/T-1|T-1>").reason == "https://jira.test/T-1"
    # A quoted value is taken as it is, Slack markup and all.
    assert change('hub user me set name="<!channel> <@U0X>"').fields == {"name": "<!channel> <@U0X>"}


AN_ACTION = {
    "kaiten user": "set lng=en",
    "kaiten group": "grant tags",
    "onlyoffice user": "disable",
    "hub user": "ban",
    "youtrack user": "unban",
}


@pytest.mark.parametrize(
    ("vendor", "written", "targets"),
    [
        ("kaiten user", "42", ("42",)),
        ("kaiten user", "007", ("7",)),
        ("kaiten user", "42,", ("42",)),
        ("kaiten user", "42,43", ("42", "43")),
        ("kaiten user", "42, 43 ,44 , 45", ("42", "43", "44", "45")),
        (
            "kaiten user",
            "42,anna@acme.com,<@U0ANNA|anna>,<@U0BOB>",
            ("42", "anna@acme.com", "<@U0ANNA>", "<@U0BOB>"),
        ),
        (
            "kaiten user",
            "42,42,<@U0A>,<@U0A|a>,Anna@Acme.com,anna@acme.com",
            ("42", "<@U0A>", "Anna@Acme.com"),
        ),
        ("kaiten user", "<mailto:anna@acme.com|anna@acme.com>", ("anna@acme.com",)),
        ("kaiten user", "<@W0ENT|Anna Petrova>", ("<@W0ENT>",)),
        ("kaiten group", f"{QA},{QA}", (QA,)),
        ("onlyoffice user", f"{GUID.upper()},{GUID}", (GUID,)),
        ("onlyoffice user", "a@acme.com, <@U0B>", ("a@acme.com", "<@U0B>")),
        ("hub user", f"me,ME,{GUID},b@acme.com", ("me", GUID, "b@acme.com")),
        ("youtrack user", "<@U0C|c>", ("<@U0C>",)),
    ],
)
def test_targets_are_ids_emails_and_mentions_and_a_list_is_a_bulk_change(
    vendor: str, written: str, targets: tuple[str, ...]
) -> None:
    assert change(f"{vendor} {written} {AN_ACTION[vendor]}").targets == targets


@pytest.mark.parametrize(
    ("vendor", "obj", "action", "line"),
    [
        (
            "kaiten",
            "user",
            "set",
            "/steward kaiten user <targets> set <field>=<value> ..."
            " [for <duration>|until <date time>] [reason=<text>]",
        ),
        (
            "kaiten",
            "group",
            "set",
            "/steward kaiten group <targets> set <field>=<value> ..."
            " [for <duration>|until <date time>] [reason=<text>]",
        ),
        (
            "kaiten",
            "group",
            "grant",
            "/steward kaiten group <targets> grant <permission>[,<permission>...]"
            " [for <duration>|until <date time>] [reason=<text>]",
        ),
        (
            "onlyoffice",
            "user",
            "enable",
            "/steward onlyoffice user <targets> disable [reason=<text>] | enable"
            " [for <duration>|until <date time>] [reason=<text>]",
        ),
        (
            "hub",
            "user",
            "unban",
            "/steward hub user <targets> ban [reason=<text>] | unban"
            " [for <duration>|until <date time>] [reason=<text>]",
        ),
    ],
)
def test_the_usage_line_of_each_action(vendor: str, obj: str, action: str, line: str) -> None:
    assert usage(vendor, obj, action) == (line,)


def test_the_usage_lines_narrow_as_more_is_known() -> None:
    assert (
        len(usage()) == 18
    )  # with showing a target, deactivate, group add|remove, members, offboard, revert
    assert len(usage("kaiten")) == 5 and len(usage("kaiten", "group")) == 3
    assert usage("onlyoffice", "user") == (
        "/steward onlyoffice user <targets> set <field>=<value> ..."
        " [for <duration>|until <date time>] [reason=<text>]",
        "/steward onlyoffice user <targets> disable [reason=<text>] | enable"
        " [for <duration>|until <date time>] [reason=<text>]",
    )


@pytest.mark.parametrize(
    "text",
    [
        f'onlyoffice user {GUID},b@acme.com set title="Head of «QA»" lead=null reason=“a “b”',
        f"kaiten group {QA} grant members,tags reason='per «policy» 7'",
        f"kaiten group {QA} set permissions=3 name=„QA ‚core‘ team“ add_to_cards_and_spaces_enabled=on",
        'kaiten user 42,<@U1> set email_settings={"a": [1, "x y"]} '
        "notification_enabled_channels=email,slack theme=auto",
        "kaiten user 42 set default_space_id=null avatar_type=2 full_name=\"null\" initials=' A'",
        f'onlyoffice user {GUID} set contacts=[{{"Type":"mail","Value":"a@b.c"}}] '
        f"department={GUID},{GUID2} sex=male",
        "hub user me ban reason=\"she said 'bye' and «left»\"",
        "hub user me set name=<@U1> banBadge=“” banned=1",
    ],
)
def test_a_change_prints_back_as_the_same_change(text: str) -> None:
    parsed = change(text)
    assert parse(parsed.text()) == parsed


def test_grant_prints_permission_names() -> None:
    assert change(f"kaiten group {QA} grant 528").text() == f"kaiten group {QA} grant spaces,tags"
    assert (
        change(f"kaiten group {QA} set permissions=3").text()
        == f"kaiten group {QA} set permissions=members,billing"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'kaiten group "QA engineers" add anna@acme.com,42 reason="month end"',
            Membership("kaiten", "QA engineers", "add", ("anna@acme.com", "42"), "month end"),
        ),
        (f"youtrack group {GUID} remove me", Membership("hub", GUID, "remove", ("me",))),
        ("onlyoffice group Designers members", Members("onlyoffice", "Designers")),
        ("onlyoffice group «Design team» members 3", Members("onlyoffice", "Design team", 3)),
    ],
)
def test_group_membership_is_a_group_then_add_remove_or_members(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("kaiten group Finance add", "Name the people to add"),
        ("hub group Finance add anna@acme.com color=red", "only `reason=…` may follow"),
        ("hub group Finance add anna", "`anna` is not a user Steward knows"),
        ("onlyoffice group Finance members soon", "`members` takes at most a page number"),
    ],
)
def test_a_membership_mistake_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(CommandError, match=words):
        parse(text)


# --- offboard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offboard Julia.Meyer@acme.test", Offboard("julia.meyer@acme.test")),
        ('offboard <@U0JULIA|julia> reason="left the company"', Offboard("<@U0JULIA>", "left the company")),
        ("OFFBOARD julia.meyer@acme.test reason = moving", Offboard("julia.meyer@acme.test", "moving")),
    ],
)
def test_offboard_names_one_person_by_e_mail_or_mention(text: str, expected: Offboard) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("offboard", "Name the person to offboard"),
        ("offboard 42", "`42` is not a person Steward can look up on every vendor"),
        ("offboard a@acme.test,b@acme.test", "(one person)"),
        ("offboard me", "`me` is not a person"),
        ("offboard a@acme.test disable", "After the person, only `reason=…` may follow; not `disable`"),
        ("offboard reason=x", "Name the person to offboard"),
        ("offboard a@acme.test reason=" + "x" * 1001, "`reason` may be at most 1,000 characters"),
    ],
)
def test_a_bad_offboard_says_what_is_wrong_and_shows_its_usage(text: str, problem: str) -> None:
    with pytest.raises(CommandError) as err:
        parse(text)
    assert problem in str(err.value)
    assert "/steward offboard <person> [reason=<text>]" in str(err.value)


def test_a_too_long_reason_is_refused_for_group_membership_too() -> None:
    with pytest.raises(CommandError, match="at most 1,000 characters"):
        parse('kaiten group "QA engineers" add a@acme.test reason=' + "x" * 1001)


def test_revert_takes_a_request_id_and_an_optional_reason() -> None:
    assert parse("revert r7k3qf2m") == Revert("R7K3QF2M")
    assert parse('revert R7K3QF2M reason="wrong person"') == Revert("R7K3QF2M", "wrong person")


@pytest.mark.parametrize("text", ["revert", "revert reason=x", "revert R7K3QF2M now", "revert not-an-id"])
def test_a_bad_revert_says_how_to_write_it(text: str) -> None:
    with pytest.raises(CommandError) as err:
        parse(text)
    assert "/steward revert <request-id> [reason=<text>]" in str(err.value)
