"""The open-loop load generator, run in its own process so its timing shares no GIL with the
servers: request i is sent at start + i/rate whatever the earlier answers, and its latency is
counted from that scheduled time (so a stalled server cannot hide its queue).

python -m bench.load URL --secret S --rate R --count N --text T --response-url U [--offset K]
→ JSON on stdout. `{i}` in a text becomes the request's number plus K, so changes differ.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import httpx

from tests.rig import signing

MAX_CONNECTIONS = 512


async def run(
    url: str,
    secret: str,
    rate: float,
    count: int,
    texts: list[str],
    user: str,
    channel: str,
    hook: str,
    offset: int = 0,
) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = loop.time() + 0.2
        epoch = time.time() + 0.2  # the same moment on the wall clock, which the fake Slack records

        errors: list[tuple[int, str]] = []  # request number, what httpx raised: why it has no status

        async def one(i: int) -> tuple[float, int]:
            at = start + i / rate
            await asyncio.sleep(max(0.0, at - loop.time()))
            body = signing.slash_command(
                texts[i % len(texts)].replace("{i}", str(offset + i)),
                user_id=user,
                channel_id=channel,
                response_url=f"{hook}{i}",
            )
            try:
                answer = await client.post(url, content=body, headers=signing.sign(secret, body))
                status = answer.status_code
            except httpx.HTTPError as err:
                status = 0
                errors.append((i, f"{type(err).__name__}: {err}"))
            return loop.time() - at, status

        results = await asyncio.gather(*(one(i) for i in range(count)))
        took = loop.time() - start
    return {
        "latencies": [r[0] for r in results],
        "statuses": [r[1] for r in results],
        "errors": errors,
        "seconds": took,
        "epoch": epoch,
        "rate": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("url")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--text", action="append", required=True)
    parser.add_argument("--user", default="U0ADMIN")
    parser.add_argument("--channel", default="C0OPS")
    parser.add_argument("--response-url", required=True)
    parser.add_argument("--offset", type=int, default=0, help="added to i where a text says {i}")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.url,
            args.secret,
            args.rate,
            args.count,
            args.text,
            args.user,
            args.channel,
            args.response_url,
            args.offset,
        )
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
