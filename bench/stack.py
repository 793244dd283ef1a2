"""What a benchmark runs against, all on loopback: the fake Slack and the three sandbox vendors
in this process (background threads), and the server under test (Steward or bare Bolt) in a
subprocess started as an operator starts it, settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox import company
from bot.sandbox.hub import HubSandbox
from bot.sandbox.kaiten import KaitenSandbox
from bot.sandbox.onlyoffice import OnlyofficeSandbox
from bot.sandbox.serve import LoopbackServer, free_port
from tests.rig.fake_slack import Call, FakeSlack
from tests.rig.process import start_and_wait

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "U0ADMIN"
USERS = {"U0ADMIN": {"email": "admin@acme.test", "real_name": "Admin"}}
ROOT = Path(__file__).resolve().parent.parent


def _finishes(call: Call) -> bool:
    if call.method == "response_url":
        return True
    return call.method == "chat.postMessage" and str(call.args.get("text")).startswith("Your ")


@dataclass
class Vendors:
    slack: FakeSlack
    kaiten: LoopbackServer
    onlyoffice: LoopbackServer
    hub: LoopbackServer
    _read: int = 0  # fake Slack calls `outcomes` has looked at
    _outcomes: int = 0

    @classmethod
    def start(cls) -> Vendors:
        return cls(
            FakeSlack(users=USERS).start(),
            LoopbackServer(KaitenSandbox(rate_limit=False)).start(),
            LoopbackServer(OnlyofficeSandbox(rate_limit=False)).start(),
            LoopbackServer(HubSandbox()).start(),
        )

    def servers(self) -> tuple[LoopbackServer, ...]:
        return (self.kaiten, self.onlyoffice, self.hub)

    def slow(self, seconds: float) -> None:
        for server in self.servers():
            server.app.state.set_faults(seconds)  # type: ignore[attr-defined]

    def calls(self, server: LoopbackServer, method: str) -> int:
        return len(server.app.state.requests(method))  # type: ignore[attr-defined]

    def start_counting(self) -> None:
        """Forget the fake Slack's calls so far: `outcomes` counts from here."""
        self.slack.clear()
        self._read, self._outcomes = 0, 0

    def outcomes(self) -> int:
        """Commands Steward has finished since `start_counting`: a request's DM to the requester,
        or a private reply (a command refused before it became a request, e.g. an ambiguous
        person). Reads only the calls since the last look: polled over tens of thousands of
        calls, a full scan each time slowed the fake Slack and the vendors in this process."""
        new = self.slack.calls_from(self._read)
        self._read += len(new)
        self._outcomes += sum(1 for c in new if _finishes(c))
        return self._outcomes

    def stop(self) -> None:
        for server in self.servers():
            server.stop()
        self.slack.stop()


def steward_env(vendors: Vendors, port: int, tmp: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "STEWARD_", "KAITEN_", "HUB_", "ONLYOFFICE_", "DATABASE_"))
    }
    return clean | {
        "SLACK_BOT_TOKEN": vendors.slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": vendors.slack.url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp / 'steward.db'}",
        "KAITEN_URL": f"{vendors.kaiten.url}/api/latest",
        "KAITEN_TOKEN": company.KAITEN_TOKEN,
        "ONLYOFFICE_URL": vendors.onlyoffice.url,
        "ONLYOFFICE_USERNAME": company.ONLYOFFICE_USERNAME,
        "ONLYOFFICE_PASSWORD": company.ONLYOFFICE_PASSWORD,
        "HUB_URL": f"{vendors.hub.url}/hub/api/rest",
        "HUB_TOKEN": company.HUB_TOKEN,
        "STEWARD_ADMINS": ADMIN,
        "STEWARD_VENDOR_TIMEOUT": "10",
        "LOG_LEVEL": "info",
        "PYTHONPATH": str(ROOT),
    }


class Server:
    """A server under test in a subprocess, up once its /healthz answers 200."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = start_and_wait(argv, env, self.url, log, cwd=log.parent, timeout=60)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        """VmRSS from /proc, in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far, from /proc/<pid>/stat."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        # A benchmark leaves work queued behind Kaiten's pacer; there is nothing to drain for.
        self.process.kill()
        self.process.wait(timeout=30)


def steward(vendors: Vendors, tmp: Path, **settings: str) -> Server:
    """Steward as `python -m bot`; `settings` (e.g. KAITEN_RATE_LIMIT="0") add to its environment."""
    port = free_port()
    run = tmp / f"steward-{port}"
    run.mkdir()
    return Server(["-m", "bot"], steward_env(vendors, port, run) | settings, port, run / "steward.log")


def bare_bolt(vendors: Vendors, tmp: Path, work: bool = False, steward_calls: bool = False) -> Server:
    port = free_port()
    argv = ["-m", "bench.bare", "--port", str(port), "--secret", SECRET, "--slack-url", vendors.slack.url]
    if work:
        argv += ["--work", f"{vendors.kaiten.url}/api/latest", company.KAITEN_TOKEN]
    if steward_calls:
        argv += ["--steward-calls"]
    env = dict(os.environ) | {"PYTHONPATH": str(ROOT)}
    return Server(argv, env, port, tmp / f"bare-{port}.log")
