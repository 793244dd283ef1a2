"""`python -m bot` / `steward`: serve Slack, or one of the terminal commands.

steward [serve]                          serve Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN)
steward check                            who Steward is on each configured vendor
steward run "<command text>" --as U…     run a /steward command from the terminal
steward approve|cancel <request-id> --as U…
steward reject <request-id> --as U… [--reason "<why>"]
steward audit [--since 2026-01-01|7d] [--format jsonl|csv]
steward sandbox [--kaiten-port N] [--onlyoffice-port N] [--hub-port N] | --list | --reset
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot import logs
from bot.config import load_settings
from bot.errors import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steward", description="Steward: user and group changes from Slack."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve Slack (the default)")
    sub.add_parser("check", help="check the settings and each vendor's credentials")
    run = sub.add_parser(
        "run", help='run a /steward command, e.g. steward run "kaiten user 7 set theme=dark" --as U0123'
    )
    run.add_argument("text")
    run.add_argument("--as", dest="user", required=True, metavar="SLACK_USER_ID")
    for name in ("approve", "reject", "cancel"):
        decide = sub.add_parser(name, help=f"{name} a pending request")
        decide.add_argument("request_id")
        decide.add_argument("--as", dest="user", required=True, metavar="SLACK_USER_ID")
        if name == "reject":
            decide.add_argument("--reason", default="", help="why: shown on the card and to the requester")
    audit = sub.add_parser("audit", help="export the audit log")
    audit.add_argument("--since", help="a date (2026-01-31), a time (2026-01-31T12:00) or an age (7d, 12h)")
    audit.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    sandbox = sub.add_parser("sandbox", help="serve the three sandbox vendors on loopback ports")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--kaiten-port", type=int, default=8101)
    sandbox.add_argument("--onlyoffice-port", type=int, default=8102)
    sandbox.add_argument("--hub-port", type=int, default=8103)
    sandbox.add_argument(
        "--list",
        action="store_true",
        help="print the sample people and groups, with ids and e-mails, and exit",
    )
    sandbox.add_argument(
        "--reset", action="store_true", help="forget what `steward run` changed in the sandbox, and exit"
    )
    return parser


def _mistake(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments argparse took, said in one line; None when nothing is."""
    if getattr(args, "user", None) is not None and not args.user.strip():
        return f"steward {args.command}: --as needs a Slack user id, such as U0123ABC."
    if getattr(args, "request_id", None) is not None and not args.request_id.strip():
        return f"steward {args.command}: the request id is empty; it is on the card, such as R7K3QF2M."
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone (`steward audit | head -1`): stop quietly, as Python's documentation
        # advises (signal module, "Note on SIGPIPE"): stdout to devnull, so that the flush at exit
        # finds nothing to complain about, and exit code 1.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "serve"
    mistake = _mistake(args)
    if mistake:
        print(mistake, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    logs.setup(settings.log_level, settings.log_format, settings.secrets())
    from bot import terminal

    try:
        if command == "serve":
            from bot.app import serve

            settings.require_slack()
            return serve(settings)
        if command == "sandbox" and (args.list or args.reset):
            return terminal.sandbox_data(settings, listing=args.list, reset=args.reset)
        if command == "sandbox":
            return terminal.sandbox(args.host, args.kaiten_port, args.onlyoffice_port, args.hub_port)
        if command == "check":
            return asyncio.run(terminal.check(settings))
        if command == "run":
            return asyncio.run(terminal.run(settings, args.text, args.user.strip()))
        if command in ("approve", "reject", "cancel"):
            request_id, user, reason = args.request_id.strip(), args.user.strip(), getattr(args, "reason", "")
            return asyncio.run(terminal.decide(settings, command, request_id, user, reason.strip()))
        if command == "audit":
            return asyncio.run(terminal.audit(settings, args.since, args.format))
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
