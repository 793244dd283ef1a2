"""`python -m bench [--quick] [--out PATH]`: Steward against bare Bolt on loopback, written to
bench/RESULTS.md. See README.md, "Benchmarks"."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.bulk import TARGETS, bulk
from bench.measure import Acks, load, wait_until
from bench.report import Memory, Plan, Results, write
from bench.stack import Server, Vendors, bare_bolt, steward
from bench.throughput import throughput
from bot.sandbox import company

ACK_TEXT = "kaiten user 2 set theme=dark"
# Hub has no documented rate limit, so Steward does not pace it: thousands of changes finish in
# minutes (Kaiten's 5 requests/s would take over an hour for the memory run).
# One person after another, each change a new name; a change that meets a newer one for the same
# person is stopped by Steward's conflict check, which is a full run through the pipeline too.
MEMORY_TEXTS = [
    f"hub user {p.email} set name='{p.full_name} {{i}}'"
    for p in company.people("hub")
    if p.login != "steward"
]
FULL = Plan(
    rate=100,
    seconds=30,
    memory_n=10_000,
    memory_rate=65,  # about what Steward keeps up with on 2 cores; 20,000 commands take ~5 minutes
    slow=2.0,
    stall=30.0,
    bulk=200,
    changes=1_000,
    changes_rate=400,
    changes_rounds=3,
)
QUICK = Plan(
    rate=20,
    seconds=2,
    memory_n=60,
    memory_rate=60,
    slow=2.0,
    stall=5.0,
    bulk=10,
    changes=20,
    changes_rate=20,
    changes_rounds=1,
)


T = TypeVar("T")


def step(name: str, failed: dict[str, str], work: Callable[[], T]) -> T | None:
    """`work()`, or None when it fails: why goes into `failed` under `name`, and the bench goes on
    with the next step (a load generator timing out on a busy machine ends only its own step)."""
    try:
        return work()
    except Exception as err:  # any failure of one step; RESULTS.md names it
        failed[name] = f"{type(err).__name__}: {err}"[:500]
        print(f"{name}: did not complete: {failed[name]}", file=sys.stderr, flush=True)
        return None


def acks(server: Server, vendors: Vendors, plan: Plan) -> Acks:
    try:
        return load(server, vendors, [ACK_TEXT], plan.rate, int(plan.rate * plan.seconds))
    finally:
        server.stop()


def memory(vendors: Vendors, tmp: Path, plan: Plan) -> Memory:
    server = steward(vendors, tmp)
    try:
        time.sleep(2)  # let start-up settle
        vendors.start_counting()  # this run's outcomes only, not the earlier runs'
        vendors.hub.app.state.clear_log()  # type: ignore[attr-defined]
        idle = server.rss_mb()
        rss: list[float] = []
        seconds: list[float] = []
        reached: list[int] = []
        changed: list[int] = []
        for target in (plan.memory_n, 2 * plan.memory_n):
            start = time.monotonic()
            load(server, vendors, MEMORY_TEXTS, plan.memory_rate, plan.memory_n, offset=target)
            got, _ = wait_until(vendors.outcomes, target, stall=plan.stall)
            seconds.append(time.monotonic() - start)
            reached.append(got)
            changed.append(vendors.calls(vendors.hub, "POST"))
            time.sleep(1)
            rss.append(server.rss_mb())
        return Memory(idle, rss[0], rss[1], reached, changed, seconds)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    began = time.monotonic()
    vendors = Vendors.start()
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        try:
            bare = step("Ack latency", failed, lambda: acks(bare_bolt(vendors, tmp), vendors, plan))
            print(f"bare Bolt acks: {bare}", flush=True)
            fast = step("Ack latency", failed, lambda: acks(steward(vendors, tmp), vendors, plan))
            print(f"Steward acks: {fast}", flush=True)
            vendors.slow(plan.slow)
            try:
                slow = step("Ack latency", failed, lambda: acks(steward(vendors, tmp), vendors, plan))
            finally:
                vendors.slow(0.0)
            print(f"Steward acks, vendors slow: {slow}", flush=True)
            base, calls, ours = step(
                "Throughput end to end",
                failed,
                lambda: throughput(
                    vendors, tmp, plan.changes, plan.changes_rate, plan.stall, plan.changes_rounds
                ),
            ) or (None, None, None)
            print(f"throughput: baseline {base}, Steward's calls {calls}, Steward {ours}", flush=True)
            mem = step("Memory", failed, lambda: memory(vendors, tmp, plan))
            print(f"Steward memory: {mem}", flush=True)
            bulks = []
            for vendor in TARGETS:
                done = step(
                    "Bulk changes", failed, lambda vendor=vendor: bulk(vendors, tmp, plan.bulk, vendor)
                )
                if done is not None:
                    bulks.append(done)
                    print(f"Steward bulk: {done}", flush=True)
        finally:
            vendors.stop()
    command = "python -m bench" + (" --quick" if args.quick else "")
    now, took = dt.datetime.now(dt.UTC), time.monotonic() - began
    results = Results(bare, fast, slow, mem, base, calls, ours, bulks, failed)
    text = write(args.out, plan, command, now, took, results)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
