"""The terminal front end: `steward check`, `run`, `approve`/`reject`/`cancel`, `audit`, `sandbox`.

Each prints what a person at a terminal needs and returns the process exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import time
from collections.abc import AsyncIterator

from bot.config import Settings
from bot.errors import InvalidValue
from bot.flow import TERMINAL, Pipeline, load_policy, reports
from bot.language import Change, Check, CommandError, Help, History, Status, help_text, parse
from bot.slack import Answer, Place, RequestCard, messages
from bot.store import SecretBox, Store, export, parse_since
from bot.vendors import open_vendors


async def check(settings: Settings) -> int:
    """Who Steward is on each configured vendor; 1 when any vendor fails or none is configured."""
    if not settings.vendors_on():
        print(
            "No vendor is configured: set KAITEN_URL and KAITEN_TOKEN, ONLYOFFICE_URL and "
            "ONLYOFFICE_TOKEN (or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD), HUB_URL and "
            "HUB_TOKEN, or STEWARD_SANDBOX=true to try the sandbox vendors."
        )
        return 1
    async with open_vendors(settings) as vendors:
        report, ok = await reports.check(vendors)
    print(report)
    if settings.steward_sandbox:
        print("(sandbox vendors: sample data, no real accounts)")
    return 0 if ok else 1


def sandbox(host: str, kaiten_port: int, onlyoffice_port: int, hub_port: int) -> int:
    from bot.sandbox import company
    from bot.sandbox.hub import HubSandbox
    from bot.sandbox.kaiten import KaitenSandbox
    from bot.sandbox.onlyoffice import OnlyofficeSandbox
    from bot.sandbox.serve import serve_forever

    print(
        "Sandbox vendors (sample data, fake credentials):\n"
        f"  KAITEN_URL=http://{host}:{kaiten_port}/api/latest KAITEN_TOKEN={company.KAITEN_TOKEN}\n"
        f"  ONLYOFFICE_URL=http://{host}:{onlyoffice_port} ONLYOFFICE_USERNAME={company.ONLYOFFICE_USERNAME} "
        f"ONLYOFFICE_PASSWORD={company.ONLYOFFICE_PASSWORD}\n"
        f"  HUB_URL=http://{host}:{hub_port}/hub/api/rest HUB_TOKEN={company.HUB_TOKEN}\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    apps = {
        "kaiten": (KaitenSandbox(), kaiten_port),
        "onlyoffice": (OnlyofficeSandbox(), onlyoffice_port),
        "hub": (HubSandbox(), hub_port),
    }
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(apps, host))
    return 0


class TerminalNotifier:
    """Cards and outcomes printed for a person at a terminal."""

    def __init__(self) -> None:
        self.posted = 0

    async def show(self, card: RequestCard, channel: str, place: Place | None) -> Place:
        if place is None:
            self.posted += 1
            print(messages.card_text(card), end="\n\n", flush=True)
            return Place(TERMINAL, f"{time.time():.6f}")
        return place

    async def post_outcome(self, card: RequestCard, place: Place) -> None:
        print(messages.card_text(card), end="\n\n", flush=True)

    async def tell_requester(self, card: RequestCard) -> None:
        pass  # the requester is the person at this terminal, who has just read the outcome


async def _no_email(user: str) -> str | None:
    return None  # no Slack here: mentions cannot be turned into e-mail addresses


@contextlib.asynccontextmanager
async def _pipeline(settings: Settings) -> AsyncIterator[Pipeline]:
    store = await Store.open(settings.database_url)
    try:
        async with open_vendors(settings) as vendors:
            key = settings.steward_secret_key
            yield Pipeline(
                store=store,
                vendors=vendors,
                policy=load_policy(settings),
                notifier=TerminalNotifier(),
                email_of=_no_email,
                secret_box=SecretBox(key) if settings.steward_allow_password_changes and key else None,
                front="terminal",
            )
    finally:
        await store.close()


async def run(settings: Settings, text: str, user: str) -> int:
    """`steward run`: the command as if `user` had typed it in Slack; 0 when it ended well or
    waits for approval, 1 when it was refused or failed, 2 when it could not be understood."""
    try:
        parsed = parse(text, allow_passwords=False)
    except CommandError as err:
        print(err, file=sys.stderr)
        return 2
    async with _pipeline(settings) as pipeline:
        if isinstance(parsed, Help):
            print(help_text(parsed.vendor))
        elif isinstance(parsed, Check):
            report, ok = await reports.check_as(pipeline.vendors, pipeline.policy, user)
            print(report)
            return 0 if ok else 1
        elif isinstance(parsed, Status):
            print(
                await reports.status(
                    pipeline.store, pipeline.vendors, pipeline.policy, user, parsed.request_id
                )
            )
        elif isinstance(parsed, History):
            print(
                await reports.history(
                    pipeline.store,
                    pipeline.policy,
                    user,
                    parsed.vendor,
                    parsed.target,
                    refused=parsed.refused,
                )
            )
        elif isinstance(parsed, Change):
            answer = await pipeline.submit(parsed, user, TERMINAL)
            return await _ended(pipeline, answer)
        else:
            print('The form exists only in Slack; type the change instead (steward run "help").')
            return 2
    return 0


async def _ended(pipeline: Pipeline, answer: Answer) -> int:
    if answer.private:
        print(answer.text)
    row = await pipeline.store.get(answer.request_id) if answer.request_id else None
    if row is None:
        return 1
    return 1 if row.state in ("failed", "partly_done", "refused", "expired") else 0


async def decide(settings: Settings, verb: str, request_id: str, user: str) -> int:
    async with _pipeline(settings) as pipeline:
        answer = await pipeline.decide(request_id, user, verb)
        print(answer.text)
        return await _ended(pipeline, answer) if not answer.private else 1


async def audit(settings: Settings, since: str | None, fmt: str) -> int:
    try:
        start = parse_since(since, dt.datetime.now(dt.UTC)) if since else None
    except InvalidValue as err:
        print(err, file=sys.stderr)
        return 2
    store = await Store.open(settings.database_url)
    try:
        async for line in export(store, start, "csv" if fmt == "csv" else "jsonl"):
            sys.stdout.write(line)
    finally:
        await store.close()
    return 0
