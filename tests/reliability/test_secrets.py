"""The credentials the rig gives Steward never leave it: not in what Slack receives (other than
the bot token in the Authorization header Slack needs), not in the DEBUG log, not in the
database file, not in the audit export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.sandbox import company
from bot.sandbox.common import Fault
from tests.e2e.conftest import SECRET, Rig


def secrets(rig: Rig) -> dict[str, str]:
    return {
        "slack bot token": rig.slack.token,
        "signing secret": SECRET,
        "Kaiten token": company.KAITEN_TOKEN,
        "ONLYOFFICE password": company.ONLYOFFICE_PASSWORD,
        "Hub token": company.HUB_TOKEN,
    }


def leaks(text: str, rig: Rig) -> list[str]:
    return [name for name, value in secrets(rig).items() if value in text]


def test_no_credential_reaches_slack_the_log_the_database_or_the_audit_export(
    rig: Rig, steward_env: dict[str, str], tmp_path: Path
) -> None:
    rig.command("check")
    rig.command("kaiten user anna.petrova@acme.test set theme=dark reason=trial")
    rig.hub.fail(
        Fault(status=401, body='{"error":"unauthorized","error_description":"bad token"}', method="POST")
    )
    rig.command("hub user boris.ivanov@acme.test set name=Boris")
    rig.onlyoffice.fail(Fault(status=500, body="<html>boom</html>", method="PUT"))
    rig.command("onlyoffice user dana.kim@acme.test set title=QA")
    rig.slack.wait_for("chat.postMessage", 2, where=lambda c: "thread_ts" in c.args)
    rig.slack.wait_for("response_url")

    calls = rig.slack.calls()
    assert calls
    for call in calls:
        assert leaks(json.dumps(call.args, ensure_ascii=False), rig) == [], call.method
        unexpected = {k: v for k, v in call.headers.items() if k.lower() != "authorization"}
        assert leaks(json.dumps(unexpected), rig) == [], call.method

    log = rig.log.read_text()
    assert "DEBUG" in log and leaks(log, rig) == []

    files = sorted(tmp_path.glob("steward.db*"))
    assert files
    for path in files:
        assert leaks(path.read_bytes().decode("latin-1"), rig) == [], path.name

    export = subprocess.run(  # the operator's own command
        [sys.executable, "-m", "bot", "audit", "--format", "jsonl"],
        env=steward_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert '"created"' in export.stdout and leaks(export.stdout + export.stderr, rig) == []
