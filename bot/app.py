"""Wiring only: settings → store, vendors, policy, pipeline, Bolt app → Starlette under uvicorn.

HTTP mode serves `POST /slack/events`; Socket Mode (SLACK_APP_TOKEN set) connects out instead.
Both serve `GET /healthz` and `GET /metrics`. SIGTERM lets uvicorn finish the requests in
flight, then the lifespan drains the work Steward does after its acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator

import aiohttp
import uvicorn
from prometheus_client import make_asgi_app
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.flow import Pipeline, load_policy
from bot.slack import SlackNotifier, read_capped, signed, well_formed
from bot.store import SecretBox, Store
from bot.tasks import TaskRegistry, Work, deferring
from bot.vendors import open_vendors
from handlers import Deps, register

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0
SLACK_TIMEOUT = 10  # seconds Steward waits for one Slack Web API answer


def slack_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=4),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def create_app(settings: Settings) -> Starlette:
    client = slack_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=False)
    # The same check as Bolt's own (which stays, and is all there is in Socket Mode), made before
    # anything parses the body: Bolt parses it first.
    verifier = SignatureVerifier(secret) if secret else None
    deps = Deps(settings=settings, slack=SlackNotifier(client))
    register(bolt, deps)
    handler = AsyncSlackRequestHandler(bolt)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            # slack_sdk applies its timeout only to sessions it makes itself: this one needs its own,
            # or a Slack that does not answer holds a call for aiohttp's default five minutes.
            session = await stack.enter_async_context(
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT))
            )
            client.session = session  # one pooled session; Bolt's per-request clients copy it
            store = await Store.open(settings.database_url)
            stack.push_async_callback(store.close)
            vendors = await stack.enter_async_context(open_vendors(settings))
            box = (
                SecretBox(settings.steward_secret_key)
                if settings.steward_allow_password_changes and settings.steward_secret_key
                else None
            )
            deps.store = store
            deps.pipeline = Pipeline(
                store=store,
                vendors=vendors,
                policy=load_policy(settings),
                notifier=deps.slack,
                email_of=deps.slack.email_of,
                approval_channel=settings.steward_approval_channel,
                secret_box=box,
                lease=dt.timedelta(seconds=settings.steward_lease_seconds),
            )
            upkeep = asyncio.create_task(deps.pipeline.upkeep_forever(), name="upkeep")
            socket_mode = None
            if settings.slack_app_token is not None:
                from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

                socket_mode = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
                await socket_mode.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
            # What start-up made (modules, models, the schema) lives as long as the process: set it
            # aside so that each full garbage collection, which pauses every ack, skips it.
            gc.freeze()
            log.info(
                "Steward is up: vendors %s, %s mode",
                ", ".join(vendors) or "none",
                "Socket" if socket_mode else "HTTP",
            )
            try:
                yield
            finally:
                if socket_mode is not None:
                    await socket_mode.close_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
                cancelled = await deps.tasks.drain(DRAIN_SECONDS)
                if cancelled:
                    log.warning(
                        "stopped %d unfinished tasks; their requests are taken up after a restart", cancelled
                    )
                upkeep.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await upkeep

    async def events(request: Request) -> Response:
        # In this order, each before the next reads more of the body (see bot/slack/inbound.py).
        try:
            raw = await read_capped(request.stream(), request.headers.get("content-length"))
        except ClientDisconnect:  # the client hung up before its body ended: nobody hears this
            return Response(status_code=400)
        if raw is None:
            # Connection: close, or uvicorn would read (and throw away) the rest of the body to
            # keep the connection for the next request.
            return Response("body too large", status_code=413, headers={"connection": "close"})
        headers = request.headers
        if verifier is None or not signed(
            raw, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"), verifier
        ):
            log.info("refused a request at /slack/events: no valid Slack signature")
            return JSONResponse({"error": "invalid request"}, status_code=401)  # as Bolt answers
        if not well_formed(raw, headers.get("content-type")):
            return Response("malformed body", status_code=400)
        with deferring() as work:
            response = await handler.handle(Request(request.scope, _replay(raw, request.receive)))
        if work:  # started once the acknowledgement is on the wire
            response.background = BackgroundTask(_start, deps.tasks, list(work))
        return response

    async def healthz(_: Request) -> Response:
        if deps.store is None or not await deps.store.ping():
            return JSONResponse({"ok": False, "store": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True, "store": "ok", "vendors": settings.vendors_on()})

    # /metrics itself, not only a redirect to /metrics/ (which curl and some scrapers do not follow)
    metrics = make_asgi_app()
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", _Endpoint(metrics), methods=["GET"]),
        Mount("/metrics", metrics),
    ]
    if settings.slack_app_token is None:
        routes.append(Route("/slack/events", events, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A request's ASGI receive once its body has been read: the body again, then the original."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _Endpoint:
    """An ASGI app as a Route's endpoint: given a function, Starlette would take it for a
    request → response handler, so the app goes in an object."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def _start(tasks: TaskRegistry, work: list[tuple[Work, str]]) -> None:
    for make, name in work:
        tasks.spawn(make(), name=name)


def serve(settings: Settings) -> int:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging, set up in main()
        timeout_graceful_shutdown=int(DRAIN_SECONDS) + 5,
        timeout_keep_alive=settings.steward_keep_alive,
        access_log=False,
    )
    uvicorn.Server(config).run()
    return 0
