"""The bare Bolt baseline: an AsyncApp whose `/steward` listener only acks, under the same server
kind as Steward (Starlette + uvicorn). `--work` adds what a minimal bot does after its ack: one
httpx call to Kaiten and one chat.postMessage.

python -m bench.bare --port P --secret S --slack-url URL [--work KAITEN_URL TOKEN]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(secret: str, slack_url: str, token: str, work: tuple[str, str] | None) -> Starlette:
    client = AsyncWebClient(token=token, base_url=slack_url, timeout=10)
    bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=False)
    http = httpx.AsyncClient(timeout=10)
    pending: set[asyncio.Task[None]] = set()

    async def change(text: str, user_id: str, channel: str) -> None:
        assert work is not None
        url, kaiten_token = work
        target = text.split()[2]  # "kaiten user <id> set theme=dark"
        answer = await http.patch(
            f"{url}/users/{target}",
            json={"theme": "dark"},
            headers={"Authorization": f"Bearer {kaiten_token}"},
        )
        await client.chat_postMessage(
            channel=channel, text=f"<@{user_id}> Kaiten user {target}: HTTP {answer.status_code}"
        )

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
    args = parser.parse_args()
    work = (args.work[0], args.work[1]) if args.work else None
    app = create_app(args.secret, args.slack_url, args.token, work)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
