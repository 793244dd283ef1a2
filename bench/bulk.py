"""One bulk change of many users per vendor, and one group add of as many people on Kaiten, with
the sandbox's rate limit on: Steward's pacing should keep each run near the floor its vendor's
limit sets, turn no refusal into a failure, update the card's progress at most once a second,
and finish every target."""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.stack import ADMIN, SECRET, Vendors, steward
from bot.language import MAX_TARGETS
from bot.sandbox import hub_data, kaiten_data, onlyoffice_data
from bot.sandbox.serve import LoopbackServer
from tests.rig import signing

KAITEN_FIRST = kaiten_data.EXTRA_FROM  # the Kaiten sandbox numbers its generated users from here
# The sandbox's "Auditors": nobody in it, so every person of the group add is one to add.
KAITEN_GROUP = "00000000-0000-4000-8000-000000000005"
# Group membership is sensitive by default (`kaiten.group.members`); like the user runs, whose
# field needs no approval, the group add runs at once, so its time is the run's and not an
# approver's. Steward's own account is not among the people, so this policy lets it through.
NOTHING_SENSITIVE = "[kaiten]\nsensitive = []\n"


@dataclass(frozen=True)
class Target:
    """What a bulk run of one vendor sends and counts."""

    vendor: str  # as typed in /steward
    name: str
    change: str  # after the targets: `set field=value` (a change that needs no approval), or `add`
    write: str  # the HTTP method of the vendor's update call
    allowed: int | None  # requests the vendor allows per window; None: no documented limit
    per: float  # the window, seconds
    limit: str  # that limit as the vendor states it
    refusal: int  # the status the vendor refuses with when over its limit
    ids: Callable[[int], list[str]]
    most: int  # targets one command can name within Steward's 4,000 characters of command text
    obj: str = "user"  # the object the DM names: `user`, or `group` for a membership change
    group: str | None = None  # a membership change: `<vendor> group <group> add <people>`
    policy: str | None = None  # STEWARD_POLICY_FILE's text for this run, if any
    label: str = ""  # the report's row, when not the vendor's name

    def command(self, ids: list[str]) -> str:
        if self.group is None:
            return f"{self.vendor} user {','.join(ids)} {self.change}"
        return f"{self.vendor} group {self.group} {self.change} {','.join(ids)} reason='bulk bench'"


TARGETS = {
    "kaiten": Target(
        "kaiten",
        "Kaiten",
        "set theme=dark",
        "PATCH",
        5,
        1.0,
        "5 requests/s per token",
        429,
        lambda n: [str(KAITEN_FIRST + i) for i in range(n)],
        500,
    ),
    "kaiten-group": Target(
        "kaiten",
        "Kaiten",
        "add",
        "POST",
        5,
        1.0,
        "5 requests/s per token",
        429,
        lambda n: [str(KAITEN_FIRST + i) for i in range(n)],
        MAX_TARGETS,  # 500 ids of four digits and a comma fit in 4,000 characters
        obj="group",
        group=KAITEN_GROUP,
        policy=NOTHING_SENSITIVE,
        label="Kaiten group add",
    ),
    "onlyoffice": Target(
        "onlyoffice",
        "ONLYOFFICE",
        "set title='Bulk tester'",
        "PUT",
        500,
        10.0,
        "500 requests per 10 s per token",
        503,
        lambda n: [str(onlyoffice_data.extra_user(i)["id"]) for i in range(1, n + 1)],
        100,  # GUIDs of 36 characters and a comma
    ),
    "hub": Target(
        "hub",
        "Hub",
        "set name='Bulk tester'",
        "POST",
        None,
        1.0,
        "none documented",
        429,
        lambda n: [str(hub_data.extra_user(i)["id"]) for i in range(1, n + 1)],
        100,  # UUIDs, as ONLYOFFICE's GUIDs
    ),
}

_NUMBER = re.compile(r"/[0-9]+(?=/|$)")
_UID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=/|$)")


def _kind(method: str, path: str) -> str:
    """A request as a kind: `GET /groups/{uid}/users`, whatever the ids."""
    path = path.removeprefix("/api/latest").removeprefix("/api/v1")
    return f"{method} {_NUMBER.sub('/{id}', _UID.sub('/{uid}', path))}"


@dataclass
class Bulk:
    vendor: str
    users: int
    seconds: float  # from the command to the requester's DM
    writes: int  # update calls the vendor applied (answered 2xx)
    requests: int  # every API request the vendor saw, reads and logins too
    refused: int  # answered with the vendor's over-the-limit status
    changed: int  # targets the DM counts as changed
    progress_updates: int  # chat.update of the card while running
    closest_updates: float | None  # the least seconds between two progress updates
    allowed: int | None
    per: float
    limit: str
    kinds: dict[str, int] = field(default_factory=dict)  # requests by method and path, refused too
    span: float = 0.0  # seconds from the vendor's first request to its last

    def _floor(self, requests: int) -> float | None:
        """The least time the vendor's limit allows for `requests`: a full window's worth may go
        at once, each further one waits for the next window."""
        if self.allowed is None:
            return None
        return (math.ceil(max(1, requests) / self.allowed) - 1) * self.per

    @property
    def floor(self) -> float | None:
        """For every request Steward made, reads and logins included; a refused one is not
        needed, so it does not count."""
        return self._floor(self.requests - self.refused)

    @property
    def write_floor(self) -> float | None:
        """For the update calls alone."""
        return self._floor(self.users)


def _server(vendors: Vendors, vendor: str) -> LoopbackServer:
    server: LoopbackServer = getattr(vendors, vendor)
    return server


def _dm(vendors: Vendors, users: int, target: Target) -> str | None:
    """The requester's DM about a bulk request of `users` targets at `target`, once it is there."""
    about = f"{target.name} {target.obj}"
    for call in vendors.slack.calls("chat.postMessage"):
        text = str(call.args.get("text"))
        if text.startswith("Your request") and about in text and f" of {users} targets" in text:
            return text
    return None


def _progress(vendors: Vendors, started: float) -> list[float]:
    """When the card was updated to show progress (chat.update of a running card)."""
    return [
        c.at
        for c in vendors.slack.calls("chat.update")
        if c.at >= started and "Running" in str(c.args.get("text"))
    ]


def bulk(vendors: Vendors, tmp: Path, users: int, vendor: str = "kaiten") -> Bulk:
    """`vendor` is a key of TARGETS."""
    target = TARGETS[vendor]
    users = min(users, target.most)  # one command's text holds at most 4,000 characters
    sandbox = _server(vendors, target.vendor)
    options = sandbox.app.state.options  # type: ignore[attr-defined]
    before = dict(options)
    options["extra_users"] = users
    if target.allowed is not None:  # the sandbox's own limit on: Kaiten 5/s, ONLYOFFICE 500 per 10 s
        options["rate_limit"] = True
    groups = getattr(sandbox.app, "groups", {})
    members = list(groups[target.group]["members"]) if target.group else []
    settings = {}
    if target.policy is not None:
        policy = tmp / f"policy-{vendor}.toml"
        policy.write_text(target.policy)
        settings["STEWARD_POLICY_FILE"] = str(policy)
    server = steward(vendors, tmp, **settings)
    try:
        sandbox.app.state.clear_log()  # type: ignore[attr-defined]
        body = signing.slash_command(
            target.command(target.ids(users)),
            user_id=ADMIN,
            channel_id="C0OPS",
            response_url=vendors.slack.hooks_url + f"bulk-{vendor}",
        )
        vendors.slack.clear()
        start, wall = time.monotonic(), time.time()
        httpx.post(f"{server.url}/slack/events", content=body, headers=signing.sign(SECRET, body), timeout=30)
        # up to twice the floor of a read and a write per user, plus a minute
        windows = math.ceil(3 * users / target.allowed) if target.allowed else 0
        deadline = time.monotonic() + 2 * windows * target.per + 60  # reads and writes, twice over
        while (dm := _dm(vendors, users, target)) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        seconds = time.monotonic() - start
        seen = [r for r in sandbox.app.state.requests() if not r.path.startswith("/__")]  # type: ignore[attr-defined]
        updates = _progress(vendors, wall)
        gaps = [b - a for a, b in itertools.pairwise(updates)]
        changed = int(dm.split(", ")[-1].split(" of ")[0]) if dm and " of " in dm else 0
        kinds = Counter(_kind(r.method, r.path) for r in seen)
        return Bulk(
            vendor=target.label or target.name,
            users=users,
            seconds=seconds,
            writes=sum(1 for r in seen if r.method == target.write and 200 <= r.status < 300),
            requests=len(seen),
            refused=sum(1 for r in seen if r.status == target.refusal),
            changed=changed,
            progress_updates=len(updates),
            closest_updates=min(gaps) if gaps else None,
            allowed=target.allowed,
            per=target.per,
            limit=target.limit,
            kinds=dict(kinds.most_common()),
            span=seen[-1].time - seen[0].time if len(seen) > 1 else 0.0,
        )
    finally:
        server.stop()
        options.clear()
        options.update(before)
        if target.group:  # the group as it was, for a run after this one
            groups[target.group]["members"] = members
