"""A server under test in a subprocess, started as an operator starts it and waited for until its
`/healthz` answers 200: the one start-up loop of the end-to-end rig and the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx


def start_and_wait(
    argv: list[str], env: dict[str, str], url: str, log: Path, *, cwd: Path, timeout: float
) -> subprocess.Popen[bytes]:
    """`python <argv>` with `env`, its output in `log`; returns once `url`/healthz answers 200.
    Raises RuntimeError with the log's tail when it exits or does not answer within `timeout`."""
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and module
            [sys.executable, *argv], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd
        )
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=30)
            raise RuntimeError(f"{' '.join(argv)} did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.05)
