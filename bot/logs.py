"""Logging for operators: `console` or `json` lines on stderr, at LOG_LEVEL.

A filter replaces every configured secret with `•••` in each record before it is written. The
code never logs secrets in the first place; this is the belt to those braces, so that a vendor
echoing a token in an error body, or a library logging a header, still prints nothing secret.

Slack's response URLs are masked the same way: whoever holds one can post as Steward in that
conversation for 30 minutes. slack_sdk's webhook client logs the URL of every call at DEBUG, and
Bolt logs whole request bodies (the one refused for its signature, at INFO) in which they come
form-encoded, as JSON, as JSON inside a form field, or as a Python dict.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable

MASK = "•••"

_QUOTE = r"(?:[\"']|%2[27])"
#: A `response_url` key and what joins it to its value (group 1), then the value up to where it
#: ends in any of the spellings above (its `/` may be JSON's `\/` or `%2F`, never a quote).
_RESPONSE_URL = re.compile(
    rf"(response_url{_QUOTE}?\s*(?:[:=]|%3[Aa])(?:\s|\+|%20)*{_QUOTE}?)"
    r"(?:(?!%2[27Cc]|%26)[^\s\"'&,;)\]}])+"
)
#: Any URL on Slack's hooks host (response URLs and incoming webhooks), however escaped.
_SLACK_HOOK = re.compile(
    r"https?(?::|%3[Aa])(?:\\?/|%2[Ff]|%5[Cc]%2[Ff]){2}hooks\.slack(?:-gov)?\.com"
    r"(?:(?!%2[27Cc]|%26)[^\s\"'&<>,;)\]}])*"
)
#: slack_sdk's webhook client posts only to response URLs and incoming webhooks, both of them
#: credentials, whatever their host: every URL it logs is masked.
_WEBHOOK_LOGGER = "slack_sdk.webhook"
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>,;)\]}]+")


class Redact(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        webhook = record.name.startswith(_WEBHOOK_LOGGER)
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean = self.scrub(message, webhook=webhook)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text, webhook=webhook)
        return True

    def scrub(self, text: str, *, webhook: bool = False) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        if webhook:
            text = _URL.sub(MASK, text)
        text = _SLACK_HOOK.sub(MASK, text)
        return _RESPONSE_URL.sub(rf"\g<1>{MASK}", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            entry["traceback"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


def setup(level: str = "info", fmt: str = "console", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs repeat every Slack request; the app logs what matters itself.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every request at INFO and alembic every plugin it loads; Steward logs its own
    # vendor calls at DEBUG (bot/vendors/base.py).
    for name in ("httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
