"""Serving the sandbox vendors on loopback ports (`steward sandbox`, and the tests), or
in-process through `httpx.ASGITransport` (`STEWARD_SANDBOX=true`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import uvicorn

from bot.sandbox.common import ASGIApp


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # they are TCP, and with Nagle on, a response written in two parts waits ~40 ms for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port nothing listens on right now (for a server started in another process)."""
    with bind(host) as sock:
        port: int = sock.getsockname()[1]
        return port


def _server(app: ASGIApp) -> uvicorn.Server:
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", loop="asyncio")
    return uvicorn.Server(config)


class LoopbackServer:
    """One ASGI app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, app: ASGIApp, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        self.sock = bind(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = _server(app)
        self.thread = threading.Thread(target=self._run, name=f"sandbox:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> LoopbackServer:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            if not self.thread.is_alive():
                break
            threading.Event().wait(0.01)
        raise RuntimeError(f"the sandbox server on port {self.port} did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@contextlib.contextmanager
def serving(app: ASGIApp, port: int = 0) -> Iterator[LoopbackServer]:
    server = LoopbackServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()


async def serve_forever(apps: Mapping[str, tuple[ASGIApp, socket.socket]]) -> None:
    """Serve each named app on its socket, bound beforehand with `bind` (so that a port already
    taken is found before anything starts), until interrupted (`steward sandbox`)."""
    await asyncio.gather(*(_server(app).serve(sockets=[sock]) for app, sock in apps.values()))
