"""The bare Bolt baseline: an AsyncApp whose `/steward` listener only acks, under the same server
kind as Steward (Starlette + uvicorn). `--work` adds what a minimal bot does after its ack: one
httpx call to Kaiten and one chat.postMessage. `--steward-calls` makes that work the calls Steward
makes for an immediate change, and nothing else: Kaiten read, card posted, re-read, PATCH, card
updated, outcome in the thread, DM (no store, no Block Kit, no checks), with Steward's connection
pool and its 32 changes at once — the least its contract costs with these libraries.

python -m bench.bare --port P --secret S --slack-url URL [--work KAITEN_URL TOKEN [--steward-calls]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.vendors.transport import open_http


def create_app(
    secret: str, slack_url: str, token: str, work: tuple[str, str] | None, steward_calls: bool = False
) -> Starlette:
    client = AsyncWebClient(token=token, base_url=slack_url, timeout=10)
    bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=False)
    # with steward_calls as Steward: its vendor HTTP client, and 32 changes in flight at once
    http = open_http() if steward_calls else httpx.AsyncClient(timeout=10)
    turns = asyncio.Semaphore(32)
    shared: dict[str, AsyncWebClient] = {}
    pending: set[asyncio.Task[None]] = set()

    async def change(text: str, user_id: str, channel: str) -> None:
        assert work is not None
        url, kaiten_token = work
        target = text.split()[2]  # "kaiten user <id> set theme=dark"
        auth = {"Authorization": f"Bearer {kaiten_token}"}
        if not steward_calls:
            answer = await http.patch(f"{url}/users/{target}", json={"theme": "dark"}, headers=auth)
            await client.chat_postMessage(
                channel=channel, text=f"<@{user_id}> Kaiten user {target}: HTTP {answer.status_code}"
            )
            return
        read = {"ids": target, "limit": 100, "offset": 0}
        async with turns:
            await http.get(f"{url}/users", params=read, headers=auth)
            slack = shared["slack"]  # as Steward: one aiohttp session for every Slack call
            card = await slack.chat_postMessage(channel=channel, text=f"Kaiten user {target}: theme → dark")
            await http.get(f"{url}/users", params=read, headers=auth)
            answer = await http.patch(f"{url}/users/{target}", json={"theme": "dark"}, headers=auth)
            await slack.chat_update(channel=channel, ts=card["ts"], text=f"Kaiten user {target}: done")
            done = f"<@{user_id}> Kaiten user {target}: HTTP {answer.status_code}"
            await slack.chat_postMessage(channel=channel, thread_ts=card["ts"], text=done)
            await slack.chat_postMessage(channel=user_id, text=f"Kaiten user {target}: done")

    @bolt.command("/steward")
    async def steward(ack: Any, command: dict[str, Any]) -> None:
        await ack()
        if work is not None:
            task = asyncio.create_task(change(command["text"], command["user_id"], command["channel_id"]))
            pending.add(task)
            task.add_done_callback(pending.discard)

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:
            shared["slack"] = AsyncWebClient(token=token, base_url=slack_url, timeout=10, session=session)
            yield
        await http.aclose()

    return Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--slack-url", required=True)
    parser.add_argument("--token", default="xoxb-test-token")
    parser.add_argument("--work", nargs=2, metavar=("KAITEN_URL", "TOKEN"))
    parser.add_argument("--steward-calls", action="store_true", help="the work is Steward's seven calls")
    args = parser.parse_args()
    work = (args.work[0], args.work[1]) if args.work else None
    app = create_app(args.secret, args.slack_url, args.token, work, args.steward_calls)
    # the keep-alive Steward serves with (STEWARD_KEEP_ALIVE's default), so that neither server
    # loses a command to the load generator reusing a connection the server is closing
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, timeout_keep_alive=75
    )


if __name__ == "__main__":
    main()
