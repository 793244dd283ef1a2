"""The terminal front end as an operator runs it: `python -m bot` in a fresh process, settings
from the environment, the sandbox vendors, a SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def steward(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
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
        capture_output=True,
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

    own = steward(tmp_path, "approve", request_id, "--as", "U0ADMIN")
    assert own.returncode == 1 and "may not approve" in own.stdout

    approved = steward(tmp_path, "approve", request_id, "--as", "U0BOSS")
    assert approved.returncode == 0, approved.stderr
    assert "✅ Done" in approved.stdout and "`banned` is now no" in approved.stdout

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
