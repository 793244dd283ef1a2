"""Slack's response_url lets whoever holds it post as Steward in that conversation for 30
minutes: it never reaches Steward's log, not even at DEBUG (issue 14, point 12)."""

from __future__ import annotations

from urllib.parse import quote

from bot.slack import messages
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, SECRET, Rig
from tests.rig import signing


def test_response_urls_never_reach_the_debug_log(rig: Rig) -> None:
    rig.command("check")  # answered through the command's response_url
    rig.command("kaiten user 2 set theme=nope")  # refused through it
    rig.click(messages.APPROVE, "R0NOSUCH", BOSS, "1700000000.000100")  # a payload carrying one
    hooks = rig.slack.hooks_url
    wrong = "not-" + SECRET  # refused bodies were once logged whole
    rig.post(
        signing.slash_command("check", user_id=ADMIN, channel_id=CHANNEL, response_url=hooks), secret=wrong
    )
    click = signing.block_actions(
        messages.APPROVE, "R0NOSUCH", user_id=BOSS, channel_id=CHANNEL, message_ts="1.2", response_url=hooks
    )
    rig.post(click, secret=wrong)
    rig.slack.wait_for("response_url", 2, timeout=40)

    log = rig.log.read_text()
    assert "DEBUG" in log and "slack_sdk.webhook" in log  # the webhook client did log its calls
    where = hooks.removeprefix("http://")  # 127.0.0.1:<port>/hooks/
    escaped = where.replace("/", "\\/")  # as JSON may write it
    for form in (where, quote(where, safe=""), escaped, quote(escaped, safe="")):
        found = [line[:300] for line in log.splitlines() if form in line]
        assert found == [], (form, found[:5])
