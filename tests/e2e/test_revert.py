"""Revert end to end (issue 17, point 1): the Revert button of a done card, clicked in Slack, makes
a new request whose card links the one it reverts; `/steward revert <id>` does the same; a
stranger's click is refused privately and changes nothing."""

from __future__ import annotations

import json

from bot.slack import messages
from tests.e2e.conftest import ADMIN, BOSS, CHANNEL, Rig
from tests.e2e.test_slack import card_of, thread_text


def test_the_revert_button_of_a_done_card_sets_the_values_back_through_a_new_request(rig: Rig) -> None:
    rig.command("kaiten user 2 set theme=dark")
    first, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)
    card = rig.slack.message(CHANNEL, ts)
    assert messages.REVERT in json.dumps(card.blocks)  # a done card offers Revert

    rig.click(messages.REVERT, first, ADMIN, ts)
    second, ts2 = card_of(rig, 2)
    assert second != first
    revert_card = rig.slack.message(CHANNEL, ts2)
    assert f"reverts request {first}" in revert_card.text + json.dumps(revert_card.blocks)
    assert "Done" in thread_text(rig, ts2)
    patched = [r.json() for r in rig.kaiten.requests("PATCH") if r.path.endswith("/users/2")]
    assert patched[0] == {"theme": "dark"} and patched[-1] != {"theme": "dark"} and len(patched) == 2


def test_a_revert_of_a_sensitive_change_by_command_waits_for_approval(rig: Rig) -> None:
    rig.command("kaiten user boris.ivanov@acme.test deactivate")
    first, ts = card_of(rig)
    rig.click(messages.APPROVE, first, BOSS, ts)
    assert "Done" in thread_text(rig, ts)

    rig.command(f'revert {first} reason="came back"')
    second, ts2 = card_of(rig, 2)
    text = rig.slack.message(CHANNEL, ts2).text
    assert "Waiting for approval" in text and "reactivate" in text
    rig.click(messages.APPROVE, second, BOSS, ts2)
    assert "Done" in thread_text(rig, ts2)
    patched = [r.json() for r in rig.kaiten.requests("PATCH") if "/company/users/3" in r.path]
    assert patched == [{"temporarily_inactive": True}, {"temporarily_inactive": False}]


def test_a_strangers_revert_click_is_refused_privately_and_changes_nothing(rig: Rig) -> None:
    rig.command("kaiten user 2 set theme=dark")
    first, ts = card_of(rig)
    assert "Done" in thread_text(rig, ts)

    rig.click(messages.REVERT, first, "U0STRANGER", ts)
    [told] = rig.slack.wait_for("chat.postEphemeral")
    assert told.args["user"] == "U0STRANGER" and f"no request {first} that you may see" in told.args["text"]
    assert len([c for c in rig.slack.cards()]) == 1
