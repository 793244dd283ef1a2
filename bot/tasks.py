"""The work that runs after Slack has its acknowledgement.

asyncio keeps only weak references to tasks, and Bolt's own runner drops its reference, so a
task nobody holds may be collected before it finishes and its exception is never seen
(notes/bolt.md §2.4). The registry holds each task until it ends, logs a failure with its
traceback, and lets shutdown wait for the work in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

log = logging.getLogger(__name__)


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for the work in flight; cancel what is left and return
        how many tasks had to be cancelled."""
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)


Work = Callable[[], Coroutine[Any, Any, Any]]
_deferred: contextvars.ContextVar[list[tuple[Work, str]] | None] = contextvars.ContextVar(
    "steward_deferred", default=None
)


@contextlib.contextmanager
def deferring() -> Iterator[list[tuple[Work, str]]]:
    """Collect the work listeners hand over while one Slack request is dispatched, so the HTTP
    server can start it only after the acknowledgement has been sent.

    Bolt runs each listener in a task created inside the dispatch, which copies this context, so
    the listener appends to the same list; it does so right after `ack()` returns, before Bolt's
    runner (which polls every 10 ms) hands back the acknowledgement.
    """
    bucket: list[tuple[Work, str]] = []
    token = _deferred.set(bucket)
    try:
        yield bucket
    finally:
        _deferred.reset(token)


def after_ack(registry: TaskRegistry, work: Work, *, name: str) -> None:
    """Start `work` once Slack has its acknowledgement: at once in Socket Mode (the ack is already
    on its way), after the HTTP response in HTTP mode (see `deferring`)."""
    bucket = _deferred.get()
    if bucket is None:
        registry.spawn(work(), name=name)
    else:
        bucket.append((work, name))
