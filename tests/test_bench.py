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
    "| Kaiten group add | 5 requests/s per token | 10 |",
    "Kaiten group add: **",  # its time against the floor of its requests
    "| ONLYOFFICE |",
    "| Hub |",
    "writes done",
    "progress at most once a second",
    "Machine:",
    "Command: `.venv/bin/python -m bench --quick`",
    "Commit: ",
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
    # every bulk run wrote to and changed each of its 10 targets, the group add's people included
    rows = {row[0]: row for row in _cells(written, "| vendor | limit | users |")}
    assert set(rows) == {"Kaiten", "Kaiten group add", "ONLYOFFICE", "Hub"}, written
    for vendor, row in rows.items():
        users, writes, changed = row[2], row[6], row[9]
        assert (users, writes, changed) == ("10", "10", "10"), (vendor, row)


def _cells(text: str, header: str) -> list[list[str]]:
    """The rows of the table under `header`, each a list of its cells."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(header)) + 2  # past the |---|
    rows = []
    for line in lines[at:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_a_step_that_fails_is_named_in_the_results_and_the_other_steps_are_kept(tmp_path: Path) -> None:
    import datetime as dt

    from bench.__main__ import QUICK, step
    from bench.measure import Acks
    from bench.report import Results, write

    failed: dict[str, str] = {}

    def times_out() -> None:
        raise subprocess.TimeoutExpired(["python", "-m", "bench.load"], 274)

    assert step("Memory", failed, times_out) is None
    assert "TimeoutExpired" in failed["Memory"] and "274" in failed["Memory"], failed
    acks = Acks(count=40, ok=40, p50_ms=1.0, p99_ms=2.0, max_ms=3.0, seconds=2.0)
    results = Results(acks, acks, acks, None, None, None, None, [], failed)

    out = tmp_path / "RESULTS.md"
    written = write(out, QUICK, "python -m bench --quick", dt.datetime.now(dt.UTC), 1.0, results)

    assert out.read_text() == written
    assert "Steward p99 / bare Bolt p99 = **1.00×**" in written  # what did run is reported
    memory = written.split("## Memory", 1)[1].split("##", 1)[0]
    assert "did not complete" in memory and "TimeoutExpired" in memory, memory
    assert "## Throughput end to end" in written and "## Bulk changes" in written
    assert "| idle |" not in written  # no figure for a step that did not run
