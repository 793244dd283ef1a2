"""What the three vendor clients share: one request path with pacing, retries and error mapping,
and the small interface the pipeline sees (`Vendor`, `Record`).

Retrying writes is safe here because every write Steward sends sets absolute values (a name, a
flag, a whole permission mask, a whole contact list): sending it twice leaves the same state as
sending it once. Nothing Steward sends increments, appends or creates.

A rate-limited answer that says when to come back (`Retry-After`, Kaiten's `X-RateLimit-Reset`)
means the vendor did nothing and is pacing its callers. It is waited out as told however often it
comes, as long as those waits together stay within `patience`: several replicas share one token
and so one limit, and each paces only itself, so some of their requests are refused in turn
(seen in tests/reliability/test_replicas.py: 4 attempts were not always enough). Every other
failure that may be retried gets `attempts` in all.
"""

from __future__ import annotations

import asyncio
import collections
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import aiohttp
import httpx
import stamina

from bot import metrics
from bot.errors import (
    Attempt,
    VendorBadResponse,
    VendorError,
    VendorNoAnswer,
    VendorRateLimited,
    VendorServerError,
    VendorStatusError,
    VendorTimeout,
    VendorUnreachable,
)
from bot.vendors import transport
from bot.vendors.fields import UpdateModel

log = logging.getLogger(__name__)

#: Longest wait Steward accepts from a vendor's Retry-After / X-RateLimit-Reset before giving up.
MAX_SERVER_WAIT = 60.0
#: Longest time one request spends waiting out rate-limited answers, all of them together.
RATE_LIMIT_PATIENCE = 60.0
#: How a request that got no whole answer is described (`transport.failure`), timeouts aside.
_WIRE_DETAIL = {
    "refused": "connection refused or failed",
    "closed": "the connection was closed before an answer",
}


@dataclass(frozen=True)
class Record:
    """A user or group as the pipeline sees it: its id, a label for people, and the current
    values of the fields Steward can change, under the field names of the /steward grammar."""

    id: str
    label: str
    values: Mapping[str, Any] = field(default_factory=dict)


class Vendor(Protocol):
    """What the pipeline needs from a vendor. Each client in bot/vendors implements it."""

    key: ClassVar[str]  # "kaiten", "onlyoffice", "hub"
    name: ClassVar[str]  # "Kaiten", "ONLYOFFICE", "Hub"
    objects: ClassVar[Mapping[str, type[UpdateModel]]]  # object ("user", "group") -> update model

    async def whoami(self) -> Record:
        """Who Steward is on this vendor."""
        ...

    async def find(self, obj: str, target: str) -> list[Record]:
        """Every object matching `target`: a vendor id or an e-mail address (users)."""
        ...

    async def read(self, obj: str, ids: Sequence[str]) -> dict[str, Record]:
        """Current records by id, fetched in as few requests as the vendor allows; ids the
        vendor does not know are left out."""
        ...

    async def write(self, obj: str, current: Record, change: UpdateModel) -> Record:
        """Apply `change` to the object `current` describes and return what the vendor reports
        afterwards. `current` is a fresh read, so clients that must send whole values (ONLYOFFICE)
        need not read again."""
        ...


class Groups(Protocol):
    """Group membership, as every vendor client offers it (PRODUCT.md: `<vendor> group <group>
    add|remove|members`; a person's groups for offboarding). A group is a `Record` (id, its name
    as label); a member is a user `Record` as `find`/`read` return it."""

    async def find_groups(self, target: str) -> list[Record]:
        """The group whose vendor id is `target`, else the groups the vendor's own search finds
        for the name `target` (the caller keeps the exact, case-insensitive match and lists the
        rest as close matches)."""
        ...

    async def members(self, group: Record) -> list[Record]:
        """The group's direct members (every page), as user records."""
        ...

    async def add_member(self, group: Record, user: Record) -> None:
        """Put `user` into `group`, keeping the other members."""
        ...

    async def remove_member(self, group: Record, user: Record) -> None:
        """Take `user` out of `group`, keeping the other members."""
        ...

    async def groups_of(self, user: Record) -> list[Record]:
        """The groups `user` is in directly, as group records (id, its name as label), whether
        the user is active or switched off (deactivated, disabled, banned); [] for none. A user
        the vendor does not know is `VendorNotFound`."""
        ...


class Pacer:
    """At most `rate` requests in any `per`-second window, counted when each request goes out.

    A sliding window rather than a token bucket: a bucket lets a full burst follow a full burst
    and so can put 2×rate requests in one second, which Kaiten answers with 429. A request is
    counted from the moment it was written (`Turn`), not from its turn: a turn that waits
    for a new connection (a TCP or TLS handshake, a busy event loop) would otherwise reach the
    vendor late, inside the next window. `margin` absorbs the jitter between our clock and the
    vendor's.
    """

    def __init__(self, rate: int, per: float = 1.0, margin: float = 0.05) -> None:
        self.rate = rate
        self.per = per + margin
        self._sent: collections.deque[float] = collections.deque()  # oldest first
        self._out = 0  # turns given whose request has not gone out yet
        self._lock = asyncio.Lock()
        self._not_before = 0.0

    async def wait(self) -> Turn:
        """Wait for a turn; the caller sends one request and then ends the turn."""
        async with self._lock:
            delay = self._delay(time.monotonic())
            while delay > 0:  # sleeps until the window has room, and looks again: a turn given
                await asyncio.sleep(delay)  # out meanwhile may have gone out late
                delay = self._delay(time.monotonic())
            self._out += 1
        return Turn(self)

    def hold(self, seconds: float) -> None:
        """No request starts for `seconds`: the vendor said it refuses more until then (another
        replica on the same token used the window), so the requests queued here wait too."""
        self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _delay(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.per:
            self._sent.popleft()
        delay = self._not_before - now
        leaving = len(self._sent) + self._out - self.rate  # index of the request that must leave
        if leaving >= len(self._sent):
            # Turns not yet gone out fill the window: each goes out now or later, so no earlier
            # than a window from now is there room. Looked at again then.
            return max(delay, self.per)
        if leaving >= 0:
            delay = max(delay, self._sent[leaving] + self.per - now)
        return delay

    def _went_out(self) -> None:
        self._out -= 1
        self._sent.append(time.monotonic())


class Turn:
    """One request's place in a `Pacer`'s window. `end` counts it as gone out: called by the
    transport's hook the moment the request is written (`bot.vendors.transport.sending`), and
    again, to no effect, once the request is over, so that a turn whose request was never
    written (a failed connection) is counted all the same and never lost."""

    __slots__ = ("_open", "_pacer")

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._open = True

    def end(self) -> None:
        if self._open:
            self._open = False
            self._pacer._went_out()


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date) or Kaiten's
    `X-RateLimit-Reset` (a UTC epoch), whichever the vendor sent; None if neither."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.replace(".", "", 1).isdigit():
            return max(0.0, float(value))
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.strip().replace(".", "", 1).isdigit():
        return max(0.0, float(reset) - now)
    return None


ErrorMapper = Callable[[httpx.Response, Attempt], VendorError]


class VendorHTTP:
    """One vendor's request path: pace, send, map errors, retry what may be retried.

    The `httpx.AsyncClient` is injected (tests hand in a transport); auth headers are passed per
    request by the client and never logged.
    """

    def __init__(
        self,
        *,
        vendor: str,
        http: httpx.AsyncClient,
        base_url: str,
        map_error: ErrorMapper,
        timeout: float = 10.0,
        attempts: int = 4,
        pacer: Pacer | None = None,
        wait_max: float = 8.0,
        patience: float = RATE_LIMIT_PATIENCE,
    ) -> None:
        self.vendor = vendor
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.map_error = map_error
        self.timeout = timeout
        self.attempts = attempts
        self.pacer = pacer
        self.wait_max = wait_max
        self.patience = patience

    def _wire_error(
        self, err: BaseException, method: str, path: str, attempt: Attempt, took: float
    ) -> VendorError:
        """The `VendorError` for a request that got no whole answer."""
        what = transport.failure(err)
        if what == "timeout":
            metrics.vendor_call(self.vendor, "timeout", took)
            log.info("%s %s %s: timed out after %.3g s", self.vendor, method, path, self.timeout)
            return VendorTimeout(self.vendor, attempt, detail=f"timed out after {self.timeout:g} s")
        metrics.vendor_call(self.vendor, "unreachable", took)
        detail = _WIRE_DETAIL.get(what) or type(err.__cause__ or err).__name__
        log.info("%s %s %s: %s", self.vendor, method, path, detail)
        unreachable = VendorUnreachable(self.vendor, attempt, detail=detail)
        if what == "refused":
            unreachable.changed = "no"  # the request never left: nothing can have changed
        return unreachable

    def _backoff(self) -> Callable[[Exception], bool | float]:
        """stamina's hook for one request: which errors are retried, and how long to wait."""
        waited, failures = 0.0, 0

        def backoff(exc: Exception) -> bool | float:
            nonlocal waited, failures
            if isinstance(exc, VendorRateLimited) and exc.retry_after is not None:
                wait = min(exc.retry_after, MAX_SERVER_WAIT) + 0.05
                if waited + wait > self.patience:
                    return False
                waited += wait
                if self.pacer is not None:
                    self.pacer.hold(wait)
                return wait
            failures += 1
            if failures >= self.attempts:
                return False
            return isinstance(exc, VendorRateLimited | VendorServerError | VendorNoAnswer)

        return backoff

    async def request(
        self,
        method: str,
        path: str,
        *,
        attempt: Attempt,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one logical request, retried as the module docstring explains; return a 2xx
        response or raise the mapped `VendorError` carrying how many attempts were made."""
        turn: Turn | None = None
        if self.pacer is not None:
            # The first turn is waited for before any retry state exists: behind a rate limit,
            # hundreds of requests can queue here, and each waiting one should cost little.
            turn = await self.pacer.wait()
        made = 0
        try:
            async for try_ in stamina.retry_context(
                on=self._backoff(),
                attempts=None,  # counted by the hook, which tells failures from rate limits
                timeout=None,
                wait_initial=0.3,
                wait_max=self.wait_max,
                wait_jitter=0.2,
            ):
                with try_:
                    if made and self.pacer is not None:
                        turn = await self.pacer.wait()  # a retry takes its own turn
                    made += 1
                    try:
                        return await self._send(method, path, attempt, headers, params, json, data, turn)
                    finally:
                        if turn is not None:
                            turn.end()
        except VendorError as err:
            err.attempts_made = made
            raise
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        attempt: Attempt,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        turn: Turn | None,
    ) -> httpx.Response:
        url = self.base_url + path
        started = time.perf_counter()
        try:
            with transport.sending(turn) as extensions:
                response = await self.http.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    json=json,
                    data=data,
                    timeout=self.timeout,
                    extensions=extensions,
                )
        except (httpx.TransportError, aiohttp.ClientError) as err:
            raise self._wire_error(err, method, path, attempt, time.perf_counter() - started) from err
        elapsed = time.perf_counter() - started
        metrics.vendor_call(self.vendor, str(response.status_code), elapsed)
        log.debug("%s %s %s -> %s in %.3f s", self.vendor, method, path, response.status_code, elapsed)
        if response.status_code >= 400:
            raise self.map_error(response, attempt)
        return response


def json_body(response: httpx.Response, vendor: str, attempt: Attempt) -> Any:
    """The response's JSON, or `VendorBadResponse` saying it was not JSON."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise VendorBadResponse(
            vendor, attempt, status=response.status_code, detail=f"not JSON but {kind}"
        ) from None


def short_text(response: httpx.Response, limit: int = 300) -> str:
    """A vendor's non-JSON body, cut to something a person can read; HTML is not shown."""
    kind = response.headers.get("content-type", "")
    text = response.text.strip()
    if "html" in kind or text.lstrip().startswith("<"):
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_error(
    vendor: str, credential: str, response: httpx.Response, attempt: Attempt, message: str
) -> VendorError:
    """The meaning of an error status, the same for every vendor; each client's own mapping
    function extracts the vendor's message (and handles its quirks) and calls this."""
    from bot.errors import VendorAuthError, VendorForbidden, VendorNotFound, VendorPlanError, VendorRejected

    status = response.status_code
    by_status: dict[int, type[VendorStatusError]] = {
        400: VendorRejected,
        402: VendorPlanError,
        403: VendorForbidden,
        404: VendorNotFound,
    }
    if status in by_status:
        return by_status[status](vendor, attempt, status=status, vendor_message=message)
    if status == 401:
        return VendorAuthError(vendor, attempt, status=status, vendor_message=message, credential=credential)
    wait = retry_after(response.headers)
    if status == 429 or (status == 503 and wait is not None):
        return VendorRateLimited(vendor, attempt, status=status, vendor_message=message, retry_after=wait)
    if status >= 500:
        return VendorServerError(vendor, attempt, status=status, vendor_message=message)
    return VendorStatusError(vendor, attempt, status=status, vendor_message=message)


async def read_each(ids: Sequence[str], fetch: Callable[[str], Awaitable[Record]]) -> dict[str, Record]:
    """One read per id, concurrently (the client paces them); ids the vendor does not know are
    left out, for vendors that have no batch read."""
    from bot.errors import VendorNotFound

    async def one(item: str) -> Record | None:
        try:
            return await fetch(item)
        except VendorNotFound:
            return None

    found = await asyncio.gather(*(one(i) for i in dict.fromkeys(ids)))
    return {r.id: r for r in found if r is not None}
