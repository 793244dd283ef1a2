"""The terminal front end: `steward check`, `run`, `approve`/`reject`/`cancel`, `audit`, `sandbox`.

Each prints what a person at a terminal needs and returns the process exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from bot.config import Settings
from bot.errors import StewardError
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
    failed = 0
    async with open_vendors(settings) as vendors:
        results = await asyncio.gather(*(v.whoami() for v in vendors.values()), return_exceptions=True)
        for vendor, result in zip(vendors.values(), results, strict=True):
            if isinstance(result, StewardError):
                failed += 1
                print(f"{vendor.name:<11} FAILED  {result}")
            elif isinstance(result, BaseException):
                raise result
            else:
                print(f"{vendor.name:<11} ok      Steward is {result.label}, id {result.id}")
    if settings.steward_sandbox:
        print("(sandbox vendors: sample data, no real accounts)")
    return 1 if failed else 0


def sandbox(host: str, kaiten_port: int, onlyoffice_port: int, hub_port: int) -> int:
    from bot.sandbox import company
    from bot.sandbox.hub import HubSandbox
    from bot.sandbox.kaiten import KaitenSandbox
    from bot.sandbox.onlyoffice import OnlyofficeSandbox
    from bot.sandbox.serve import serve_forever

    print(
        "Sandbox vendors (sample data, fake credentials):\n"
        f"  KAITEN_URL=http://{host}:{kaiten_port}/api/latest KAITEN_TOKEN={company.KAITEN_TOKEN}\n"
        f"  ONLYOFFICE_URL=http://{host}:{onlyoffice_port} ONLYOFFICE_USERNAME={company.ONLYOFFICE_USERNAME} "
        f"ONLYOFFICE_PASSWORD={company.ONLYOFFICE_PASSWORD}\n"
        f"  HUB_URL=http://{host}:{hub_port}/hub/api/rest HUB_TOKEN={company.HUB_TOKEN}\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    apps = {
        "kaiten": (KaitenSandbox(), kaiten_port),
        "onlyoffice": (OnlyofficeSandbox(), onlyoffice_port),
        "hub": (HubSandbox(), hub_port),
    }
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(apps, host))  # type: ignore[arg-type]
    return 0


async def run(settings: Settings, text: str, user: str) -> int:
    print("steward run is not built yet", file=sys.stderr)
    return 2


async def decide(settings: Settings, verb: str, request_id: str, user: str) -> int:
    print(f"steward {verb} is not built yet", file=sys.stderr)
    return 2


async def audit(settings: Settings, since: str | None, fmt: str) -> int:
    print("steward audit is not built yet", file=sys.stderr)
    return 2
