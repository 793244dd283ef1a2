"""The HTTP client the vendor clients talk through: httpx's requests, responses and exceptions,
with aiohttp's connection pool underneath (httpx-aiohttp).

httpcore, httpx's own pool, looks at every connection it holds each time a request starts or a
response closes, and asks the operating system whether each idle one is readable
(encode/httpcore#928). With thirty-two changes in flight that was a third of Steward's CPU per
change (bench/RESULTS.md, profiling of 2026-12-03); aiohttp, which slack_sdk already uses for
Slack, keeps its idle connections in a queue per host.

When a proxy is set in the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY), httpx's own pool
is kept, which honours those and NO_PROXY as it always has.

aiohttp sends a GET, PUT or DELETE once more, on a new connection, when the connection drops
before an answer (a keep-alive connection the vendor closed while it sat idle); Steward's own
retries (bot/vendors/base.py) count and pace only the requests they make.

Two things httpx-aiohttp leaves to us, both here:
- when a request went out, for the `Pacer`: `sending(turn)` around the request, and the turn
  ends the moment the request is written (aiohttp's and httpcore's trace hooks both call
  `_went_out`);
- what a failed request means: httpx-aiohttp turns most of aiohttp's errors into
  `httpx.ConnectTimeout`, a refused connection and a dropped one included, so `failure` reads
  aiohttp's own exception behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any, Literal, Protocol

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

log = logging.getLogger(__name__)

LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20)


class Turn(Protocol):
    """A pacer's turn (`bot.vendors.base.Turn`): ended the moment its request is written."""

    def end(self) -> None: ...


_sending: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("sending", default=None)


def open_http(limits: httpx.Limits = LIMITS) -> httpx.AsyncClient:
    """The client every vendor shares; close it with `aclose` (or `async with`)."""
    if any(key.lower() in ("http", "https", "all") for key in urllib.request.getproxies_environment()):
        log.info("vendor calls go through the proxy set in the environment")
        return httpx.AsyncClient(limits=limits)
    traces = aiohttp.TraceConfig()
    traces.on_request_headers_sent.append(_headers_sent)

    def session() -> aiohttp.ClientSession:  # made on the first request, inside the event loop
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            keepalive_timeout=limits.keepalive_expiry or 0,
            ssl=httpx.create_ssl_context(),
        )
        return aiohttp.ClientSession(connector=connector, trace_configs=[traces])

    return httpx.AsyncClient(transport=AiohttpTransport(client=session, limits=limits))


@contextlib.contextmanager
def sending(turn: Turn | None) -> Iterator[Mapping[str, Any]]:
    """Around one request: yields the request extensions that end `turn` once it is written."""
    token = _sending.set(turn)
    try:
        yield {"trace": _httpcore_trace} if turn is not None else {}
    finally:
        _sending.reset(token)


def _went_out() -> None:
    turn = _sending.get()
    if turn is not None:
        turn.end()


async def _headers_sent(*_: object) -> None:  # aiohttp writes a small body right after
    _went_out()


async def _httpcore_trace(event: str, info: Mapping[str, Any]) -> None:
    if event.endswith("send_request_body.complete"):
        _went_out()


Failure = Literal["timeout", "refused", "closed", "other"]


def failure(err: BaseException) -> Failure:
    """What went wrong on the wire: no answer in time, no connection (nothing was sent), the
    connection dropped before a whole answer, or something else."""
    cause = err.__cause__ if isinstance(err.__cause__, aiohttp.ClientError) else err
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(cause, aiohttp.ClientConnectorError | httpx.ConnectError):
        return "refused"
    if isinstance(
        cause,
        aiohttp.ServerDisconnectedError
        | aiohttp.ClientPayloadError
        | aiohttp.ClientOSError
        | httpx.RemoteProtocolError
        | httpx.ReadError,
    ):
        return "closed"
    return "other"
