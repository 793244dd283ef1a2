"""A slash command is one request (issue 14, point 9): the same signed command delivered again
(a retry, a replay of a captured request) within Bolt's signature window makes nothing more."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import ADMIN, CHANNEL, SECRET, Answer, Rig
from tests.e2e.test_form import rows
from tests.e2e.test_slack import card_of, thread_text
from tests.rig import signing

SEEN = "already seen"


def wait_until(done: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def deliver_twice(rig: Rig, text: str) -> tuple[Answer, Answer]:
    body = signing.slash_command(
        text, user_id=ADMIN, channel_id=CHANNEL, response_url=rig.slack.hooks_url + "c"
    )
    headers = signing.sign(SECRET, body)
    first = rig.post(body, headers=headers)  # the very same bytes and signature, twice
    again = rig.post(body, ts=int(headers["x-slack-request-timestamp"]) + 2)  # re-signed, a little later
    return first, again


def test_a_command_delivered_twice_makes_one_request_one_card_and_one_vendor_write(rig: Rig) -> None:
    first, again = deliver_twice(rig, "kaiten user 2 set theme=dark reason=replay")

    assert first.status == 200 and again.status == 200
    _, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    # the second delivery is either refused as seen, or (today) became a second card
    wait_until(lambda: SEEN in rig.log.read_text() or len(rig.slack.cards()) > 1)
    time.sleep(0.5)  # whatever the second delivery started has had its chance
    assert len(rig.slack.cards()) == 1
    assert len(rig.kaiten.requests("PATCH")) == 1
    assert rows(rig, "SELECT count(*) FROM requests") == [(1,)]
    assert rows(rig, "SELECT count(*) FROM audit WHERE event = 'created'") == [(1,)]
    seen = [line for line in rig.log.read_text().splitlines() if SEEN in line]
    assert len(seen) == 1 and "INFO" in seen[0].upper(), seen


def test_an_empty_command_delivered_twice_opens_the_form_once(rig: Rig) -> None:
    first, again = deliver_twice(rig, "")

    assert first.status == 200 and again.status == 200
    rig.slack.wait_for("views.open")
    wait_until(lambda: SEEN in rig.log.read_text() or len(rig.slack.calls("views.open")) > 1)
    time.sleep(0.5)
    assert len(rig.slack.calls("views.open")) == 1
    assert sum(SEEN in line for line in rig.log.read_text().splitlines()) == 1
