"""What a person reads when a /steward command is wrong: what is wrong, the usage line of what
they typed, and never a password."""

from __future__ import annotations

import pytest

from bot.language.commands import CommandError, help_text, parse, quote

QA = "00000000-0000-4000-8000-000000000001"
SET_USER = (
    "Usage: /steward kaiten user <targets> set <field>=<value> ..."
    " [for <duration>|until <date time>] [reason=<text>]"
)
GRANT = (
    "Usage: /steward kaiten group <targets> grant <permission>[,<permission>...]"
    " [for <duration>|until <date time>] [reason=<text>]"
)
BAN = (
    "Usage: /steward hub user <targets> ban [reason=<text>] | unban"
    " [for <duration>|until <date time>] [reason=<text>]"
)
OO_SET = (
    "/steward onlyoffice user <targets> set <field>=<value> ..."
    " [for <duration>|until <date time>] [reason=<text>]"
)


def refusal(text: str, *, allow_passwords: bool = False) -> str:
    with pytest.raises(CommandError) as caught:
        parse(text, allow_passwords=allow_passwords)
    message = str(caught.value)
    assert 0 < len(message) < 3000
    return message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "kaiten user 42 set fulname=x",
            [
                "Unknown field `fulname`",
                "Did you mean `full_name`?",
                "fields of a Kaiten user are:",
                "theme,",
                SET_USER,
            ],
        ),
        ("hub user me set emial=a@b.co", ["Did you mean `email`?", "banReason", "login"]),
        (
            "hub user me set guest=true",
            ["`guest` is not a field Steward sets", "Hub's one built-in guest account", "`ban`"],
        ),
        (
            "onlyoffice user a@acme.com set firstName2=x",
            ["Did you mean `firstname`?", "fields of an ONLYOFFICE user"],
        ),
        ("kaiten user 42 set xyzzy=1", ["Unknown field `xyzzy`. The fields of a Kaiten user are:"]),
        (
            "kaitn user 42 set theme=dark",
            ["Unknown command `kaitn`", "Did you mean `kaiten`?", "/steward check"],
        ),
        ("hepl", ["Did you mean `help`?"]),
        ("help kaitne", ["Unknown vendor `kaitne`", "Did you mean `kaiten`?", "Usage: /steward help"]),
        ("history hubb", ["Did you mean `hub`?", "Usage: /steward history"]),
        (
            "kaiten usr 42 set theme=dark",
            ["Unknown object `usr`", "Did you mean `user`?", "objects in Kaiten are: user, group"],
        ),
        (
            "kaiten user 42 st theme=dark",
            ["Unknown action `st`", "Did you mean `set`?", SET_USER.removeprefix("Usage: ")],
        ),
        ("hub user me disable", ["Unknown action `disable`", "actions on a Hub user are: set, ban, unban"]),
        (f"kaiten group {QA} grnat tags", ["Did you mean `grant`?", "set, grant, revoke"]),
    ],
)
def test_an_unknown_word_is_named_with_the_nearest_known_one(text: str, words: list[str]) -> None:
    message = refusal(text)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "kaiten user 42 set full_name=",
            ["`full_name`: must be 1 to 128 characters", 'you gave ""', SET_USER],
        ),
        ("kaiten user 42 set initials=ABC", ["`initials`: must be exactly 2 characters", '"ABC"']),
        ("kaiten user 42 set theme=pink", ["`theme`: must be one of light, dark, auto", '"pink"']),
        (
            "kaiten user 42 set avatar_type=9",
            ["`avatar_type`", "gravatar (1), initials (2), uploaded (3)", "you gave 9"],
        ),
        (
            "kaiten user 42 set default_space_id=seven",
            ["`default_space_id`: must be a whole number", '"seven"'],
        ),
        ("kaiten user 42 set theme=null", ["`theme`: cannot be null", '"null"']),
        ("kaiten user 42 set lng=null", ["`lng`: cannot be null"]),
        ("kaiten user 42 set email_settings={nope", ["cannot read", "{ is not closed", SET_USER]),
        ("kaiten user 42 set email_settings=[1]", ["`email_settings`: must be a JSON object"]),
        ("kaiten user 42 set email_settings=nope", ["`email_settings`: must be a JSON object", '"nope"']),
        (
            "kaiten user 42 set notification_enabled_channels=inner,pigeon",
            ["`notification_enabled_channels.1`", "pigeon"],
        ),
        ("hub user me set email=anna", ["`email`: must be an e-mail address", '"anna"']),
        ("hub user me set login=a b", ["`b` is not a field=value pair", "goes in quotes"]),
        ('hub user me set login="a b"', ["`login`: must not contain spaces"]),
        ("onlyoffice user a@acme.com set birthday=yesterday", ["`birthday`: must be a date like 1990-05-17"]),
        ("onlyoffice user a@acme.com set lead=boss", ["`lead`: must be a GUID", OO_SET]),
        ("onlyoffice user a@acme.com set sex=x", ["`sex`: must be male or female"]),
        (
            'onlyoffice user a@acme.com set contacts=[{"kind": "x"}]',
            ["`contacts", '{"Type": "…", "Value": "…"}'],
        ),
        (f"kaiten group {QA} set permissions=bosses", ["`permissions`", "no permission named 'bosses'"]),
        (f"kaiten group {QA} set permissions={2**53}", ["`permissions`", "from 0 to 9007199254740991"]),
        (f"kaiten group {QA} set name=null", ["`name`: cannot be null"]),
        ("hub user me ban reason=" + "x" * 1100, ["`reason` becomes Hub's banReason", "at most 1024", BAN]),
    ],
)
def test_a_bad_value_names_the_field_the_rule_and_the_value(text: str, words: list[str]) -> None:
    message = refusal(text)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"kaiten group {QA} grant bosses", ["Unknown permission `bosses`", "tags", GRANT]),
        (f"kaiten group {QA} grant tgas", ["Did you mean `tags`?"]),
        (f"kaiten group {QA} grant", ["Name the permissions to grant", GRANT]),
        (f"kaiten group {QA} grant reason=x", ["Name the permissions to grant"]),
        (f"kaiten group {QA} grant 0", ["Name at least one permission to grant"]),
        (
            f"kaiten group {QA} revoke {2**53}",
            ["from 0 to 9007199254740991", "Usage: /steward kaiten group <targets> revoke"],
        ),
        (f"kaiten group {QA} grant tags spaces", ["`spaces` is not a field=value pair"]),
        ("kaiten group x grant tags", ["`x` is not a target", "group uid", GRANT]),
        ("kaiten group x grant", ["`x` is not a target", GRANT]),
        ("kaiten group x revoke", ["Usage: /steward kaiten group <targets> revoke"]),
        ("kaiten group anna@acme.com grant tags", ["groups have no e-mail address"]),
        ("kaiten user abc set theme=dark", ["`abc` is not a target", "Kaiten user id (a number", SET_USER]),
        ("kaiten user 0 set theme=dark", ["`0` is not a target"]),
        ("kaiten user 42,@anna set theme=dark", ["`@anna` is not a target", "Slack mention"]),
        ("onlyoffice user 42 disable", ["`42` is not a target", "ONLYOFFICE user GUID"]),
        ("hub user you ban", ["`you` is not a target", "me (Steward's own account)", BAN]),
        ("kaiten user 42 43 set theme=dark", ["Unknown action `43`", "separated by commas"]),
        ("kaiten user set theme=dark", ["Name the users to change before `set`"]),
        (
            "kaiten user 42,43",
            ["Say what to do with the users: set, deactivate, reactivate; or name one user"],
        ),
        ("kaiten group", ["Name the groups to change", "grant", "revoke"]),
        ("kaiten", ["Say what to change in Kaiten: user or group"]),
        ("kaiten user , set theme=dark", ["Name at least one user"]),
        ("kaiten user 42 set theme=dark theme=light", ["`theme` is given twice"]),
        ("kaiten user 42 set theme=dark THEME=light", ["`theme` is given twice"]),
        ("hub user me ban reason=a reason=b", ["`reason` is given twice"]),
        ("kaiten user 42 set", ["Say which fields to set, like full_name=", SET_USER]),
        ("kaiten user 42 set reason=x", ["Say which fields to set"]),
        ("kaiten user 42 set theme", ["`theme` is not a field=value pair"]),
        (
            "kaiten user 42 set full_name=Anna Petrova",
            ["`Petrova` is not a field=value pair", "goes in quotes"],
        ),
        ("onlyoffice user a@acme.com disable title=x", ["`disable` takes nothing but a reason", "`title`"]),
        ("hub user me unban banned=false", ["`unban` takes nothing but a reason"]),
        ("status", ["one request id", "Usage: /steward status <request-id>"]),
        ("status a b", ["one request id"]),
        ("status ###", ["one request id"]),
        ("check now", ["`check` takes nothing after it", "Usage: /steward check"]),
        ("help kaiten user", ["`help` takes at most a vendor"]),
        ("history kaiten 42 more", ["at most a vendor and a target"]),
        ('history kaiten "bob smith"', ["`bob smith` is not a target", "Kaiten user id", "Kaiten group uid"]),
        ('kaiten user 42 set full_name="Anna', ['the quote " is not closed', SET_USER]),
        ("kaiten user 42 set full_name=«Anna", ["the quote « is not closed"]),
        ('kaiten user 42 set full_name="Anna"Petrova', ['leave a space after the closing quote "']),
        ("hub user me ban reason=‘don’t’", ["leave a space after the closing quote ’", BAN]),
    ],
)
def test_a_mistake_says_what_is_wrong_and_quotes_the_usage_of_what_was_typed(
    text: str, words: list[str]
) -> None:
    message = refusal(text)
    assert "Usage:" in message
    for word in words:
        assert word in message


def test_a_word_quoted_back_cannot_break_out_of_its_backticks_or_run_long() -> None:
    message = refusal("kaiten user `@here`" + "x" * 500 + " set theme=dark")
    problem = message.splitlines()[0]
    assert "`@here`" not in problem and "'@here'" in problem
    assert len(problem) < 300


@pytest.mark.parametrize(
    "text",
    [
        "kaiten user 42 set password=Sup3rSecret!",
        "kaiten user 42 set PASSWORD = Sup3rSecret!",
        "kaiten user 42 set password= Sup3rSecret! theme=dark",
        "kaiten user 42 set old_password=Sup3rSecret! password=other",
        "kaiten user 42 set password=Sup3rSecret! Sup3rSecret!",
        "kaiten user 42 set fulname=x password=Sup3rSecret!",
        "kaiten user 42 set password=“Sup3rSecret!",
        "kaiten user password=Sup3rSecret! set theme=dark",
        "kaiten user 42 st password=Sup3rSecret!",
        "password=Sup3rSecret!",
        "help password=Sup3rSecret!",
    ],
)
def test_a_password_in_a_command_is_refused_and_never_echoed(text: str) -> None:
    for allowed in (False, True):
        message = refusal(text, allow_passwords=allowed)
        assert "only through the form" in message and "Sup3rSecret" not in message
        assert ("STEWARD_ALLOW_PASSWORD_CHANGES" in message) is not allowed


def test_a_password_for_an_object_without_one_is_refused_without_echo() -> None:
    message = refusal("hub user me set password=Sup3rSecret! x y")
    assert "`password` is not a field of a Hub user" in message and "only through the form" in message
    assert "Sup3rSecret" not in message


def test_a_huge_command_is_refused_within_slacks_limits() -> None:
    message = refusal("kaiten user 42 set " + " ".join(f"f{i}=x" for i in range(2000)))
    assert len(message) < 3000 and message.endswith(SET_USER.removeprefix("Usage: "))
    assert len(refusal("kaiten user 42 set default_space_id=" + "9" * 5000)) < 3000
    assert len(refusal("kaiten user " + "9" * 5000 + " set theme=dark")) < 3000
    assert len(refusal(f"kaiten group {QA} grant " + "9" * 5000)) < 3000
    assert len(refusal("kaiten user 42 set email_settings=" + "[" * 3000 + "]" * 3000)) < 3000


def test_a_value_no_quotes_can_hold_is_refused_as_a_command_error() -> None:
    with pytest.raises(CommandError, match="every kind of closing quote"):
        quote("a " + "\"'”’“‘»«›")


@pytest.mark.parametrize("vendor", [None, "kaiten", "onlyoffice", "hub"])
def test_help_lists_each_objects_fields_with_their_rules_and_an_example_of_each_action(
    vendor: str | None,
) -> None:
    text = help_text(vendor)
    assert "/steward kaiten group <targets> grant <permission>" in text and "true/false, yes/no" in text
    if vendor in (None, "kaiten"):
        assert "full_name: text, 1..128 characters" in text and "initials: text, exactly 2 characters" in text
        assert "avatar_type: one of gravatar (1), initials (2), uploaded (3)" in text
        assert "default_space_id: whole number, null clears it" in text and "tags (512)" in text
        assert "password, old_password: only through the form" in text
        assert all(f" {action} " in text for action in ("set", "grant", "revoke"))
    if vendor in (None, "onlyoffice"):
        assert (
            "isVisitor: true/false" in text
            and "contacts: JSON list" in text
            and "department: list of GUIDs" in text
        )
        assert all(f" {action}" in text for action in ("disable reason=", "enable"))
    if vendor in (None, "hub"):
        assert "banReason: text, 0..1024 characters" in text and "alias youtrack" in text
        assert " ban reason=" in text and " unban" in text
    # Shown in a Slack code block: no backticks, no Slack markup, each paragraph fits a section.
    assert "`" not in text and "<@" not in text and "<!" not in text and "<#" not in text
    assert all(len(part) < 3000 for part in text.split("\n\n"))


def test_every_help_example_is_a_valid_command() -> None:
    examples = [line.strip() for line in help_text().splitlines() if line.startswith("  /steward ")]
    assert len(examples) == 18  # each also runs against the sandbox: tests/flow/test_examples.py
    for example in examples:
        parse(example.removeprefix("/steward "))


def test_a_request_naming_more_than_500_targets_is_refused_before_any_call() -> None:
    five_hundred = ",".join(str(n) for n in range(1, 501))
    parsed = parse(f"kaiten user {five_hundred} set theme=dark")
    assert len(parsed.targets) == 500  # type: ignore[union-attr]

    message = refusal(f"kaiten user {five_hundred},501 set theme=dark")

    assert message.startswith("A request may name at most 500 users; this one names 501.")
    assert SET_USER in message
