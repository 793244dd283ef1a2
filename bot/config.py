"""Steward's settings: every variable of PRODUCT.md's table, from the environment and `.env`.

Built once in `main()` with `load_settings()`; tests pass values in. Secrets are `SecretStr`, so
printing the settings, or an error about them, never shows a token or a password.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

#: What each setting expects, for the start-up message when one is missing or malformed.
EXPECTED: dict[str, str] = {
    "SLACK_BOT_TOKEN": "a bot token starting with xoxb-",
    "SLACK_SIGNING_SECRET": "the app's signing secret (Basic Information → App Credentials)",
    "SLACK_APP_TOKEN": "an app-level token starting with xapp-",
    "SLACK_API_URL": "an http(s) URL such as https://slack.com/api/",
    "HOST": "an address to listen on, such as 0.0.0.0",
    "PORT": "a port number from 1 to 65535",
    "DATABASE_URL": "a SQLAlchemy URL such as sqlite:///steward.db or postgresql://user@host/db",
    "KAITEN_URL": "Kaiten's API root, such as https://acme.kaiten.ru/api/latest",
    "KAITEN_RATE_LIMIT": "a whole number of requests per second, such as 5; 0 turns Steward's pacing off",
    "ONLYOFFICE_URL": "the portal root, such as https://office.acme.com",
    "HUB_URL": "Hub's REST root, such as https://yt.acme.com/hub/api/rest",
    "STEWARD_ADMINS": "Slack user ids separated by commas, such as U012ABC,U034DEF",
    "STEWARD_APPROVERS": "Slack user ids separated by commas, such as U012ABC,U034DEF",
    "STEWARD_APPROVAL_CHANNEL": "a Slack channel id, such as C012ABC",
    "STEWARD_POLICY_FILE": "the path of an existing TOML file",
    "STEWARD_REQUEST_TTL": "a duration such as 90s, 30m, 24h or 2d",
    "STEWARD_REMIND_AFTER": "a duration such as 90s, 30m, 24h or 2d",
    "STEWARD_ESCALATION_CHANNEL": "a Slack channel id, such as C012ABC",
    "STEWARD_SANDBOX": "true or false",
    "STEWARD_ALLOW_PASSWORD_CHANGES": "true or false",
    "STEWARD_SECRET_KEY": "a Fernet key (32 url-safe base64 bytes); make one with "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
    "STEWARD_VENDOR_TIMEOUT": "seconds, such as 10",
    "STEWARD_LEASE_SECONDS": "seconds from 1 to 3600, such as 60",
    "STEWARD_KEEP_ALIVE": "seconds from 1 to 3600, such as 75",
    "LOG_LEVEL": "debug, info, warning or error",
    "LOG_FORMAT": "json or console",
}


def _ids(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class DurationTooLong(ValueError):
    """A duration beyond what a date can be moved by."""


def parse_duration(value: Any) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match or int(match.group(1)) <= 0:
        raise ValueError("must be a duration such as 90s, 30m, 24h or 2d")
    try:
        return dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])
    except OverflowError:  # beyond timedelta's 999,999,999 days
        raise DurationTooLong("is longer than the calendar goes; give a duration such as 24h or 2d") from None


SlackIds = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    # env_ignore_empty: `KAITEN_URL=` (a .env template, a compose file) counts as unset
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    host: str = "0.0.0.0"  # noqa: S104  # PRODUCT.md's default: serve on every interface
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    database_url: str = "sqlite:///steward.db"

    kaiten_url: str | None = None
    kaiten_token: SecretStr | None = None
    kaiten_rate_limit: Annotated[int, Field(ge=0, le=1000)] = 5  # Kaiten's documented 5 requests/s
    onlyoffice_url: str | None = None
    onlyoffice_token: SecretStr | None = None
    onlyoffice_username: str | None = None
    onlyoffice_password: SecretStr | None = None
    hub_url: str | None = None
    hub_token: SecretStr | None = None

    steward_admins: SlackIds = []
    steward_approvers: SlackIds | None = None
    steward_approval_channel: str | None = None
    steward_policy_file: Path | None = None
    steward_request_ttl: dt.timedelta = dt.timedelta(hours=24)
    steward_remind_after: dt.timedelta = dt.timedelta(hours=1)
    steward_escalation_channel: str | None = None
    steward_sandbox: bool = False
    steward_allow_password_changes: bool = False
    steward_secret_key: SecretStr | None = None
    steward_vendor_timeout: Annotated[float, Field(gt=0, le=300)] = 10.0
    steward_lease_seconds: Annotated[float, Field(ge=1, le=3600)] = 60.0
    # How long an idle HTTP connection stays open: longer than the idle timeout of whatever keeps
    # connections to Steward (proxies, load balancers: AWS ALB's is 60 s), so that they close it
    # first. uvicorn's default of 5 s races them, and a request sent as Steward closes is reset.
    steward_keep_alive: Annotated[int, Field(ge=1, le=3600)] = 75

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "console"

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("steward_admins", "steward_approvers", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return _ids(value)

    @field_validator("steward_admins", "steward_approvers")
    @classmethod
    def _check_ids(cls, value: list[str] | None) -> list[str] | None:
        for item in value or []:
            if not _SLACK_ID.match(item):
                raise ValueError(f"{item!r} is not a Slack user id")
        return value

    @field_validator("steward_request_ttl", "steward_remind_after", mode="before")
    @classmethod
    def _ttl(cls, value: Any) -> dt.timedelta:
        return parse_duration(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @field_validator("slack_api_url", "kaiten_url", "onlyoffice_url", "hub_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("steward_policy_file")
    @classmethod
    def _policy_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} does not exist")
        return value

    @field_validator("steward_approval_channel", "steward_escalation_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[CGD][A-Z0-9]{2,}$", value):
            raise ValueError(f"{value!r} is not a Slack channel id")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> Settings:
        if self.kaiten_url and not self.kaiten_token:
            raise ValueError("KAITEN_TOKEN: is required when KAITEN_URL is set")
        if self.hub_url and not self.hub_token:
            raise ValueError("HUB_TOKEN: is required when HUB_URL is set")
        if self.onlyoffice_url and not (
            self.onlyoffice_token or (self.onlyoffice_username and self.onlyoffice_password)
        ):
            raise ValueError(
                "ONLYOFFICE_TOKEN: is required when ONLYOFFICE_URL is set "
                "(or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD)"
            )
        if self.steward_allow_password_changes:
            key = self.steward_secret_key
            if key is None:
                raise ValueError("STEWARD_SECRET_KEY: is required when STEWARD_ALLOW_PASSWORD_CHANGES=true")
            from cryptography.fernet import Fernet

            try:
                Fernet(key.get_secret_value().encode())
            except (ValueError, TypeError):
                raise ValueError("STEWARD_SECRET_KEY: is not a Fernet key") from None
        return self

    # --- derived -------------------------------------------------------------------------

    @property
    def approvers(self) -> list[str]:
        return self.steward_admins if self.steward_approvers is None else self.steward_approvers

    @property
    def sandbox_file(self) -> Path:
        """Where the sandbox vendors keep their data between runs: beside the SQLite store
        (steward.db → steward.sandbox.json), or in the working directory for PostgreSQL."""
        url = self.database_url
        if url.startswith("sqlite:///") and "?" not in url:
            store = Path(url.removeprefix("sqlite:///"))
            return store.with_name(f"{store.stem}.sandbox.json")
        return Path("steward.sandbox.json")

    def vendors_on(self) -> list[str]:
        """The vendors Steward will talk to, in a fixed order."""
        if self.steward_sandbox:
            return ["kaiten", "onlyoffice", "hub"]
        return [
            key
            for key, url in (
                ("kaiten", self.kaiten_url),
                ("onlyoffice", self.onlyoffice_url),
                ("hub", self.hub_url),
            )
            if url
        ]

    def require_slack(self) -> None:
        """The serving mode needs Slack credentials; the terminal commands do not."""
        if self.slack_bot_token is None:
            raise ConfigError(f"SLACK_BOT_TOKEN is missing: Steward needs {EXPECTED['SLACK_BOT_TOKEN']}.")
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is missing: in HTTP mode Steward needs "
                f"{EXPECTED['SLACK_SIGNING_SECRET']} (or set SLACK_APP_TOKEN for Socket Mode)."
            )

    def secrets(self) -> list[str]:
        """Every secret value configured, for tests and log scrubbing; never printed."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.kaiten_token,
            self.onlyoffice_token,
            self.onlyoffice_password,
            self.hub_token,
            self.steward_secret_key,
        ]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, with `overrides` on top; a missing or
    malformed one raises `ConfigError` naming each variable and what it expects."""
    try:
        return Settings(**overrides)
    except pydantic.ValidationError as err:
        lines = []
        for problem in err.errors(include_url=False):
            loc = problem["loc"]
            msg = str(problem.get("ctx", {}).get("error", problem["msg"]))
            if loc:
                name = str(loc[0]).upper()
            else:
                name, _, msg = msg.partition(": ")
                name = name.removeprefix("Value error, ")
            msg = msg.removeprefix("Value error, ")
            expected = EXPECTED.get(name)
            tail = f"; expected {expected}" if expected and expected not in msg else ""
            lines.append(f"{name}: {msg}{tail}.")
        raise ConfigError("Steward cannot start: " + " ".join(lines)) from None
