"""Running the load generator against a server and reading its answers as figures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.stack import ROOT, SECRET, Server, Vendors


@dataclass
class Acks:
    count: int
    ok: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    seconds: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(
    server: Server, vendors: Vendors, texts: list[str], rate: float, count: int, offset: int = 0
) -> Acks:
    result = send(server, vendors, texts, rate, count, offset)
    latencies = [s * 1000 for s in result["latencies"]]
    return Acks(
        count=count,
        ok=sum(1 for s in result["statuses"] if s == 200),
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies),
        seconds=result["seconds"],
    )


def send(
    server: Server, vendors: Vendors, texts: list[str], rate: float, count: int, offset: int = 0
) -> dict[str, Any]:
    """Run the load generator (bench/load.py) and return what it measured."""
    argv = [sys.executable, "-m", "bench.load", f"{server.url}/slack/events", "--secret", SECRET]
    argv += ["--rate", str(rate), "--count", str(count), "--offset", str(offset)]
    argv += ["--response-url", vendors.slack.hooks_url]
    for text in texts:
        argv += ["--text", text]
    done = subprocess.run(  # noqa: S603  # our own interpreter and module
        argv, capture_output=True, text=True, cwd=ROOT, timeout=count / rate + 120, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def wait_until(done: Callable[[], int], target: int, stall: float = 20.0) -> tuple[int, float]:
    """Wait until `done()` reaches `target`, or stops moving for `stall` seconds; (reached, seconds)."""
    start = last_move = time.monotonic()
    seen = done()
    while seen < target:
        time.sleep(0.2)
        now_seen = done()
        if now_seen != seen:
            seen, last_move = now_seen, time.monotonic()
        elif time.monotonic() - last_move > stall:
            break
    return seen, time.monotonic() - start
