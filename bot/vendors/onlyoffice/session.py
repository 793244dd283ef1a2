"""The token Steward sends to ONLYOFFICE: a static ONLYOFFICE_TOKEN, or one got by logging in
with ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD (notes/vendor-apis.md 2.1).

A login token is kept until shortly before the `expires` the server gave with it, and renewed
once when ONLYOFFICE answers 401 to it (the portal restarted, or someone logged the account
out). Logins are serialized, so requests running together log in once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from pydantic import SecretStr

from bot.errors import Attempt, ConfigError, VendorAuthError
from bot.vendors.base import VendorHTTP, json_body
from bot.vendors.onlyoffice.responses import VENDOR, OnlyofficeToken, parse, unwrap

API = "/api/2.0"
STATIC_CREDENTIAL = "ONLYOFFICE_TOKEN"
LOGIN_CREDENTIAL = "ONLYOFFICE_USERNAME / ONLYOFFICE_PASSWORD"
LOGIN = Attempt("log in", "Steward's ONLYOFFICE account", writes=False)
#: Renew this long before the token expires (at most half its lifetime).
RENEW_BEFORE = 300.0
#: Assumed lifetime when `expires` cannot be read; a 401 still makes Steward log in again.
UNKNOWN_LIFETIME = 1800.0


class Session:
    def __init__(
        self, http: VendorHTTP, *, token: str | None, username: str | None, password: str | None
    ) -> None:
        token = (token or "").strip()
        if token and any(ch.isspace() or not ch.isprintable() for ch in token):
            # httpx would refuse the header and quote it, token and all, in its error.
            raise ConfigError(
                f"{STATIC_CREDENTIAL} contains spaces or control characters; paste the token alone."
            )
        if not token and not (username and password):
            raise ConfigError(
                f"ONLYOFFICE needs {STATIC_CREDENTIAL}, or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD."
            )
        self._http = http
        self._static = SecretStr(token) if token else None
        self._username = username or ""
        self._password = SecretStr(password or "")
        self._token = self._static
        self._renew_at = 0.0  # time.monotonic() after which a login token is renewed
        self._lock = asyncio.Lock()
        self.credential = STATIC_CREDENTIAL if self._static else LOGIN_CREDENTIAL

    def __repr__(self) -> str:
        return f"Session({'static token' if self._static else 'login ' + self._username})"

    async def token(self) -> str:
        """The token for the next request, logging in first when there is none or it is about
        to expire."""
        if self._static is not None:
            return self._static.get_secret_value()
        if self._token is None or time.monotonic() >= self._renew_at:
            async with self._lock:
                if self._token is None or time.monotonic() >= self._renew_at:  # not done meanwhile
                    await self._login()
        assert self._token is not None
        return self._token.get_secret_value()

    async def renew(self, refused: str) -> str | None:
        """After ONLYOFFICE answered 401 to `refused`: a new token, or None when there is nothing
        to renew (a static token)."""
        if self._static is not None:
            return None
        async with self._lock:
            if self._token is None or self._token.get_secret_value() == refused:
                await self._login()
        assert self._token is not None
        return self._token.get_secret_value()

    async def _login(self) -> None:
        """POST /api/2.0/authentication {userName, password} → 201 {token, expires}. A wrong
        password comes back as a 500 "User authentication failed", which the client's error
        mapping turns into `VendorAuthError` so it is not retried: ONLYOFFICE locks an account
        out after too many failed logins."""
        body = {"userName": self._username, "password": self._password.get_secret_value()}
        started = time.monotonic()
        response = await self._http.request(
            "POST", f"{API}/authentication", attempt=LOGIN, headers={"Accept": "application/json"}, json=body
        )
        status = response.status_code
        answer = parse(
            OnlyofficeToken, unwrap(json_body(response, VENDOR, LOGIN), LOGIN, status), LOGIN, status
        )
        if not answer.token:
            raise VendorAuthError(
                VENDOR,
                LOGIN,
                status=status,
                vendor_message="the account asks for a second login step (two-factor authentication), "
                "which Steward cannot take; use an account without it, or a token",
                credential=LOGIN_CREDENTIAL,
            )
        lifetime = _lifetime(answer.expires)
        self._token = SecretStr(answer.token)
        self._renew_at = started + lifetime - min(RENEW_BEFORE, lifetime / 2)


def _lifetime(expires: str | None) -> float:
    """Seconds from now until `expires` (`2010-07-07T17:06:03.5845502+03:00`)."""
    try:
        when = dt.datetime.fromisoformat(expires or "")
    except ValueError:
        return UNKNOWN_LIFETIME
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    left = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return left if left > 0 else UNKNOWN_LIFETIME
