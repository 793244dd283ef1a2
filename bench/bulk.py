"""One bulk change of many Kaiten users, with Kaiten's rate limit on: Steward's pacer should keep
it at the floor of 5 requests/s without a single 429."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.stack import ADMIN, SECRET, Vendors, steward
from tests.rig import signing

FIRST_EXTRA = 1000  # the sandbox numbers its generated users from here
KAITEN_RATE = 5  # requests per second, Kaiten's documented limit


@dataclass
class Bulk:
    users: int
    seconds: float  # from the command to the requester's DM
    patches: int
    requests: int  # every request Kaiten saw, reads included
    refused: int  # answers 429

    @property
    def floor(self) -> float:
        """The least time Kaiten's limit allows for the requests Steward made."""
        return max(1, self.requests) / KAITEN_RATE


def _answered(vendors: Vendors, users: int) -> int:
    """The requester's DMs about a Kaiten request of `users` targets ("…, 200 of 200 targets …")."""
    texts = (str(c.args.get("text")) for c in vendors.slack.calls("chat.postMessage"))
    return sum(1 for t in texts if t.startswith("Your request") and f" of {users} targets" in t)


def bulk(vendors: Vendors, tmp: Path, users: int) -> Bulk:
    options = vendors.kaiten.app.state.options  # type: ignore[attr-defined]
    options |= {"extra_users": users, "rate_limit": True}
    server = steward(vendors, tmp)
    try:
        vendors.kaiten.app.state.clear_log()  # type: ignore[attr-defined]
        ids = ",".join(str(n) for n in range(FIRST_EXTRA, FIRST_EXTRA + users))
        body = signing.slash_command(
            f"kaiten user {ids} set theme=dark",
            user_id=ADMIN,
            channel_id="C0OPS",
            response_url=vendors.slack.hooks_url + "bulk",
        )
        before = _answered(vendors, users)
        start = time.monotonic()
        httpx.post(f"{server.url}/slack/events", content=body, headers=signing.sign(SECRET, body), timeout=30)
        # Steward reads every user before it writes, so nothing shows progress for a long while:
        # wait for the DM up to twice the floor of reads and writes, plus a minute.
        deadline = time.monotonic() + 2 * users / KAITEN_RATE + 60
        while _answered(vendors, users) <= before and time.monotonic() < deadline:
            time.sleep(0.2)
        seconds = time.monotonic() - start
        seen = vendors.kaiten.app.state.requests()  # type: ignore[attr-defined]
        return Bulk(
            users=users,
            seconds=seconds,
            patches=sum(1 for r in seen if r.method == "PATCH" and r.status == 200),
            requests=len(seen),
            refused=sum(1 for r in seen if r.status == 429),
        )
    finally:
        server.stop()
        options |= {"extra_users": 0, "rate_limit": False}
