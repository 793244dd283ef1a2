"""The vendors: one client per vendor (Kaiten, ONLYOFFICE, Hub) with its update models and
answers, the HTTP they share, and the clients built from the settings.

May import settings, errors, metrics and the sandbox (for STEWARD_SANDBOX=true); nothing of the
request's life, the store or Slack.

`open_vendors(settings)` builds one client per configured vendor over one pooled
`httpx.AsyncClient`, or, with STEWARD_SANDBOX=true, over the in-process sandbox vendors through
`httpx.ASGITransport` (no network at all).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from bot.config import Settings
from bot.vendors.base import Groups, Record, Vendor
from bot.vendors.fields import UpdateModel, build, enum_rule, unsafe_rule
from bot.vendors.names import ALIASES, MODELS, VENDOR_NAMES, VENDORS, value_name
from bot.vendors.transport import open_http

__all__ = [
    "ALIASES",
    "MODELS",
    "VENDORS",
    "VENDOR_NAMES",
    "Groups",
    "Record",
    "UpdateModel",
    "Vendor",
    "build",
    "enum_rule",
    "open_vendors",
    "unsafe_rule",
    "value_name",
]

SANDBOX_HOSTS = {
    "kaiten": "http://kaiten.sandbox/api/latest",
    "onlyoffice": "http://onlyoffice.sandbox",
    "hub": "http://hub.sandbox/hub/api/rest",
}


def _secret(value: object) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else ""


@contextlib.asynccontextmanager
async def open_vendors(settings: Settings) -> AsyncIterator[dict[str, Vendor]]:
    from bot.vendors.hub.client import HubClient
    from bot.vendors.kaiten.client import KaitenClient
    from bot.vendors.onlyoffice.client import OnlyofficeClient

    timeout = settings.steward_vendor_timeout
    async with contextlib.AsyncExitStack() as stack:
        vendors: dict[str, Vendor] = {}
        if settings.steward_sandbox:
            from bot.sandbox import company, saved
            from bot.sandbox.hub import HubSandbox
            from bot.sandbox.kaiten import KaitenSandbox
            from bot.sandbox.onlyoffice import OnlyofficeSandbox

            def local(app: object) -> httpx.AsyncClient:
                transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
                return httpx.AsyncClient(transport=transport)

            apps = {"kaiten": KaitenSandbox(), "onlyoffice": OnlyofficeSandbox(), "hub": HubSandbox()}
            saved.load(apps, settings.sandbox_file)  # as the last run left them
            stack.callback(saved.save, apps, settings.sandbox_file)
            kaiten_http = await stack.enter_async_context(local(apps["kaiten"]))
            office_http = await stack.enter_async_context(local(apps["onlyoffice"]))
            hub_http = await stack.enter_async_context(local(apps["hub"]))
            vendors["kaiten"] = KaitenClient(
                kaiten_http, SANDBOX_HOSTS["kaiten"], company.KAITEN_TOKEN, timeout=timeout
            )
            vendors["onlyoffice"] = OnlyofficeClient(
                office_http,
                SANDBOX_HOSTS["onlyoffice"],
                username=company.ONLYOFFICE_USERNAME,
                password=company.ONLYOFFICE_PASSWORD,
                timeout=timeout,
            )
            vendors["hub"] = HubClient(hub_http, SANDBOX_HOSTS["hub"], company.HUB_TOKEN, timeout=timeout)
            yield vendors
            return

        http = await stack.enter_async_context(open_http())
        if settings.kaiten_url:
            vendors["kaiten"] = KaitenClient(
                http,
                settings.kaiten_url,
                _secret(settings.kaiten_token),
                timeout=timeout,
                rate=settings.kaiten_rate_limit,
            )
        if settings.onlyoffice_url:
            vendors["onlyoffice"] = OnlyofficeClient(
                http,
                settings.onlyoffice_url,
                token=_secret(settings.onlyoffice_token) or None,
                username=settings.onlyoffice_username,
                password=_secret(settings.onlyoffice_password) or None,
                timeout=timeout,
            )
        if settings.hub_url:
            vendors["hub"] = HubClient(http, settings.hub_url, _secret(settings.hub_token), timeout=timeout)
        yield vendors
