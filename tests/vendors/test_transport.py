"""The vendor clients' HTTP client (bot/vendors/transport.py): straight to the vendor over
aiohttp's pool, or through the proxy the environment sets."""

from __future__ import annotations

import httpx
import pytest

from bot.vendors.transport import open_http
from tests.rig.raw_http import answering

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


async def test_a_proxy_set_in_the_environment_carries_the_vendor_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with answering(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n") as (proxy, heads):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        async with open_http() as http:
            with pytest.raises(httpx.ProxyError):
                await http.get("https://kaiten.example.invalid/api/latest/users/current")

    assert heads and heads[0].startswith(b"CONNECT kaiten.example.invalid:443 ")


async def test_without_a_proxy_vendor_calls_go_straight_to_the_vendor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"

    async with answering(ok) as (vendor, heads), open_http() as http:
        answer = await http.get(f"{vendor}/api/latest/users/current", params={"a": "b c"})

    assert answer.status_code == 200 and answer.json() == {}
    assert heads[0].startswith(b"GET /api/latest/users/current?a=b+c HTTP/1.1\r\n")
