"""Throughput end to end: many immediate Kaiten `theme` changes, one user each, sent faster than
either server finishes them, to Steward and to the baseline (`python -m bench.bare --work`: ack,
one httpx PATCH, one chat.postMessage). Kaiten's rate limit is off at the sandbox and in Steward
(KAITEN_RATE_LIMIT=0), so what is measured is each server's own cost."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.bulk import KAITEN_FIRST
from bench.measure import percentile, send, wait_until
from bench.stack import Server, Vendors, bare_bolt, steward
from tests.rig.fake_slack import Call

TEXT = "kaiten user {i} set theme=dark"
# What marks a finished change at the fake Slack, and which user it was for:
STEWARD_DONE = re.compile(r"^✅ Done: request .*?bulk(\d+)@", re.S)  # the outcome in the card's thread
BASELINE_DONE = re.compile(r"Kaiten user (\d+): HTTP 200")


@dataclass
class Throughput:
    changes: int
    finished: int
    seconds: float  # from the first command's scheduled time to the last outcome
    p50_s: float  # command → outcome in Slack
    p99_s: float
    cpu_s: float  # the server process's CPU time over the run
    rounds: tuple[float, ...] = ()  # changes/s of every round, when this is the median one

    @property
    def cpu_ms_per_change(self) -> float:
        return 1000 * self.cpu_s / self.finished if self.finished else 0.0

    @property
    def per_second(self) -> float:
        return self.finished / self.seconds if self.seconds else 0.0


def _finished(vendors: Vendors, pattern: re.Pattern[str]) -> dict[int, Call]:
    """user number → the first Slack message saying that user's change was done."""
    found: dict[int, Call] = {}
    for call in vendors.slack.calls("chat.postMessage"):
        match = pattern.search(str(call.args.get("text", "")))
        if match:
            found.setdefault(int(match.group(1)), call)
    return found


def run(
    make: Callable[[], Server], vendors: Vendors, pattern: re.Pattern[str], n: int, rate: float, stall: float
) -> Throughput:
    options = vendors.kaiten.app.state.options  # type: ignore[attr-defined]
    options |= {"extra_users": n, "rate_limit": False}
    # Every server changes the same fresh users: after an earlier round they would already be
    # dark, and Steward makes no request for a change that is already so ("Nothing to do").
    vendors.kaiten.app.reset_data()  # type: ignore[attr-defined]
    server = make()
    try:
        vendors.slack.clear()
        cpu = server.cpu_seconds()
        sent = send(server, vendors, [TEXT], rate, n, offset=KAITEN_FIRST)
        wait_until(lambda: len(_finished(vendors, pattern)), n, stall=stall)
        done = _finished(vendors, pattern)
        cpu = server.cpu_seconds() - cpu
        epoch = float(sent["epoch"])
        took = [call.at - (epoch + (user - KAITEN_FIRST) / rate) for user, call in done.items()]
        last = max((call.at for call in done.values()), default=epoch)
        return Throughput(
            changes=n,
            finished=len(done),
            seconds=last - epoch,
            p50_s=percentile(took, 0.50) if took else 0.0,
            p99_s=percentile(took, 0.99) if took else 0.0,
            cpu_s=cpu,
        )
    finally:
        server.stop()
        options |= {"extra_users": 0}


def throughput(
    vendors: Vendors, tmp: Path, n: int, rate: float, stall: float, rounds: int = 1
) -> tuple[Throughput, Throughput, Throughput]:
    """(baseline, Steward's calls alone, Steward) for `n` changes sent at `rate` per second: of
    `rounds` runs each, the median one. The three run in turn in every round, so that whatever
    else the machine is doing falls on all three alike."""
    servers = [
        (lambda: bare_bolt(vendors, tmp, work=True), BASELINE_DONE),
        (lambda: bare_bolt(vendors, tmp, work=True, steward_calls=True), BASELINE_DONE),
        (lambda: steward(vendors, tmp, KAITEN_RATE_LIMIT="0"), STEWARD_DONE),
    ]
    runs: list[list[Throughput]] = [[] for _ in servers]
    for _ in range(rounds):
        for (make, pattern), done in zip(servers, runs, strict=True):
            done.append(run(make, vendors, pattern, n, rate, stall))
    base, calls, ours = (_median(done) for done in runs)
    return base, calls, ours


def _median(runs: list[Throughput]) -> Throughput:
    middle = sorted(runs, key=lambda t: t.per_second)[len(runs) // 2]
    return dataclasses.replace(middle, rounds=tuple(t.per_second for t in runs))
