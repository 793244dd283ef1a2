"""`python -m bench --quick` runs end to end on loopback and reports every figure it measures.
No figure is judged here: the numbers depend on the machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    "bare Bolt",
    "| Steward |",
    "vendors answering after 2 s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "Steward p99 / bare Bolt p99",
    "with slow vendors moved by",
    "| idle |",
    "| after 60 |",
    "| after 120 |",
    "Peak RSS",
    "Growth from 60 to 120 commands",
    "Every command finished",
    "Throughput end to end",
    "| baseline | 20 |",
    "| Steward's calls | 20 |",
    "| Steward | 20 | 20 |",  # every change finished: none was skipped as already so
    "Steward / baseline",
    "Steward / Steward's calls alone",
    "Bulk changes",
    "| Kaiten | 5 requests/s per token | 10 |",
    "| ONLYOFFICE |",
    "| Hub |",
    "writes done",
    "progress at most once a second",
    "Machine:",
    "Command: `.venv/bin/python -m bench --quick`",
    "Date:",
]


def test_the_quick_bench_runs_and_names_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(  # noqa: S603  # our own interpreter and module
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    written = out.read_text()
    missing = [figure for figure in FIGURES if figure not in written]
    assert missing == [], written
    assert written in done.stdout
