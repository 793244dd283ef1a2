"""The figures as bench/RESULTS.md: the machine, the command, the date, every figure, which
goals hold."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from bench.bulk import KAITEN_RATE, Bulk
from bench.measure import Acks

ACK_RATIO_GOAL = 1.5
SLOW_MOVE_GOAL = 0.10
RSS_GOAL_MB = 150.0
GROWTH_GOAL = 0.05


@dataclass(frozen=True)
class Plan:
    rate: float  # signed /steward commands per second, open loop
    seconds: float
    memory_n: int
    memory_rate: float
    slow: float  # sandbox latency for the slow run, seconds
    bulk: int  # Kaiten users in the one bulk change
    stall: float  # give up waiting for the memory run's changes after this long without progress


@dataclass
class Memory:
    idle_mb: float
    after_n_mb: float
    after_2n_mb: float
    reached: list[int]  # commands finished (DM or private reply sent) after N and after 2N commands
    changed: list[int]  # of which Hub changed a user
    seconds: list[float]

    @property
    def growth(self) -> float:
        return self.after_2n_mb / self.after_n_mb - 1


def machine() -> str:
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {memory} memory, "
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}"
    )


def _holds(ok: bool) -> str:
    return "holds" if ok else "**does not hold**"


def _row(name: str, a: Acks) -> str:
    return f"| {name} | {a.count} | {a.ok} | {a.p50_ms:.1f} | {a.p99_ms:.1f} | {a.max_ms:.1f} |"


def write(
    out: Path,
    plan: Plan,
    command: str,
    when: dt.datetime,
    took: float,
    bare: Acks,
    fast: Acks,
    slow: Acks,
    mem: Memory,
    many: Bulk,
) -> str:
    ratio = fast.p99_ms / bare.p99_ms
    move = slow.p99_ms / fast.p99_ms - 1
    n = plan.memory_n
    all_ok = all(a.ok == a.count for a in (bare, fast, slow))
    lines = [
        "# Benchmark results",
        "",
        f"- Machine: {machine()}",
        f"- Command: `.venv/bin/{command}`",
        f"- Date: {when:%Y-%m-%d %H:%M} UTC; the run took {took:.0f} s",
        "- Everything on loopback: the fake Slack (tests/rig/fake_slack.py) and the three sandbox",
        "  vendors (rate limits off) in the bench process; each server under test in its own",
        "  subprocess; the open-loop load generator (asyncio + httpx) in another.",
        "",
        "## Ack latency",
        "",
        f"Signed `/steward {ACK}` commands at {plan.rate:g}/s for {plan.seconds:g} s, each sent at its",
        "scheduled time whatever the earlier answers; latency counts from that scheduled time to the",
        "whole HTTP answer. Bare Bolt: an AsyncApp whose `/steward` listener only acks, under",
        "Starlette + uvicorn like Steward (`python -m bench.bare`).",
        "",
        "| server | sent | 200 OK | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        _row("bare Bolt", bare),
        _row("Steward", fast),
        _row(f"Steward, vendors answering after {plan.slow:g} s", slow),
        "",
        f"- Steward p99 / bare Bolt p99 = **{ratio:.2f}×** (goal ≤ {ACK_RATIO_GOAL}×): "
        f"{_holds(ratio <= ACK_RATIO_GOAL)}",
        f"- Steward p99 with slow vendors moved by **{move:+.0%}** (goal ≤ {SLOW_MOVE_GOAL:.0%}): "
        f"{_holds(move <= SLOW_MOVE_GOAL)}",
        f"- Every command answered 200: {_holds(all_ok)}",
        "",
        "## Memory",
        "",
        f"Steward's VmRSS (/proc/<pid>/status) idle, after {n} and after {2 * n} immediate Hub name",
        f"changes (sent at {plan.memory_rate:g}/s, open loop, to the ten sample people in turn; each",
        "measured once Steward has finished every command: sent the requester's DM, or a private",
        "reply for a command it refused). A change that meets a newer change of the same person is",
        "stopped by Steward's conflict check, having gone through the whole pipeline (card, vendor",
        "read, thread, DM); `lena.berg@acme.test` matches two Hub users, so Steward asks which.",
        "Hub, because Steward paces Kaiten at its documented 5 requests/s, which would make",
        f"{2 * n} Kaiten changes take far longer than the run may.",
        "N is smaller than the 10,000 first planned: Steward finishes about 25-30 such commands a",
        "second on 2 cores, so 20,000 would not fit the run's 10 minutes.",
        "",
        "| moment | RSS MB | commands finished | Hub users changed | seconds |",
        "|---|---|---|---|---|",
        f"| idle | {mem.idle_mb:.1f} | – | – | – |",
        *(
            f"| after {k * n} | {rss:.1f} | {mem.reached[k - 1]} | {mem.changed[k - 1]} | "
            f"{mem.seconds[k - 1]:.0f} |"
            for k, rss in ((1, mem.after_n_mb), (2, mem.after_2n_mb))
        ),
        "",
        f"- Peak RSS **{mem.after_2n_mb:.1f} MB** (goal < {RSS_GOAL_MB:g} MB): "
        f"{_holds(max(mem.after_n_mb, mem.after_2n_mb) < RSS_GOAL_MB)}",
        f"- Growth from {n} to {2 * n} commands **{mem.growth:+.1%}** (goal ≤ {GROWTH_GOAL:.0%}): "
        f"{_holds(mem.growth <= GROWTH_GOAL)}",
        f"- Every command finished: {_holds(mem.reached[0] >= n and mem.reached[1] >= 2 * n)}",
        "",
        *_bulk(many),
        "## Not measured",
        "",
        "Throughput of 1,000 immediate Kaiten `theme` changes against a bare-Bolt baseline",
        "(`python -m bench.bare --work`: ack, one httpx PATCH, one chat.postMessage) is not part of",
        f"this run: Steward paces Kaiten at {KAITEN_RATE} requests/s, so 1,000 changes take at least",
        f"{1000 // KAITEN_RATE} s by design and would not fit the run's 10 minutes.",
        "",
    ]
    text = "\n".join(lines)
    out.write_text(text)
    return text


ACK = "kaiten user 2 set theme=dark"


def _bulk(b: Bulk) -> list[str]:
    patch_floor = b.users / KAITEN_RATE
    return [
        "## Bulk change",
        "",
        f"One `/steward kaiten user {FIRST}..{FIRST + b.users - 1} set theme=dark` ({b.users} users),",
        f"with the sandbox's Kaiten rate limit ON ({KAITEN_RATE} requests/s per token), from the",
        "command to the requester's DM.",
        "",
        "| users | seconds | PATCHes done | Kaiten requests (reads too) | 429s |",
        "|---|---|---|---|---|",
        f"| {b.users} | {b.seconds:.1f} | {b.patches} | {b.requests} | {b.refused} |",
        "",
        f"- Floor for {b.users} PATCHes at {KAITEN_RATE}/s: {patch_floor:.0f} s; for all {b.requests} "
        f"requests Steward made: {b.floor:.0f} s. Steward took **{b.seconds / patch_floor:.2f}×** the",
        f"  PATCH floor, **{b.seconds / b.floor:.2f}×** the floor of its own requests.",
        f"- No 429 from Kaiten: {_holds(b.refused == 0)}; every user changed: {_holds(b.patches == b.users)}",
        "",
    ]


FIRST = 1000
