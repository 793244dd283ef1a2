"""The terminal front end: `steward check`, `run`, `approve`/`reject`/`cancel`, `audit`, `sandbox`.

Each prints what a person at a terminal needs and returns the process exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import time
from collections.abc import AsyncIterator, Sequence

from bot.config import Settings
from bot.errors import InvalidValue
from bot.flow import TERMINAL, Pipeline, load_policy, reports
from bot.language import (
    Change,
    Check,
    CommandError,
    Help,
    History,
    Members,
    Membership,
    Offboard,
    Revert,
    Show,
    Status,
    help_text,
    parse,
)
from bot.sandbox.listing import sample_company
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


def sandbox_data(settings: Settings, *, listing: bool, reset: bool) -> int:
    """`steward sandbox --reset` forgets what `steward run` changed in the sandbox (kept beside
    the store); `--list` prints its sample company."""
    from bot.sandbox import saved

    path = settings.sandbox_file
    if reset:
        forgot = saved.reset(path)
        print("The sandbox is back to its sample company." if forgot else "The sandbox had kept no changes.")
    if listing:
        print(sample_company(path))
    return 0


def sandbox(host: str, kaiten_port: int, onlyoffice_port: int, hub_port: int) -> int:
    """Serve the three sandbox vendors until Ctrl+C; 1 when a port cannot be listened on."""
    from bot.sandbox import company
    from bot.sandbox.hub import HubSandbox
    from bot.sandbox.kaiten import KaitenSandbox
    from bot.sandbox.onlyoffice import OnlyofficeSandbox
    from bot.sandbox.serve import bind, serve_forever

    wanted = {"kaiten": kaiten_port, "onlyoffice": onlyoffice_port, "hub": hub_port}
    with contextlib.ExitStack() as stack:
        socks = {}
        for name, port in wanted.items():  # all bound before anything is printed or served
            try:
                socks[name] = stack.enter_context(bind(host, port))
            except OSError as err:
                why = err.strerror or str(err)
                print(
                    f"steward sandbox: cannot listen on {host}:{port} for {name} ({why}); "
                    f"choose another port with --{name}-port.",
                    file=sys.stderr,
                )
                return 1
        bound = {name: sock.getsockname()[1] for name, sock in socks.items()}
        print(
            "Sandbox vendors (sample data, fake credentials):\n"
            f"  KAITEN_URL=http://{host}:{bound['kaiten']}/api/latest KAITEN_TOKEN={company.KAITEN_TOKEN}\n"
            f"  ONLYOFFICE_URL=http://{host}:{bound['onlyoffice']} "
            f"ONLYOFFICE_USERNAME={company.ONLYOFFICE_USERNAME} "
            f"ONLYOFFICE_PASSWORD={company.ONLYOFFICE_PASSWORD}\n"
            f"  HUB_URL=http://{host}:{bound['hub']}/hub/api/rest HUB_TOKEN={company.HUB_TOKEN}\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
        apps = {
            "kaiten": (KaitenSandbox(), socks["kaiten"]),
            "onlyoffice": (OnlyofficeSandbox(), socks["onlyoffice"]),
            "hub": (HubSandbox(), socks["hub"]),
        }
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(apps))
    return 0


class TerminalNotifier:
    """Cards and outcomes printed for a person at a terminal."""

    def __init__(self) -> None:
        self.posted = 0

    async def show(self, card: RequestCard, channel: str, place: Place | None) -> Place:
        if place is None:
            self.posted += 1
            print(messages.card_text(card, commands=True), end="\n\n", flush=True)
            return Place(TERMINAL, f"{time.time():.6f}")
        return place

    async def post_outcome(self, card: RequestCard, place: Place) -> None:
        print(messages.card_text(card), end="\n\n", flush=True)

    async def post_note(self, message: messages.Message, place: Place) -> None:
        print(messages.for_terminal(message.text), end="\n\n", flush=True)

    async def direct(self, user: str, message: messages.Message) -> None:
        pass  # nobody at this terminal reads another person's direct messages

    async def post_part(self, card: RequestCard, vendor: str, place: Place) -> None:
        print(messages.for_terminal(messages.part_message(card, vendor).text), end="\n\n", flush=True)

    async def remind(self, card: RequestCard, approvers: Sequence[str], place: Place) -> None:
        print(messages.for_terminal(messages.reminder_message(card, approvers).text), end="\n\n", flush=True)

    async def escalate(self, card: RequestCard, channel: str, place: Place) -> None:
        print(
            messages.for_terminal(messages.escalation_message(card, place.channel).text),
            end="\n\n",
            flush=True,
        )

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
            kept = (
                sample_company(settings.sandbox_file)
                if parsed.vendor == "sandbox" and settings.steward_sandbox
                else None
            )
            print(help_text(parsed.vendor, sandbox=kept))
        elif isinstance(parsed, Check):
            report, ok = await reports.check_as(pipeline.vendors, pipeline.policy, user)
            print(report)
            return 0 if ok else 1
        elif isinstance(parsed, Status):
            text, found = await reports.status(
                pipeline.store, pipeline.vendors, pipeline.policy, user, parsed.request_id, commands=True
            )
            print(text)
            return 0 if found else 1
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
        elif isinstance(parsed, Members):
            print(await reports.members(pipeline, user, parsed.vendor, parsed.group, parsed.page))
        elif isinstance(parsed, Membership):
            return await _ended(pipeline, await pipeline.submit_membership(parsed, user, TERMINAL))
        elif isinstance(parsed, Offboard):
            return await _ended(pipeline, await pipeline.submit_offboard(parsed, user, TERMINAL))
        elif isinstance(parsed, Revert):
            answer = await pipeline.submit_revert(parsed.request_id, user, TERMINAL, reason=parsed.reason)
            return await _ended(pipeline, answer)
        elif isinstance(parsed, Show):
            print(await reports.show(pipeline, user, parsed.vendor, parsed.obj, parsed.target))
        elif isinstance(parsed, Change):
            answer = await pipeline.submit(parsed, user, TERMINAL)
            return await _ended(pipeline, answer)
        else:
            print('The form exists only in Slack; type the change instead (steward run "help").')
            return 2
    return 0


async def _ended(pipeline: Pipeline, answer: Answer) -> int:
    if answer.private:
        print(messages.for_terminal(answer.text))
    row = await pipeline.store.get(answer.request_id) if answer.request_id else None
    if row is None:
        return 1
    return 1 if row.state in ("failed", "partly_done", "refused", "expired") else 0


async def decide(settings: Settings, verb: str, request_id: str, user: str, reason: str = "") -> int:
    """`steward approve|reject|cancel`; a rejection's `reason` goes on the card and to the
    requester. 0 when the decision was taken, 1 when it was refused or the request not found."""
    async with _pipeline(settings) as pipeline:
        answer = await pipeline.decide(request_id, user, verb, reason=reason)
        print(messages.for_terminal(answer.text))
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
