"""The project's own promises: lint and types are clean, CI runs the README's test command, and
the Slack manifest follows Slack's rules (notes/bolt.md §6.2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603  # our own tools


def test_ruff_finds_nothing() -> None:
    result = _run(sys.executable, "-m", "ruff", "check", "--no-cache", "bot", "handlers", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^(python3 -m venv .*)$", readme, re.MULTILINE)
    assert len(commands) == 2, commands
    assert commands[1] in ci.splitlines()


def test_the_manifest_declares_the_command_interactivity_and_scopes_slack_requires() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35 and 1 <= len(info["description"]) <= 140
    assert re.fullmatch(r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})", info["background_color"])
    bot_user = manifest["features"]["bot_user"]
    assert 1 <= len(bot_user["display_name"]) <= 80
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/steward" and re.fullmatch(r"/\S{1,31}", command["command"])
    assert 1 <= len(command["description"]) <= 2000 and 1 <= len(command["usage_hint"]) <= 1000
    assert re.match(r"^https?://", command["url"]) and command["url"].endswith("/slack/events")
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True and interactivity["request_url"] == command["url"]
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        ["commands", "chat:write", "im:write", "users:read", "users:read.email"]
    )
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert "event_subscriptions" not in manifest["settings"]  # no events: nothing for Slack to retry
