"""Load: 500 slash commands over 60 s, open loop, mixed with 100 approvals, against one Steward
(`python -m bot`): every command acked, every request finished Done, nothing logged as an error.
The test prints p50/p99 ack and completion times; it asserts no absolute time.

Every command changes another generated user, so that no change meets a newer one for the same
person: 60 Kaiten themes (Steward paces Kaiten at its 5 requests/s), 170 ONLYOFFICE titles, 170
Hub names, and 100 Hub bans (sensitive), each approved by another admin as soon as its card shows.
The commands are sent by the benchmark's load generator in its own process, so that a slow
Steward cannot slow the sending down (request i leaves at start + i/rate whatever came before).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bench.measure import percentile
from bot.sandbox.kaiten_data import EXTRA_FROM
from bot.slack import messages
from tests.e2e.conftest import BOSS, CHANNEL, SECRET, Rig
from tests.reliability.conftest import audit_of
from tests.rig.fake_slack import Call
from tests.rig.workspace import Message

SECONDS = 60
KAITEN, ONLYOFFICE, HUB_NAMES, HUB_BANS = 60, 170, 170, 100
COMMANDS = KAITEN + ONLYOFFICE + HUB_NAMES + HUB_BANS  # 500
WAITING = messages.STATE_LINES["pending"]
DONE = messages.STATE_LINES["done"]
TARGET = re.compile(r"asks to \w+ (Kaiten|ONLYOFFICE|Hub) user .*?\(bulk(\d+)", re.S)


def commands() -> list[tuple[str, str]]:
    """(text, target key) for each command, the four kinds interleaved evenly over the minute."""
    kinds = [
        [(f"kaiten user {EXTRA_FROM + n} set theme=dark", f"Kaiten:{EXTRA_FROM + n}") for n in range(KAITEN)],
        [
            (f"onlyoffice user bulk{n}@acme.test set title='Load {n}'", f"ONLYOFFICE:{n}")
            for n in range(1, ONLYOFFICE + 1)
        ],
        [(f"hub user bulk{n}@acme.test set name='Load {n}'", f"Hub:{n}") for n in range(1, HUB_NAMES + 1)],
        [
            (f"hub user bulk{n}@acme.test ban reason='load test'", f"Hub:{n}")
            for n in range(HUB_NAMES + 1, HUB_NAMES + HUB_BANS + 1)
        ],
    ]
    # Spread each kind over the whole run: command i of a kind of size k sits at i/k.
    placed = [(i / len(kind), text, key) for kind in kinds for i, (text, key) in enumerate(kind)]
    return [(text, key) for _, text, key in sorted(placed)]


def key_of(card: Message) -> str:
    match = TARGET.search(card.text)
    assert match, card.text
    return f"{match.group(1)}:{match.group(2)}"


@dataclass
class Approver:
    """Approves, as another admin, every card that waits for approval, as soon as it shows."""

    rig: Rig
    clicked: dict[str, float] = field(default_factory=dict)  # card ts → when the click was sent
    acks: list[float] = field(default_factory=list)  # seconds
    statuses: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            waiting = [c for c in self.rig.slack.cards() if WAITING in c.text and c.ts not in self.clicked]
            for card in waiting:
                request_id = card.text.rsplit(" · ", 1)[1]
                self.clicked[card.ts] = sent = time.time()
                answer = self.rig.click(messages.APPROVE, request_id, BOSS, card.ts)
                self.acks.append(answer.at - sent)
                self.statuses.append(answer.status)
            time.sleep(0.05)


def outcomes(rig: Rig) -> dict[str, list[Call]]:
    """card ts → the messages posted in its thread."""
    threads: dict[str, list[Call]] = {}
    for call in rig.slack.calls("chat.postMessage"):
        if call.status == 200 and "thread_ts" in call.args and call.args["channel"] == CHANNEL:
            threads.setdefault(str(call.args["thread_ts"]), []).append(call)
    return threads


def ms(values: list[float]) -> str:
    return f"p50 {1000 * percentile(values, 0.5):7.0f} ms   p99 {1000 * percentile(values, 0.99):7.0f} ms"


@pytest.mark.timeout(360)  # a minute of sending and the paced Kaiten tail, on 2 shared cores
def test_five_hundred_commands_over_a_minute_with_a_hundred_approvals_are_all_acked_and_done(
    rig: Rig, steward_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    rig.kaiten.option(extra_users=KAITEN)
    rig.onlyoffice.option(extra_users=ONLYOFFICE)
    rig.hub.option(extra_users=HUB_NAMES + HUB_BANS)
    sent = commands()
    keys = [key for _, key in sent]
    assert len(sent) == COMMANDS and len(set(keys)) == COMMANDS

    approver = Approver(rig)
    watcher = threading.Thread(target=approver.run, daemon=True)
    watcher.start()
    argv = [sys.executable, "-m", "bench.load", f"{rig.url}/slack/events", "--secret", SECRET]
    argv += ["--rate", str(COMMANDS / SECONDS), "--count", str(COMMANDS), "--channel", CHANNEL]
    argv += ["--response-url", rig.slack.hooks_url + "cmd"]
    for text, _ in sent:
        argv += ["--text", text]
    try:
        generator = subprocess.run(  # noqa: S603  # our own interpreter and module
            argv, capture_output=True, text=True, timeout=SECONDS + 60, check=True
        )
        load = json.loads(generator.stdout)
        assert load["statuses"] == [200] * COMMANDS, Counter(load["statuses"])

        deadline = time.monotonic() + 180
        while True:
            cards = {c.ts: c for c in rig.slack.cards() if c.channel == CHANNEL}
            threads = outcomes(rig)
            finished = [ts for ts, card in cards.items() if DONE in card.text and threads.get(ts)]
            if len(finished) == COMMANDS:
                break
            states = Counter(c.text.rsplit(" · ", 2)[1] for c in cards.values())
            assert time.monotonic() < deadline, f"{len(finished)} of {COMMANDS} done; cards: {states}"
            time.sleep(0.5)
    finally:
        approver.stop.set()
        watcher.join(timeout=30)

    assert approver.statuses == [200] * HUB_BANS
    by_key = {key_of(card): card for card in cards.values()}
    assert sorted(by_key) == sorted(keys)  # one card for each command, for the right person
    for card in cards.values():  # each thread holds one outcome, and it is Done
        [outcome] = threads[card.ts]
        assert str(outcome.args["text"]).startswith(f"{DONE}: request "), outcome.args["text"]
    log = rig.log.read_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]

    # What the vendors applied: one write per command, none twice.
    kaiten = [r.path for r in rig.kaiten.requests("PATCH") if r.status == 200]
    assert sorted(kaiten) == sorted(f"/api/latest/users/{EXTRA_FROM + n}" for n in range(KAITEN))
    onlyoffice = [r.path for r in rig.onlyoffice.requests("PUT") if r.status == 200]
    assert len(onlyoffice) == len(set(onlyoffice)) == ONLYOFFICE
    hub = [r.path for r in rig.hub.requests("POST") if r.status == 200 and "/users/" in r.path]
    assert len(hub) == len(set(hub)) == HUB_NAMES + HUB_BANS

    audit = asyncio.run(audit_of(steward_env["DATABASE_URL"]))
    approved = Counter(e.actor for e in audit if e.to_state == "approved")
    assert approved == {BOSS: HUB_BANS, "steward": COMMANDS - HUB_BANS}  # the rest need no approval
    assert all(n == 1 for n in Counter(e.request_id for e in audit if e.to_state == "done").values())

    epoch, rate = float(load["epoch"]), float(load["rate"])
    at = {key: epoch + i / rate for i, key in enumerate(keys)}  # when each command was due out
    done_at = {key_of(cards[ts]): threads[ts][0].at for ts in finished}  # wall clock
    immediate = [done_at[k] - at[k] for k in keys if not k.startswith("Hub:") or int(k[4:]) <= HUB_NAMES]
    after_click = [done_at[key_of(cards[ts])] - clicked for ts, clicked in approver.clicked.items()]
    with capsys.disabled():
        print(
            f"\n  load: {COMMANDS} commands in {load['seconds']:.1f} s, {HUB_BANS} approvals"
            f"\n    command ack                {ms(load['latencies'])}"
            f"\n    approval ack               {ms(approver.acks)}"
            f"\n    command → outcome          {ms(immediate)}   ({len(immediate)} immediate changes)"
            f"\n    approval → outcome         {ms(after_click)}   ({len(after_click)} approved bans)"
        )
