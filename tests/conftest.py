"""Fixtures shared by the whole suite: the sandbox vendors on real loopback ports, and stamina
set to retry without sleeping (tests that check real waits switch it back on)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stamina

from bot.sandbox import company
from bot.sandbox.common import Fault, Recorded, SandboxApp
from bot.sandbox.serve import LoopbackServer
from bot.vendors.transport import open_http


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """Retries happen, with the attempt counts the code asks for, but without waiting."""
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@dataclass
class Sandbox:
    """A sandbox vendor served on a loopback port, and its state for assertions."""

    app: SandboxApp
    server: LoopbackServer

    @property
    def url(self) -> str:
        return self.server.url

    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return self.app.state.requests(method, path)

    def fail(self, *faults: Fault, latency: float = 0.0) -> None:
        self.app.state.set_faults(latency, list(faults))

    def slow(self, latency: float) -> None:
        self.app.state.set_faults(latency, [])

    def option(self, **options: Any) -> None:
        self.app.state.options.update(options)


def _served(app_factory: Any) -> Iterator[LoopbackServer]:
    app = app_factory()
    server = LoopbackServer(app).start()
    try:
        yield server
    finally:
        server.stop()


def _fresh(server: LoopbackServer) -> Sandbox:
    app = server.app
    assert isinstance(app, SandboxApp)
    app.state.reset()
    app.reset_data()
    return Sandbox(app, server)


@pytest.fixture(scope="session")
def _kaiten_server() -> Iterator[LoopbackServer]:
    from bot.sandbox.kaiten import KaitenSandbox

    yield from _served(KaitenSandbox)


@pytest.fixture(scope="session")
def _onlyoffice_server() -> Iterator[LoopbackServer]:
    from bot.sandbox.onlyoffice import OnlyofficeSandbox

    yield from _served(OnlyofficeSandbox)


@pytest.fixture(scope="session")
def _hub_server() -> Iterator[LoopbackServer]:
    from bot.sandbox.hub import HubSandbox

    yield from _served(HubSandbox)


@pytest.fixture
def kaiten_sandbox(_kaiten_server: LoopbackServer) -> Sandbox:
    return _fresh(_kaiten_server)


@pytest.fixture
def onlyoffice_sandbox(_onlyoffice_server: LoopbackServer) -> Sandbox:
    return _fresh(_onlyoffice_server)


@pytest.fixture
def hub_sandbox(_hub_server: LoopbackServer) -> Sandbox:
    return _fresh(_hub_server)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The vendor clients' HTTP client, as Steward opens it."""
    async with open_http() as client:
        yield client


@pytest.fixture
def kaiten(kaiten_sandbox: Sandbox, http: httpx.AsyncClient) -> Any:
    from bot.vendors.kaiten.client import KaitenClient

    return KaitenClient(http, f"{kaiten_sandbox.url}/api/latest", company.KAITEN_TOKEN)


@pytest.fixture
def onlyoffice(onlyoffice_sandbox: Sandbox, http: httpx.AsyncClient) -> Any:
    from bot.vendors.onlyoffice.client import OnlyofficeClient

    return OnlyofficeClient(http, onlyoffice_sandbox.url, token=company.ONLYOFFICE_TOKEN)


@pytest.fixture
def hub(hub_sandbox: Sandbox, http: httpx.AsyncClient) -> Any:
    from bot.vendors.hub.client import HubClient

    return HubClient(http, f"{hub_sandbox.url}/hub/api/rest", company.HUB_TOKEN)


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped afterwards."""
    import psycopg

    schema = f"steward_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_url}{'&' if '?' in postgres_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL server to test against")
    return url
