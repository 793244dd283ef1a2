"""The terminal front end as an operator runs it: `python -m bot` in a fresh process, settings
from the environment, the sandbox vendors, a SQLite file."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def steward(
    tmp_path: Path, *args: str, stdout: int = subprocess.PIPE, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "STEWARD_", "KAITEN_", "HUB_", "ONLYOFFICE_"))
    }
    settings = {
        "STEWARD_SANDBOX": "true",
        "STEWARD_ADMINS": "U0ADMIN,U0BOSS",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'steward.db'}",
    }
    return subprocess.run(  # noqa: S603  # our own program
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean | settings | env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_says_who_steward_is_on_each_sandbox_vendor(tmp_path: Path) -> None:
    result = steward(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    for vendor in ("Kaiten", "ONLYOFFICE", "Hub"):
        assert re.search(rf"^{vendor}\s+ok\s+Steward is Steward Service", result.stdout, re.MULTILINE)


def test_a_sensitive_change_is_requested_approved_and_exported_from_the_terminal(tmp_path: Path) -> None:
    asked = steward(tmp_path, "run", "hub user emil.novak@acme.test unban reason=back", "--as", "U0ADMIN")
    assert asked.returncode == 0, asked.stderr
    assert "Waiting for approval" in asked.stdout and "`banned`: yes → no" in asked.stdout
    request_id = re.search(r"Change request (\w+)", asked.stdout).group(1)  # type: ignore[union-attr]
    assert f"steward approve {request_id} --as <approver-id>" in asked.stdout
    assert f'steward reject {request_id} --as <approver-id> --reason "' in asked.stdout
    assert "U0ADMIN asks to unban Hub user" in asked.stdout and "<@" not in asked.stdout

    own = steward(tmp_path, "approve", request_id, "--as", "U0ADMIN")
    assert own.returncode == 1 and "may not approve" in own.stdout

    approved = steward(tmp_path, "approve", request_id, "--as", "U0BOSS")
    assert approved.returncode == 0, approved.stderr
    assert "✅ Done" in approved.stdout and "`banned` is now no" in approved.stdout
    assert "approved by U0BOSS" in approved.stdout and "steward approve" not in approved.stdout

    exported = steward(tmp_path, "audit", "--format", "jsonl")
    events = [json.loads(line)["event"] for line in exported.stdout.splitlines()]
    assert events[0] == "created" and "approved" in events and events[-1] == "done"
    csv = steward(tmp_path, "audit", "--format", "csv", "--since", "1d")
    assert csv.stdout.splitlines()[0].startswith("id,at,request_id")


def test_a_mistake_and_a_missing_setting_are_explained(tmp_path: Path) -> None:
    typo = steward(tmp_path, "run", "kaiten user 2 set thme=dark", "--as", "U0ADMIN")
    assert typo.returncode == 2 and "Did you mean `theme`?" in typo.stderr

    broken = steward(tmp_path, "check", STEWARD_REQUEST_TTL="soon")
    assert broken.returncode == 2
    assert "STEWARD_REQUEST_TTL" in broken.stderr and "90s, 30m, 24h or 2d" in broken.stderr

    serve = steward(tmp_path, "serve")
    assert serve.returncode == 2 and "SLACK_BOT_TOKEN is missing" in serve.stderr


# --- a person's mistake or the machine's state: one line, no traceback (issue 15, point 14) ------


def one_line_on_stderr(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "code", "words"),
    [
        (("audit", "--since", "1000000d"), {}, 2, "--since"),
        (("audit", "--since", "99999999999d"), {}, 2, "--since"),
        (("run", "help", "--as", ""), {}, 2, "--as"),
        (("run", "kaiten user 2 set theme=dark", "--as", "  "), {}, 2, "--as"),
        (("approve", "", "--as", "U0BOSS"), {}, 2, "request id"),
        (("reject", "  ", "--as", "U0BOSS"), {}, 2, "request id"),
        (("cancel", "R7K3QF2M", "--as", ""), {}, 2, "--as"),
        (("check",), {"STEWARD_REQUEST_TTL": "99999999999d"}, 2, "STEWARD_REQUEST_TTL"),
    ],
)
def test_a_mistake_is_one_line_on_stderr_with_the_usage_exit_code(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], code: int, words: str
) -> None:
    result = steward(tmp_path, *args, **env)
    assert words in one_line_on_stderr(result)
    assert result.returncode == code


def test_an_unknown_request_exits_1_for_status_as_for_approve(tmp_path: Path) -> None:
    approve = steward(tmp_path, "approve", "R7K3QF2M", "--as", "U0BOSS")
    assert approve.returncode == 1 and "There is no request" in approve.stdout
    status = steward(tmp_path, "run", "status R7K3QF2M", "--as", "U0BOSS")
    assert "Traceback" not in status.stderr
    assert status.returncode == 1 and "There is no request" in status.stdout


def test_the_sandbox_with_a_port_taken_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = steward(
            tmp_path, "sandbox", "--kaiten-port", str(port), "--onlyoffice-port", "0", "--hub-port", "0"
        )
    line = one_line_on_stderr(result)
    assert str(port) in line and "--kaiten-port" in line
    assert result.returncode == 1


@pytest.mark.parametrize(
    "args", [("run", "help", "--as", "U0ADMIN"), ("audit",), ("audit", "--format", "csv")]
)
def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path, args: tuple[str, ...]) -> None:
    # `steward audit | head -1`: the reader has gone before Steward writes (or flushes) its lines
    steward(tmp_path, "run", "kaiten user 2 set theme=dark", "--as", "U0ADMIN")
    read, write = os.pipe()
    os.close(read)
    try:
        result = steward(tmp_path, *args, stdout=write)
    finally:
        os.close(write)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert result.stderr == "" and result.returncode == 1


# --- deciding at the terminal (issue 15, point 17) -------------------------------------------------


def test_a_rejection_at_the_terminal_carries_its_reason_to_the_card_status_and_audit(tmp_path: Path) -> None:
    asked = steward(tmp_path, "run", "hub user emil.novak@acme.test unban reason=back", "--as", "U0ADMIN")
    request_id = re.search(r"Change request (\w+)", asked.stdout).group(1)  # type: ignore[union-attr]

    rejected = steward(tmp_path, "reject", request_id, "--as", "U0BOSS", "--reason", "not before HR says so")
    assert rejected.returncode == 0, rejected.stderr
    assert "🚫 Rejected by U0BOSS" in rejected.stdout and "not before HR says so" in rejected.stdout
    assert "<@" not in rejected.stdout

    status = steward(tmp_path, "run", f"status {request_id}", "--as", "U0ADMIN")
    assert status.returncode == 0 and "not before HR says so" in status.stdout
    exported = steward(tmp_path, "audit", "--format", "jsonl")
    [entry] = [e for e in map(json.loads, exported.stdout.splitlines()) if e["event"] == "rejected"]
    assert entry["actor"] == "U0BOSS" and entry["detail"]["reason"] == "not before HR says so"


def test_a_value_with_stars_prints_as_it_is(tmp_path: Path) -> None:
    result = steward(
        tmp_path, "run", 'hub user emil.novak@acme.test set name="Emil *Star* Novak"', "--as", "U0ADMIN"
    )
    assert result.returncode == 0, result.stderr
    assert "→ Emil *Star* Novak" in result.stdout and "`name` is now Emil *Star* Novak" in result.stdout


def test_the_sandbox_keeps_what_runs_changed_until_it_is_reset(tmp_path: Path) -> None:
    dark = steward(tmp_path, "run", "kaiten user anna.petrova@acme.test set theme=dark", "--as", "U0ADMIN")
    light = steward(tmp_path, "run", "kaiten user anna.petrova@acme.test set theme=light", "--as", "U0ADMIN")
    reset = steward(tmp_path, "sandbox", "--reset")
    fresh = steward(tmp_path, "run", "kaiten user anna.petrova@acme.test set theme=light", "--as", "U0ADMIN")

    assert dark.returncode == light.returncode == reset.returncode == fresh.returncode == 0, dark.stderr
    assert "`theme`: auto → dark" in dark.stdout
    assert "`theme`: dark → light" in light.stdout  # the before-value the first run left
    assert reset.stdout.strip() == "The sandbox is back to its sample company."
    assert "`theme`: auto → light" in fresh.stdout
    assert (tmp_path / "steward.sandbox.json").stat().st_mode & 0o777 == 0o600


def test_the_sandbox_lists_its_sample_people_and_groups_with_ids_and_e_mails(tmp_path: Path) -> None:
    listed = steward(tmp_path, "sandbox", "--list")
    helped = steward(tmp_path, "run", "help sandbox", "--as", "U0ADMIN")
    off = steward(tmp_path, "run", "help sandbox", "--as", "U0ADMIN", STEWARD_SANDBOX="false")

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert any(line.split() == ["2", "anna.petrova@acme.test", "Anna", "Petrova"] for line in lines)
    assert any("00000000-0000-4000-8000-000000000001" in line and "QA engineers" in line for line in lines)
    assert any("emil.novak@acme.test" in line and "(banned)" in line for line in lines)
    assert listed.stdout.strip() in helped.stdout
    assert "The sandbox is off" in off.stdout


def test_the_terminals_as_reads_only_what_that_person_may_see(tmp_path: Path) -> None:
    made = steward(tmp_path, "run", "kaiten user anna.petrova@acme.test set theme=dark", "--as", "U0ADMIN")
    request_id = re.search(r"Change request (\w+)", made.stdout).group(1)  # type: ignore[union-attr]

    status = steward(tmp_path, "run", f"status {request_id}", "--as", "U0STRANGER")
    history = steward(tmp_path, "run", "history", "--as", "U0STRANGER")
    check = steward(tmp_path, "run", "check", "--as", "U0STRANGER")
    shown = steward(tmp_path, "run", "kaiten user anna.petrova@acme.test", "--as", "U0STRANGER")

    assert (
        status.returncode == 1
        and status.stdout.strip() == f"There is no request {request_id} that you may see."
    )
    assert history.stdout.strip() == "Only Steward's admins and approvers may read the audit log."
    assert check.returncode == 1 and check.stdout.strip() == "Only Steward's admins may run check."
    assert shown.stdout.strip() == "Only Steward's admins of Kaiten may look up its users."
    mine = steward(tmp_path, "run", f"status {request_id}", "--as", "U0ADMIN")
    assert mine.returncode == 0 and request_id in mine.stdout
