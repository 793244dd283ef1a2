"""The end-to-end rig: a fake Slack Web API, the sandbox vendors on loopback ports, and Steward
started exactly as an operator starts it (`python -m bot`, settings from the environment), driven
with correctly signed requests to /slack/events."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox import company
from bot.sandbox.serve import free_port
from tests.conftest import Sandbox
from tests.rig import signing
from tests.rig.fake_slack import FakeSlack
from tests.rig.process import start_and_wait

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, BOSS, STRANGER = "U0ADMIN", "U0BOSS", "U0STRANGER"
CHANNEL = "C0OPS"
USERS = {"U0ANNA": {"email": "anna.petrova@acme.test", "real_name": "Anna Petrova"}}


@dataclass
class Answer:
    status: int
    body: str
    at: float  # when the rig had the whole HTTP answer

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class Rig:
    slack: FakeSlack
    kaiten: Sandbox
    onlyoffice: Sandbox
    hub: Sandbox
    url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None
    answers: list[Answer] = field(default_factory=list)

    def post(
        self, body: str, *, secret: str = SECRET, ts: int | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = signing.sign(secret, body, ts) | (headers or {})
        response = httpx.post(f"{self.url}/slack/events", content=body, headers=sent, timeout=10)
        answer = Answer(response.status_code, response.text, time.time())
        self.answers.append(answer)
        return answer

    def command(self, text: str, user: str = ADMIN, channel: str = CHANNEL) -> Answer:
        body = signing.slash_command(
            text, user_id=user, channel_id=channel, response_url=self.slack.hooks_url + "cmd"
        )
        return self.post(body)

    def click(
        self, action_id: str, request_id: str, user: str, message_ts: str, channel: str = CHANNEL
    ) -> Answer:
        body = signing.block_actions(
            action_id,
            request_id,
            user_id=user,
            channel_id=channel,
            message_ts=message_ts,
            response_url=self.slack.hooks_url + "act",
        )
        return self.post(body)

    def replies(self, user_text: str | None = None) -> list[str]:
        """Private replies sent through response_url (and chat.postEphemeral), as text."""
        texts = [str(c.args.get("text", "")) for c in self.slack.calls("response_url")]
        texts += [str(c.args.get("text", "")) for c in self.slack.calls("chat.postEphemeral")]
        return texts

    def vendor_calls(self) -> list[float]:
        return sorted(r.time for s in (self.kaiten, self.onlyoffice, self.hub) for r in s.requests())


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack(users=USERS, not_in={"C0PRIVATE"}).start()
    try:
        yield slack
    finally:
        slack.stop()


def _settings(
    rig_slack: FakeSlack, kaiten: Sandbox, onlyoffice: Sandbox, hub: Sandbox, tmp: Path, port: int
) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": rig_slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": rig_slack.url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp / 'steward.db'}",
        "KAITEN_URL": f"{kaiten.url}/api/latest",
        "KAITEN_TOKEN": company.KAITEN_TOKEN,
        "ONLYOFFICE_URL": onlyoffice.url,
        "ONLYOFFICE_USERNAME": company.ONLYOFFICE_USERNAME,
        "ONLYOFFICE_PASSWORD": company.ONLYOFFICE_PASSWORD,
        "HUB_URL": f"{hub.url}/hub/api/rest",
        "HUB_TOKEN": company.HUB_TOKEN,
        "STEWARD_ADMINS": f"{ADMIN},{BOSS}",
        "STEWARD_VENDOR_TIMEOUT": "5",
        "LOG_LEVEL": "debug",
    }


def start_steward(env: dict[str, str], tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    """`python -m bot` with these settings, waited for until /healthz answers."""
    log = tmp_path / "steward.log"
    url = f"http://127.0.0.1:{port}"
    return start_and_wait(["-m", "bot"], env, url, log, cwd=tmp_path, timeout=30), log


def launch(
    env: dict[str, str], home: Path, slack: FakeSlack, kaiten: Sandbox, onlyoffice: Sandbox, hub: Sandbox
) -> Rig:
    """Steward started in `home` with `env` (its PORT among them), as a rig to drive."""
    port = int(env["PORT"])
    process, log = start_steward(env, home, port)
    return Rig(slack, kaiten, onlyoffice, hub, f"http://127.0.0.1:{port}", log, process)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def steward_env(
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
    tmp_path: Path,
) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "STEWARD_", "KAITEN_", "HUB_", "ONLYOFFICE_"))
    }
    return clean | _settings(
        fake_slack, kaiten_sandbox, onlyoffice_sandbox, hub_sandbox, tmp_path, free_port()
    )


#: `launcher(extra, home)`: Steward started with the rig's settings and `extra` (a policy file, a
#: shorter lease…), in `home` (the test's tmp_path unless given).
Launcher = Callable[..., Rig]


@pytest.fixture
def launcher(
    steward_env: dict[str, str],
    fake_slack: FakeSlack,
    kaiten_sandbox: Sandbox,
    onlyoffice_sandbox: Sandbox,
    hub_sandbox: Sandbox,
    tmp_path: Path,
) -> Iterator[Launcher]:
    """Starts Steward as a rig; whatever process each rig has when the test ends is stopped (a
    test that kills and restarts one sets `rig.process` to the new one)."""
    started: list[Rig] = []

    def start(extra: Mapping[str, str] | None = None, home: Path | None = None) -> Rig:
        env = steward_env | dict(extra or {})
        rig = launch(env, home or tmp_path, fake_slack, kaiten_sandbox, onlyoffice_sandbox, hub_sandbox)
        started.append(rig)
        return rig

    try:
        yield start
    finally:
        for rig in started:
            if rig.process is not None:
                stop(rig.process)


@pytest.fixture
def rig(
    launcher: Launcher, kaiten_sandbox: Sandbox, onlyoffice_sandbox: Sandbox, hub_sandbox: Sandbox
) -> Rig:
    rig = launcher()
    for sandbox in (kaiten_sandbox, onlyoffice_sandbox, hub_sandbox):
        sandbox.app.state.clear_log()
    return rig
