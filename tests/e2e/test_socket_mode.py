"""Socket Mode: with SLACK_APP_TOKEN set, Steward connects out to Slack instead of serving
/slack/events, and still serves /healthz and /metrics."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import httpx

from tests.conftest import Sandbox
from tests.e2e.conftest import ADMIN, CHANNEL, start_steward, stop
from tests.rig import signing
from tests.rig.fake_slack import FakeSlack


def test_a_command_arrives_over_the_socket_is_acked_there_and_runs(
    steward_env: dict[str, str], fake_slack: FakeSlack, kaiten_sandbox: Sandbox, tmp_path: Path
) -> None:
    env = steward_env | {"SLACK_APP_TOKEN": "xapp-1-A0STEWARD-socket-test"}
    env.pop("SLACK_SIGNING_SECRET")
    port = int(env["PORT"])
    process, _ = start_steward(env, tmp_path, port)
    try:
        fake_slack.wait_for_socket()
        assert fake_slack.calls("apps.connections.open")
        assert httpx.post(f"http://127.0.0.1:{port}/slack/events", content="x").status_code == 404
        assert "steward_requests_total" in httpx.get(f"http://127.0.0.1:{port}/metrics/").text
        kaiten_sandbox.app.state.clear_log()

        body = signing.slash_command(
            "kaiten user 2 set theme=dark",
            user_id=ADMIN,
            channel_id=CHANNEL,
            response_url=fake_slack.hooks_url + "s",
        )
        payload = {k: v[0] for k, v in parse_qs(body).items()}
        fake_slack.send_envelope("slash_commands", payload, "env-1")

        deadline = time.monotonic() + 15
        while not any(a.get("envelope_id") == "env-1" for a in fake_slack.socket_acks):
            assert time.monotonic() < deadline, "no ack over the socket"
            time.sleep(0.02)
        fake_slack.wait_for("chat.postMessage", 2)  # the card, then the outcome in its thread
        assert [p.json() for p in kaiten_sandbox.requests("PATCH")] == [{"theme": "dark"}]
    finally:
        stop(process)
