"""Who may ask, what needs approval, who may approve: one table of decisions, and the policy
file read from TOML with a readable error for each kind of mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.flow.policy import (
    Policy,
    VendorPolicy,
    assess_approval,
    assess_offboard,
    assess_request,
    load_policy,
    ttl_for,
)

ADMINS = frozenset({"U0ANNA", "U0BORIS", "U0CAROL"})
BASE = Policy(admins=ADMINS)
SPLIT = Policy(admins=ADMINS, approvers=frozenset({"U0BOSS", "U0ANNA"}))
TWO = Policy(admins=ADMINS, approvals_required=2)
SELF = Policy(admins=frozenset({"U0ANNA"}), self_approval=True)
KAITEN_OWN = Policy(
    admins=ADMINS,
    kaiten=VendorPolicy(
        admins=frozenset({"U0KAI"}),
        approvers=frozenset({"U0KBOSS1", "U0KBOSS2"}),
        sensitive=frozenset({"user.full_name"}),
        approvals_required=2,
    ),
    hub=VendorPolicy(sensitive=frozenset()),
)

AT_ONCE = (True, False, 0, "runs at once: no sensitive fields")


def refused(reason: str) -> tuple[Any, ...]:
    return (False, False, 0, reason)


def approval(n: int, what: str) -> tuple[Any, ...]:
    return (True, True, n, f"needs {n} approval{'s' if n > 1 else ''} because {what}")


NO_SECOND_APPROVER = (
    "needs 2 approvals because `banned` is a sensitive field, but Hub has 1 approver who may approve it; "
    "an operator must add approvers"
)
NO_APPROVER = (
    "needs 1 approval because `banned` is a sensitive field, but Hub has no approvers who may approve it; "
    "an operator must add approvers"
)
ONE_ADMIN = Policy(admins=frozenset({"U0ANNA"}))
TWO_ADMINS_TWO_NEEDED = Policy(admins=frozenset({"U0ANNA", "U0BORIS"}), approvals_required=2)

# (policy, requester, "vendor.object", "field,field", (allowed, needs_approval, required, reason))
REQUESTS = [
    (BASE, "U0ANNA", "kaiten.user", "full_name", AT_ONCE),
    (BASE, "U0EVE", "kaiten.user", "full_name", refused("U0EVE is not on Steward's admin list for Kaiten")),
    (BASE, "U0ANNA", "kaiten.group", "permissions", approval(1, "`permissions` is a sensitive field")),
    (BASE, "U0ANNA", "kaiten.group", "name", AT_ONCE),
    (
        BASE,
        "U0ANNA",
        "kaiten.user",
        "username,password,lng",
        approval(1, "`password` and `username` are sensitive fields"),
    ),
    (BASE, "U0ANNA", "kaiten.user", "permissions", AT_ONCE),  # a group's field, not a user's
    (BASE, "U0ANNA", "onlyoffice.user", "disable", approval(1, "`disable` is a sensitive field")),
    (BASE, "U0ANNA", "onlyoffice.user", "isVisitor", approval(1, "`isVisitor` is a sensitive field")),
    (BASE, "U0ANNA", "onlyoffice.user", "title", AT_ONCE),
    (BASE, "U0ANNA", "hub.user", "banned", approval(1, "`banned` is a sensitive field")),
    (BASE, "U0ANNA", "youtrack.user", "email,login", approval(1, "`email` and `login` are sensitive fields")),
    (BASE, "U0ANNA", "hub.user", "name", AT_ONCE),
    (BASE, "U0ANNA", "hub.user", "name,email", approval(1, "`email` is a sensitive field")),
    (BASE, "U0ANNA", "jira.user", "name", refused("Steward does not know the vendor 'jira'")),
    (TWO, "U0ANNA", "hub.user", "banned", approval(2, "`banned` is a sensitive field")),
    # The admins approve by default; with 2 needed, one other admin is not enough:
    (TWO_ADMINS_TWO_NEEDED, "U0ANNA", "hub.user", "banned", (False, True, 2, NO_SECOND_APPROVER)),
    (ONE_ADMIN, "U0ANNA", "hub.user", "banned", (False, True, 1, NO_APPROVER)),
    (SELF, "U0ANNA", "hub.user", "banned", approval(1, "`banned` is a sensitive field")),
    # A vendor's own lists and sensitive fields replace the global ones for that vendor only:
    (KAITEN_OWN, "U0ANNA", "kaiten.user", "lng", refused("U0ANNA is not on Steward's admin list for Kaiten")),
    (KAITEN_OWN, "U0KAI", "kaiten.user", "full_name", approval(2, "`full_name` is a sensitive field")),
    (KAITEN_OWN, "U0KAI", "kaiten.user", "password", AT_ONCE),
    (
        KAITEN_OWN,
        "U0KAI",
        "onlyoffice.user",
        "title",
        refused("U0KAI is not on Steward's admin list for ONLYOFFICE"),
    ),
    (KAITEN_OWN, "U0ANNA", "onlyoffice.user", "disable", approval(1, "`disable` is a sensitive field")),
    (KAITEN_OWN, "U0ANNA", "hub.user", "banned", AT_ONCE),
]


@pytest.mark.parametrize(("policy", "requester", "what", "fields", "expected"), REQUESTS)
def test_who_may_ask_and_what_needs_approval(
    policy: Policy, requester: str, what: str, fields: str, expected: tuple[Any, ...]
) -> None:
    vendor, obj = what.split(".")
    decision = assess_request(policy, requester, vendor, obj, fields.split(","))
    assert (
        decision.allowed,
        decision.needs_approval,
        decision.approvals_required,
        decision.reason,
    ) == expected


def may(approver: str, n: int, of: int) -> tuple[Any, ...]:
    return (True, n < of, of, f"{approver} may approve: approval {n} of {of}")


def may_not(of: int, reason: str) -> tuple[Any, ...]:
    return (False, True, of, reason)


# (policy, approver, vendor, requester, already approved by, (allowed, more needed, required, reason))
APPROVALS = [
    (BASE, "U0BORIS", "kaiten", "U0ANNA", [], may("U0BORIS", 1, 1)),
    (BASE, "U0EVE", "kaiten", "U0ANNA", [], may_not(1, "U0EVE is not on Steward's approver list for Kaiten")),
    (
        BASE,
        "U0ANNA",
        "kaiten",
        "U0ANNA",
        [],
        may_not(1, "U0ANNA asked for this change and may not approve it too"),
    ),
    (SELF, "U0ANNA", "kaiten", "U0ANNA", [], may("U0ANNA", 1, 1)),
    (SPLIT, "U0BOSS", "hub", "U0ANNA", [], may("U0BOSS", 1, 1)),  # an approver who is not an admin
    (SPLIT, "U0BORIS", "hub", "U0ANNA", [], may_not(1, "U0BORIS is not on Steward's approver list for Hub")),
    (SPLIT, "U0ANNA", "hub", "U0CAROL", [], may("U0ANNA", 1, 1)),
    (TWO, "U0BORIS", "hub", "U0ANNA", [], may("U0BORIS", 1, 2)),
    (TWO, "U0CAROL", "hub", "U0ANNA", ["U0BORIS"], may("U0CAROL", 2, 2)),
    (TWO, "U0BORIS", "hub", "U0ANNA", ["U0BORIS"], may_not(2, "U0BORIS has already approved this request")),
    (KAITEN_OWN, "U0KBOSS1", "kaiten", "U0KAI", [], may("U0KBOSS1", 1, 2)),
    (
        KAITEN_OWN,
        "U0BORIS",
        "kaiten",
        "U0KAI",
        [],
        may_not(2, "U0BORIS is not on Steward's approver list for Kaiten"),
    ),
    (
        KAITEN_OWN,
        "U0KBOSS1",
        "hub",
        "U0ANNA",
        [],
        may_not(1, "U0KBOSS1 is not on Steward's approver list for Hub"),
    ),
]


@pytest.mark.parametrize(("policy", "approver", "vendor", "requester", "already", "expected"), APPROVALS)
def test_who_may_approve(
    policy: Policy, approver: str, vendor: str, requester: str, already: list[str], expected: tuple[Any, ...]
) -> None:
    decision = assess_approval(policy, approver, vendor, requester, already)
    assert (
        decision.allowed,
        decision.needs_approval,
        decision.approvals_required,
        decision.reason,
    ) == expected


def test_a_request_keeps_the_number_of_approvals_it_was_made_with() -> None:
    decision = assess_approval(BASE, "U0BORIS", "hub", "U0ANNA", [], required=3)
    assert (decision.needs_approval, decision.reason) == (True, "U0BORIS may approve: approval 1 of 3")


# --- the settings and the file ------------------------------------------------------------------


def _policy(tmp_path: Path, text: str | None, **settings: Any) -> Policy:
    if text is not None:
        path = tmp_path / "policy.toml"
        path.write_text(text, encoding="utf-8")
        settings["steward_policy_file"] = path
    return load_policy(load_settings(_env_file=None, **settings))


def test_without_a_file_the_settings_are_the_policy(tmp_path: Path) -> None:
    policy = _policy(tmp_path, None, steward_admins="U0ANNA,U0BORIS", steward_request_ttl="2h")
    rules = policy.rules("kaiten")
    assert rules.admins == rules.approvers == {"U0ANNA", "U0BORIS"}
    assert (rules.approvals_required, rules.self_approval, rules.ttl) == (1, False, dt.timedelta(hours=2))
    assert rules.sensitive == {
        "user.password",
        "user.username",
        "user.temporarily_inactive",
        "group.permissions",
        "group.members",
        "offboard",
    }
    assert policy.rules("onlyoffice").sensitive == {
        "user.disable",
        "user.isVisitor",
        "user.email",
        "group.members",
        "offboard",
    }
    assert policy.rules("hub").sensitive == {
        "user.banned",
        "user.email",
        "user.login",
        "group.members",
        "offboard",
    }


def test_a_policy_file_may_name_offboard_among_a_vendors_sensitive_changes(tmp_path: Path) -> None:
    policy = _policy(tmp_path, '[hub]\nsensitive = ["offboard", "user.banned"]\n', steward_admins="U0ANNA")
    assert policy.rules("hub").sensitive == {"offboard", "user.banned"}


def test_offboarding_needs_the_strictest_approvals_of_its_vendors_from_approvers_of_every_one(
    tmp_path: Path,
) -> None:
    policy = _policy(
        tmp_path,
        '[kaiten]\napprovers = ["U0BOSS", "U0KAI"]\n'
        '[hub]\napprovers = ["U0BOSS", "U0HUB"]\napprovals_required = 2\n'
        "[onlyoffice]\nsensitive = []\n",
        steward_admins="U0ANNA,U0BOSS",
    )
    decision, covered, left_out = assess_offboard(policy, "U0ANNA", ["kaiten", "onlyoffice", "hub"])
    assert covered == ["kaiten", "onlyoffice", "hub"] and left_out == {}
    # U0BOSS alone approves on all three (ONLYOFFICE's approvers are its admins), and 2 are needed
    assert not decision.allowed and "needs 2 approvals, but 1 approver may approve" in decision.reason
    decision, _, _ = assess_offboard(policy, "U0ANNA", ["kaiten", "onlyoffice"])
    assert decision.allowed and decision.needs_approval and decision.approvals_required == 1
    assert "offboarding always needs 1 approval" in decision.reason  # though ONLYOFFICE has sensitive = []
    assert not assess_approval(policy, "U0KAI", "kaiten,onlyoffice", "U0ANNA", [], required=1).allowed
    assert assess_approval(policy, "U0BOSS", "kaiten,onlyoffice", "U0ANNA", [], required=1).allowed
    assert _policy(tmp_path, None).rules("hub").ttl == dt.timedelta(hours=24)


def test_a_policy_file(tmp_path: Path) -> None:
    policy = _policy(
        tmp_path,
        """
        approvals_required = 1
        self_approval = true
        ttl = "8h"

        [kaiten]
        admins = ["U0KAI"]            # replaces the global list for Kaiten
        approvers = ["U0KBOSS1", "U0KBOSS2"]
        sensitive = ["user.password", "group.permissions", "group.name"]
        approvals_required = 2
        self_approval = false
        ttl = "30m"

        [youtrack]
        sensitive = []
        """,
        steward_admins="U0ANNA",
        steward_approvers="U0BOSS",
        steward_request_ttl="2h",
    )
    kaiten, hub, onlyoffice = policy.rules("kaiten"), policy.rules("hub"), policy.rules("onlyoffice")
    assert (kaiten.admins, kaiten.approvers) == ({"U0KAI"}, {"U0KBOSS1", "U0KBOSS2"})
    assert kaiten.sensitive == {"user.password", "group.permissions", "group.name"}
    assert (kaiten.approvals_required, kaiten.self_approval, kaiten.ttl) == (
        2,
        False,
        dt.timedelta(minutes=30),
    )
    assert (hub.admins, hub.approvers, hub.sensitive) == ({"U0ANNA"}, {"U0BOSS"}, frozenset())
    assert (onlyoffice.self_approval, ttl_for(policy, "onlyoffice")) == (True, dt.timedelta(hours=8))


def test_a_vendors_own_admins_approve_when_no_approvers_are_named(tmp_path: Path) -> None:
    policy = _policy(tmp_path, '[hub]\nadmins = ["U0HUB1", "U0HUB2"]\n', steward_admins="U0ANNA")
    assert policy.rules("hub").approvers == {"U0HUB1", "U0HUB2"}
    assert policy.rules("kaiten").approvers == {"U0ANNA"}


DURATION = r'must be a duration in quotes, such as "90s", "30m", "24h" or "2d"'
SLACK_IDS = "must be a list of Slack user ids"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("self_approval = true\nttl = 24h", r"is not valid TOML \(.* \(at line 2, column 9\)\)\.$"),
        (
            "approvals = 2",
            "unknown key `approvals`; expected one of approvals_required, self_approval, ttl, .*kaiten",
        ),
        (
            "[kaiten]\nadmin = ['U0A']",
            "unknown key `kaiten.admin`; expected one of admins, approvers, sensitive",
        ),
        ("kaiten = 3", r"`kaiten` must be a table \(\[kaiten\]\) of admins, approvers.*\(found 3\)"),
        ("approvals_required = 0", r"`approvals_required` must be a whole number of at least 1 \(found 0\)"),
        (
            "[hub]\napprovals_required = 'two'",
            r"`hub.approvals_required` must be a whole number.*\(found 'two'\)",
        ),
        ("approvals_required = true", r"must be a whole number of at least 1 \(found True\)"),
        ("self_approval = 'yes'", r"`self_approval` must be true or false \(found 'yes'\)"),
        ("ttl = 'tomorrow'", rf"`ttl` {DURATION} \(found 'tomorrow'\)"),
        ("ttl = 3600", rf"`ttl` {DURATION} \(found 3600\)"),
        ("[onlyoffice]\nadmins = 'U0ANNA'", rf"`onlyoffice.admins` {SLACK_IDS}.*\(found 'U0ANNA'\)"),
        ("[kaiten]\napprovers = ['anna@acme.test']", rf"`kaiten.approvers` {SLACK_IDS}"),
        (
            "[kaiten]\nsensitive = ['user.pasword']",
            "`kaiten.sensitive` names 'user.pasword', which Kaiten does not have; "
            "expected <object>.<field> from .*user.password",
        ),
        ("[hub]\nsensitive = ['group.name']", "`hub.sensitive` names 'group.name', which Hub does not have"),
        ("[hub]\nsensitive = ['user.guest']", "`hub.sensitive` names 'user.guest', which Hub does not have"),
        ("[hub]\nsensitive = 'user.login'", "`hub.sensitive` must be a list of <object>.<field> names"),
        ("[hub]\n[youtrack]", r"`youtrack` appears twice \(hub and youtrack are the same vendor\)"),
    ],
)
def test_a_malformed_policy_file_names_the_file_the_key_and_what_is_expected(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^STEWARD_POLICY_FILE {tmp_path}/policy.toml: .*{message}"):
        _policy(tmp_path, text)


def test_a_policy_file_that_went_away_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("", encoding="utf-8")
    settings = load_settings(_env_file=None, steward_policy_file=path)
    path.unlink()
    with pytest.raises(ConfigError, match=rf"STEWARD_POLICY_FILE {path}: cannot be read"):
        load_policy(settings)


# --- for a while (issue 17, point 3): max_for -----------------------------------------------------

SOON = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEEDS_ONE = approval(1, "`permissions` is a sensitive field")


@pytest.mark.parametrize(
    ("policy", "vendor", "decision", "lasting", "until", "refusal"),
    [
        (BASE, "kaiten", NEEDS_ONE, dt.timedelta(hours=8), None, None),
        (BASE, "kaiten", NEEDS_ONE, dt.timedelta(days=30), None, None),
        (
            BASE,
            "kaiten",
            NEEDS_ONE,
            dt.timedelta(days=31),
            None,
            "a change may be made for at most 30d on Kaiten (max_for), and this one asks for 31d",
        ),
        (BASE, "kaiten", NEEDS_ONE, None, SOON + dt.timedelta(days=29), None),
        (
            BASE,
            "hub",
            NEEDS_ONE,
            None,
            SOON + dt.timedelta(days=30, hours=1),
            "a change may be made for at most 30d on Hub (max_for), and this one asks until "
            "2026-04-01 10:00 UTC, 30d 1h from now",
        ),
        (
            Policy(
                admins=ADMINS, max_for=dt.timedelta(days=2), hub=VendorPolicy(max_for=dt.timedelta(hours=4))
            ),
            "hub",
            NEEDS_ONE,
            dt.timedelta(hours=5),
            None,
            "a change may be made for at most 4h on Hub (max_for), and this one asks for 5h",
        ),
        (
            Policy(
                admins=ADMINS, max_for=dt.timedelta(days=2), hub=VendorPolicy(max_for=dt.timedelta(hours=4))
            ),
            "kaiten",
            NEEDS_ONE,
            dt.timedelta(days=2),
            None,
            None,
        ),
        (
            BASE,
            "kaiten",
            AT_ONCE,
            dt.timedelta(hours=8),
            None,
            "only a change that needs approval can be made for a while: this one runs at once "
            "(no sensitive fields), so nobody would approve the access it gives; "
            "make it without `for`/`until`",
        ),
        (BASE, "kaiten", AT_ONCE, None, None, None),
    ],
)
def test_for_and_until_are_bounded_by_max_for_and_need_a_change_that_is_approved(
    policy: Policy,
    vendor: str,
    decision: tuple[Any, ...],
    lasting: dt.timedelta | None,
    until: dt.datetime | None,
    refusal: str | None,
) -> None:
    from bot.flow.policy import Decision, assess_lasting

    said = assess_lasting(policy, vendor, Decision(*decision), lasting=lasting, until=until, now=SOON)
    assert said == refusal


def test_max_for_is_read_from_the_policy_file_globally_and_per_vendor(tmp_path: Path) -> None:
    policy = _policy(tmp_path, 'max_for = "7d"\n[hub]\nmax_for = "12h"\n', steward_admins="U0ANNA")
    assert policy.rules("kaiten").max_for == dt.timedelta(days=7)
    assert policy.rules("hub").max_for == dt.timedelta(hours=12)
    assert _policy(tmp_path, None).rules("onlyoffice").max_for == dt.timedelta(days=30)
    with pytest.raises(ConfigError, match=rf"`max_for` {DURATION} \(found '7 days'\)"):
        _policy(tmp_path, 'max_for = "7 days"\n')
    with pytest.raises(ConfigError, match=rf"`kaiten.max_for` {DURATION} \(found 8\)"):
        _policy(tmp_path, "[kaiten]\nmax_for = 8\n")


def test_extend_without_approval_is_read_globally_and_per_vendor_and_only_spares_the_requester(
    tmp_path: Path,
) -> None:
    from bot.flow.policy import Decision, assess_extension

    policy = _policy(
        tmp_path,
        "extend_without_approval = true\n[hub]\nextend_without_approval = false\n",
        steward_admins="U0ANNA",
    )
    kaiten, hub = policy.rules("kaiten"), policy.rules("hub")
    assert (kaiten.extend_without_approval, hub.extend_without_approval) == (True, False)
    assert not _policy(tmp_path, None).rules("onlyoffice").extend_without_approval
    with pytest.raises(
        ConfigError, match=r"`kaiten.extend_without_approval` must be true or false \(found 1\)"
    ):
        _policy(tmp_path, "[kaiten]\nextend_without_approval = 1\n")

    at_once = assess_extension(policy, "U0ANNA", "kaiten", "U0ANNA", 2, "R1")
    assert (at_once.needs_approval, at_once.approvals_required) == (False, 0)
    assert "extend_without_approval" in at_once.reason
    by_another = assess_extension(policy, "U0ADMIN2", "kaiten", "U0ANNA", 2, "R1")
    assert by_another.needs_approval  # only the requester's own extension goes without
    assert assess_extension(policy, "U0ANNA", "hub", "U0ANNA", 1, "R1").needs_approval
    approved = assess_extension(BASE, "U0ANNA", "kaiten", "U0ANNA", 2, "R1")
    assert approved == Decision(True, True, 2, "an extension needs 2 approvals like R1")
