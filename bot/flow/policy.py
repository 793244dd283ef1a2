"""Who may ask for what, what needs approval, and who may approve: pure functions returning a
`Decision` with a sentence a person can read. Identity is always the Slack user id.

The settings give the global lists (STEWARD_ADMINS; STEWARD_APPROVERS, which defaults to the
admins) and the time to live (STEWARD_REQUEST_TTL). The optional TOML file at
STEWARD_POLICY_FILE adds to them; everything in it is optional:

    approvals_required = 1        # distinct approvers a sensitive change needs (1 or more)
    self_approval = false         # may the requester approve their own request?
    ttl = "24h"                   # how long a request waits for approval; replaces STEWARD_REQUEST_TTL
    remind_after = "1h"           # remind the approvers this long after; replaces STEWARD_REMIND_AFTER
    max_for = "30d"               # the longest `for`/`until` a change may be made for
    extend_without_approval = false   # may a requester's Extend move the end at once?

    [kaiten]                      # also [onlyoffice] and [hub] ([youtrack] is the same as [hub])
    admins = ["U0ADMIN1"]         # replaces STEWARD_ADMINS for this vendor
    approvers = ["U0BOSS1"]       # replaces the approvers for this vendor
    sensitive = ["user.password", "user.username", "group.permissions"]   # replaces the list
    approvals_required = 2
    self_approval = false
    ttl = "4h"
    remind_after = "30m"
    max_for = "7d"
    extend_without_approval = false

A vendor's approvers, when neither its table nor STEWARD_APPROVERS names them, are its admins.
`sensitive` lists `<object>.<field>` with the vendor's own field names; the actions change
these fields: grant/revoke → `group.permissions`, disable/enable → `user.disable`, ban/unban →
`user.banned` (`ACTION_FIELDS`). `sensitive = []` lets every change of that vendor run at once,
except a change to the account Steward itself uses there, which always needs approval.

Offboarding (`/steward offboard <person>`) is one request across several vendors; its `vendor`
is their keys joined with commas ("kaiten,hub"). It always needs approval, whatever `sensitive`
says (`offboard` may be listed there, as the default lists do, and leaving it out changes
nothing): as many approvals as the strictest of its vendors asks, each from someone who may
approve on every one of them. Who may read it: whoever may read every one of its vendors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Settings, parse_duration
from bot.errors import ConfigError
from bot.vendors import ALIASES, VENDOR_NAMES, VENDORS
from bot.vendors.hub import HubUserUpdate
from bot.vendors.kaiten import KaitenGroupUpdate, KaitenUserUpdate
from bot.vendors.onlyoffice import OnlyofficeUserUpdate

#: The fields each object of each vendor has, for checking the policy file's `sensitive`.
OBJECT_FIELDS: Mapping[str, Mapping[str, frozenset[str]]] = {
    "kaiten": {
        "user": frozenset(KaitenUserUpdate.model_fields),
        "group": frozenset(KaitenGroupUpdate.model_fields) | {"members"},
    },
    "onlyoffice": {"user": frozenset(OnlyofficeUserUpdate.model_fields), "group": frozenset({"members"})},
    "hub": {"user": frozenset(HubUserUpdate.model_fields), "group": frozenset({"members"})},
}

#: PRODUCT.md "Sensitive changes", as `<vendor>.<object>.<field>`.
DEFAULT_SENSITIVE = frozenset(
    {
        "kaiten.user.password",
        "kaiten.user.username",
        "kaiten.group.permissions",
        "onlyoffice.user.disable",
        "onlyoffice.user.isVisitor",
        "kaiten.user.temporarily_inactive",  # deactivate / reactivate
        "kaiten.group.members",
        "onlyoffice.user.email",  # the server mails an activation link and ends the person's sessions
        "onlyoffice.group.members",
        "hub.group.members",
        "hub.user.banned",
        "hub.user.email",  # where Hub sends password resets
        "hub.user.login",
        "kaiten.offboard",
        "onlyoffice.offboard",
        "hub.offboard",
    }
)

#: What the policy file's `sensitive` may name besides `<object>.<field>`.
OFFBOARD = "offboard"

#: The field an action without `field=value` pairs changes.
ACTION_FIELDS = {
    "grant": "permissions",
    "revoke": "permissions",
    "disable": "disable",
    "enable": "disable",
    "ban": "banned",
    "unban": "banned",
    "deactivate": "temporarily_inactive",
    "reactivate": "temporarily_inactive",
    "add": "members",
    "remove": "members",
}

T = TypeVar("T")
#: How long a change may be made for (`for`/`until`) unless the policy file says otherwise.
MAX_FOR = dt.timedelta(days=30)
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class VendorPolicy:
    """One vendor's overrides; None keeps the global value."""

    admins: frozenset[str] | None = None
    approvers: frozenset[str] | None = None
    sensitive: frozenset[str] | None = None  # "<object>.<field>"
    approvals_required: int | None = None
    self_approval: bool | None = None
    ttl: dt.timedelta | None = None
    remind_after: dt.timedelta | None = None
    max_for: dt.timedelta | None = None
    extend_without_approval: bool | None = None


@dataclass(frozen=True)
class Rules:
    """The policy as it applies to one vendor, every value settled."""

    vendor: str
    admins: frozenset[str]
    approvers: frozenset[str]
    sensitive: frozenset[str]
    approvals_required: int
    self_approval: bool
    ttl: dt.timedelta
    remind_after: dt.timedelta  # a pending request's approvers are reminded after this long
    max_for: dt.timedelta = MAX_FOR  # the longest a change may be made for (`for`/`until`)
    extend_without_approval: bool = False  # the requester's own Extend moves the end at once

    @property
    def name(self) -> str:
        return VENDOR_NAMES.get(self.vendor, self.vendor)


@dataclass(frozen=True)
class Policy:
    admins: frozenset[str] = frozenset()
    approvers: frozenset[str] | None = None  # None: the admins
    approvals_required: int = 1
    self_approval: bool = False
    ttl: dt.timedelta = dt.timedelta(hours=24)
    remind_after: dt.timedelta = dt.timedelta(hours=1)
    escalation_channel: str | None = None  # STEWARD_ESCALATION_CHANNEL: after 2 × remind_after
    max_for: dt.timedelta = MAX_FOR
    extend_without_approval: bool = False
    sensitive: frozenset[str] = DEFAULT_SENSITIVE  # "<vendor>.<object>.<field>"
    kaiten: VendorPolicy = VendorPolicy()
    onlyoffice: VendorPolicy = VendorPolicy()
    hub: VendorPolicy = VendorPolicy()

    def rules(self, vendor: str) -> Rules:
        vendor = vendor_key(vendor)
        own: VendorPolicy = getattr(self, vendor) if vendor in VENDORS else VendorPolicy()
        admins = self.admins if own.admins is None else own.admins
        approvers = own.approvers if own.approvers is not None else self.approvers
        prefix = f"{vendor}."
        default_sensitive = frozenset(s.removeprefix(prefix) for s in self.sensitive if s.startswith(prefix))
        return Rules(
            vendor=vendor,
            admins=admins,
            approvers=admins if approvers is None else approvers,
            sensitive=default_sensitive if own.sensitive is None else own.sensitive,
            approvals_required=_first(own.approvals_required, self.approvals_required),
            self_approval=_first(own.self_approval, self.self_approval),
            ttl=_first(own.ttl, self.ttl),
            remind_after=_first(own.remind_after, self.remind_after),
            max_for=_first(own.max_for, self.max_for),
            extend_without_approval=_first(own.extend_without_approval, self.extend_without_approval),
        )


def _first(override: T | None, default: T) -> T:
    return default if override is None else override


def vendor_key(vendor: str) -> str:
    key = vendor.strip().lower()
    return ALIASES.get(key, key)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    needs_approval: bool
    approvals_required: int
    reason: str


def vendors_of(vendor: str) -> list[str]:
    """The vendors of a request: one, or an offboarding's several ("kaiten,hub")."""
    return vendor.split(",")


def ttl_for(policy: Policy, vendor: str) -> dt.timedelta:
    return min(policy.rules(part).ttl for part in vendors_of(vendor))


def assess_lasting(
    policy: Policy,
    vendor: str,
    decision: Decision,
    *,
    lasting: dt.timedelta | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime,
) -> str | None:
    """Why a change asked `for` `lasting` or `until` a time may not be made so (None: it may).
    The end runs without anyone approving it, so only a change someone approves may have one;
    and no longer than `max_for` (counted from `now` for `until`)."""
    if lasting is None and until is None:
        return None
    if not decision.needs_approval:
        return (
            "only a change that needs approval can be made for a while: this one runs at once "
            f"({decision.reason.removeprefix('runs at once: ')}), so nobody would approve the access "
            "it gives; make it without `for`/`until`"
        )
    rules = policy.rules(vendor)
    if lasting is not None:
        span, asked = lasting, f"for {_span(lasting)}"
    else:
        assert until is not None
        span = until - now
        asked = f"until {until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC, {_span(span)} from now"
    if span <= rules.max_for:
        return None
    limit = f"at most {_span(rules.max_for)} on {rules.name} (max_for)"
    return f"a change may be made for {limit}, and this one asks {asked}"


def _span(span: dt.timedelta) -> str:
    """30d, 8h, 1d 2h: whole units, the largest first, to the minute."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    parts = [
        f"{days}d" if days else "",
        f"{rest // 60}h" if rest // 60 else "",
        f"{rest % 60}m" if rest % 60 else "",
    ]
    return " ".join(p for p in parts if p) or f"{int(span.total_seconds())}s"


def _names(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _approvals(n: int) -> str:
    return f"{n} approval" if n == 1 else f"{n} approvals"


def assess_request(policy: Policy, requester: str, vendor: str, obj: str, fields: Iterable[str]) -> Decision:
    """May `requester` ask for this change of `vendor`'s `obj`, and does it need approval?

    `fields` are the vendor field names the change sets (for an action, see `ACTION_FIELDS`)."""
    if vendor_key(vendor) not in VENDORS:
        return Decision(False, False, 0, f"Steward does not know the vendor {vendor!r}")
    rules = policy.rules(vendor)
    if requester not in rules.admins:
        return Decision(False, False, 0, f"{requester} is not on Steward's admin list for {rules.name}")
    hits = sorted({name for name in fields if f"{obj}.{name}" in rules.sensitive})
    if not hits:
        return Decision(True, False, 0, "runs at once: no sensitive fields")
    return _needs_approval(
        rules,
        requester,
        f"{_names(hits)} {'is a sensitive field' if len(hits) == 1 else 'are sensitive fields'}",
    )


def assess_own_account(policy: Policy, requester: str, vendor: str) -> Decision:
    """A change to the account Steward itself uses on `vendor` (Kaiten's current user,
    ONLYOFFICE's `@self`, Hub's `me`) needs approval whatever the field: it could lock Steward
    out, or give whoever holds its token more than the policy meant."""
    rules = policy.rules(vendor)
    return _needs_approval(rules, requester, f"it changes Steward's own {rules.name} account")


def _needs_approval(rules: Rules, requester: str, what: str) -> Decision:
    n = rules.approvals_required
    can_approve = rules.approvers if rules.self_approval else rules.approvers - {requester}
    if len(can_approve) < n:
        who = f"{len(can_approve) or 'no'} approver{'' if len(can_approve) == 1 else 's'} who may approve it"
        why = f"needs {_approvals(n)} because {what}, but {rules.name} has {who}"
        return Decision(False, True, n, why + "; an operator must add approvers")
    return Decision(True, True, n, f"needs {_approvals(n)} because {what}")


def assess_approval(
    policy: Policy,
    approver: str,
    vendor: str,
    requester: str,
    already_approved_by: Iterable[str],
    *,
    required: int | None = None,
) -> Decision:
    """May `approver` approve (or reject) `requester`'s request? `required` is the number the
    request was stored with (default: the policy's); `needs_approval` says whether more
    approvals will still be needed after this one."""
    done = set(already_approved_by)
    if "," in vendor:  # an offboarding: the approver must be one on every vendor it reaches
        n = required if required is not None else offboard_rules(policy, vendors_of(vendor))[0]
        for part in vendors_of(vendor):
            decision = assess_approval(policy, approver, part, requester, done, required=n)
            if not decision.allowed:
                return decision
        count = len(done) + 1
        return Decision(True, count < n, n, f"{approver} may approve: approval {min(count, n)} of {n}")
    rules = policy.rules(vendor)
    n = rules.approvals_required if required is None else required
    if approver not in rules.approvers:
        return Decision(False, True, n, f"{approver} is not on Steward's approver list for {rules.name}")
    if approver == requester and not rules.self_approval:
        return Decision(False, True, n, f"{approver} asked for this change and may not approve it too")
    if approver in done:
        return Decision(False, True, n, f"{approver} has already approved this request")
    count = len(done) + 1
    return Decision(True, count < n, n, f"{approver} may approve: approval {min(count, n)} of {n}")


def assess_extension(
    policy: Policy, actor: str, vendor: str, requester: str, approvals_required: int, of: str
) -> Decision:
    """Does `actor`'s Extend of request `of` (asked by `requester`, made with `approvals_required`)
    need a new approval? The same approvals as `of`, unless `actor` asked for `of` and the policy
    says (`extend_without_approval`, on every vendor it reaches) that such an extension needs none."""
    if actor == requester and all(policy.rules(part).extend_without_approval for part in vendors_of(vendor)):
        why = f"no new approval: <@{actor}> asked for {of}, and the policy's extend_without_approval is on"
        return Decision(True, False, 0, why)
    n = max(approvals_required, 1)
    return Decision(True, True, n, f"an extension needs {_approvals(n)} like {of}")


def may_read(policy: Policy, user: str, vendor: str) -> bool:
    """May `user` read `vendor`'s requests and audit entries: an admin or an approver of it
    (of each of an offboarding's vendors)."""
    return all(
        user in rules.admins or user in rules.approvers
        for rules in (policy.rules(part) for part in vendors_of(vendor))
    )


def offboard_rules(policy: Policy, vendors: list[str]) -> tuple[int, frozenset[str], bool]:
    """(approvals required, who may approve, self-approval) of an offboarding across `vendors`:
    the strictest of their rules."""
    rules = [policy.rules(vendor) for vendor in vendors]
    approvers = frozenset.intersection(*(r.approvers for r in rules))
    return max(r.approvals_required for r in rules), approvers, all(r.self_approval for r in rules)


def assess_offboard(
    policy: Policy, requester: str, vendors: Iterable[str]
) -> tuple[Decision, list[str], dict[str, str]]:
    """May `requester` offboard someone on `vendors` (those configured)? (the decision, the
    vendors it covers, the vendors left out → why). Always needs approval."""
    covered = [v for v in vendors if requester in policy.rules(v).admins]
    left_out = {
        v: f"<@{requester}> is not on Steward's admin list for {VENDOR_NAMES.get(v, v)}"
        for v in vendors
        if v not in covered
    }
    if not covered:
        nobody = Decision(False, True, 0, f"{requester} is not on Steward's admin list for any vendor")
        return nobody, [], left_out
    n, approvers, self_ok = offboard_rules(policy, covered)
    can_approve = approvers if self_ok else approvers - {requester}
    names = ", ".join(VENDOR_NAMES.get(v, v) for v in covered)
    if len(can_approve) < n:
        who = f"{len(can_approve) or 'no'} approver{'' if len(can_approve) == 1 else 's'}"
        why = (
            f"offboarding needs {_approvals(n)}, but {who} may approve on every one of {names}; "
            "an operator must add approvers"
        )
        return Decision(False, True, n, why), covered, left_out
    return Decision(True, True, n, f"offboarding always needs {_approvals(n)}"), covered, left_out


def readable_vendors(policy: Policy, user: str) -> list[str]:
    """The vendors whose requests and audit entries `user` may read."""
    return [vendor for vendor in VENDORS if may_read(policy, user, vendor)]


def admin_anywhere(policy: Policy, user: str) -> bool:
    """Is `user` an admin of at least one vendor (who may run `check`)."""
    return any(user in policy.rules(vendor).admins for vendor in VENDORS)


# --- loading ------------------------------------------------------------------------------------

_GLOBAL_KEYS = (
    "approvals_required",
    "self_approval",
    "ttl",
    "remind_after",
    "max_for",
    "extend_without_approval",
)
#: A vendor's table takes who may do what, and may set any global key for itself.
_VENDOR_KEYS = ("admins", "approvers", "sensitive", *_GLOBAL_KEYS)


def load_policy(settings: Settings) -> Policy:
    """The policy from the settings and, when STEWARD_POLICY_FILE is set, the TOML file;
    raises ConfigError naming the file, the key and what is expected."""
    policy = Policy(
        admins=frozenset(settings.steward_admins),
        approvers=None if settings.steward_approvers is None else frozenset(settings.steward_approvers),
        ttl=settings.steward_request_ttl,
        remind_after=settings.steward_remind_after,
        escalation_channel=settings.steward_escalation_channel,
    )
    if settings.steward_policy_file is None:
        return policy
    return apply_file(policy, settings.steward_policy_file)


def apply_file(policy: Policy, path: Path) -> Policy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"STEWARD_POLICY_FILE {path}: cannot be read ({err.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"STEWARD_POLICY_FILE {path}: is not valid TOML ({err}).") from None
    check = _Checker(path)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        vendor = ALIASES.get(key, key)
        if vendor in VENDORS:
            if vendor in changes:
                raise check.error(key, "appears twice (hub and youtrack are the same vendor)", value)
            changes[vendor] = check.vendor(key, vendor, value)
        elif key in _GLOBAL_KEYS:
            changes[key] = check.value(key, key, value)
        else:
            raise check.unknown(key, (*_GLOBAL_KEYS, *VENDORS))
    return dataclasses.replace(policy, **changes)


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, expected: str, value: Any) -> ConfigError:
        return ConfigError(f"STEWARD_POLICY_FILE {self.path}: `{key}` {expected} (found {value!r}).")

    def unknown(self, key: str, allowed: Iterable[str]) -> ConfigError:
        return ConfigError(
            f"STEWARD_POLICY_FILE {self.path}: unknown key `{key}`; expected one of {', '.join(allowed)}."
        )

    def vendor(self, key: str, vendor: str, table: Any) -> VendorPolicy:
        if not isinstance(table, dict):
            raise self.error(key, f"must be a table ([{key}]) of {', '.join(_VENDOR_KEYS)}", table)
        values: dict[str, Any] = {}
        for name, value in table.items():
            if name not in _VENDOR_KEYS:
                raise self.unknown(f"{key}.{name}", _VENDOR_KEYS)
            values[name] = self.value(f"{key}.{name}", name, value, vendor)
        return VendorPolicy(**values)

    def value(self, key: str, name: str, value: Any, vendor: str = "") -> Any:
        if name == "approvals_required":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.error(key, "must be a whole number of at least 1", value)
            return value
        if name in ("self_approval", "extend_without_approval"):
            if not isinstance(value, bool):
                raise self.error(key, "must be true or false", value)
            return value
        if name in ("ttl", "remind_after", "max_for"):
            expected = 'must be a duration in quotes, such as "90s", "30m", "24h" or "2d"'
            if not isinstance(value, str):
                raise self.error(key, expected, value)
            try:
                return parse_duration(value)
            except ValueError:
                raise self.error(key, expected, value) from None
        if name in ("admins", "approvers"):
            if not _strings(value) or not all(_SLACK_USER.match(item) for item in value):
                raise self.error(
                    key, 'must be a list of Slack user ids, such as ["U012ABC", "U034DEF"]', value
                )
            return frozenset(value)
        return self.sensitive(key, vendor, value)

    def sensitive(self, key: str, vendor: str, value: Any) -> frozenset[str]:
        known = {f"{obj}.{field}" for obj, fields in OBJECT_FIELDS[vendor].items() for field in fields}
        known.add(OFFBOARD)
        if not _strings(value):
            raise self.error(key, 'must be a list of <object>.<field> names, such as ["user.login"]', value)
        for item in value:
            if item not in known:
                expected = f"expected <object>.<field> from {', '.join(sorted(known))}"
                raise self.error(
                    key, f"names {item!r}, which {VENDOR_NAMES[vendor]} does not have; {expected}", value
                )
        return frozenset(value)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def administered_vendors(policy: Policy, user: str, vendors: Iterable[str] = VENDORS) -> list[str]:
    """Of `vendors` (say, those configured), the ones `user` is an admin of, in the order given:
    what the request form offers them. Empty for someone who may request no change at all."""
    return [
        vendor for vendor in vendors if vendor_key(vendor) in VENDORS and user in policy.rules(vendor).admins
    ]
