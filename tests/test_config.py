"""Settings: every variable of the table, a clear stop for a missing or malformed one, and
secrets that never print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

TOKEN, SECRET, PASSWORD = "xoxb-1-secret-bot-token", "signing-secret-value-123", "office-password-456"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "STEWARD_ADMINS",
        "STEWARD_APPROVERS",
        "KAITEN_URL",
        "KAITEN_TOKEN",
        "KAITEN_RATE_LIMIT",
        "STEWARD_LEASE_SECONDS",
        "STEWARD_KEEP_ALIVE",
        "ONLYOFFICE_URL",
        "ONLYOFFICE_TOKEN",
        "HUB_URL",
        "HUB_TOKEN",
        "STEWARD_SANDBOX",
        "DATABASE_URL",
        "STEWARD_REQUEST_TTL",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_those_of_the_product_table() -> None:
    settings = load_settings()
    assert (settings.host, settings.port, settings.database_url) == ("0.0.0.0", 3000, "sqlite:///steward.db")  # noqa: S104  # the documented default
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.kaiten_rate_limit == 5  # Kaiten's documented limit
    assert settings.steward_lease_seconds == 60
    assert settings.steward_keep_alive == 75  # longer than AWS ALB's 60 s idle timeout
    assert settings.steward_request_ttl == dt.timedelta(hours=24)
    assert settings.steward_admins == [] and settings.approvers == [] and settings.vendors_on() == []
    assert (settings.log_level, settings.log_format, settings.steward_vendor_timeout) == (
        "info",
        "console",
        10.0,
    )


def test_lists_durations_and_vendors_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_ADMINS", "U0A1, U0B2")
    monkeypatch.setenv("STEWARD_REQUEST_TTL", "30m")
    monkeypatch.setenv("HUB_URL", "https://yt.acme.com/hub/api/rest")
    monkeypatch.setenv("HUB_TOKEN", "perm:abc")
    settings = load_settings()
    assert settings.steward_admins == ["U0A1", "U0B2"] and settings.approvers == ["U0A1", "U0B2"]
    assert settings.steward_request_ttl == dt.timedelta(minutes=30)
    assert settings.vendors_on() == ["hub"]


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STEWARD_ADMINS=U0DOT\nPORT=4000\n")
    settings = load_settings()
    assert settings.steward_admins == ["U0DOT"] and settings.port == 4000


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"PORT": "x"}, ["PORT", "port number"]),
        ({"STEWARD_ADMINS": "alice"}, ["STEWARD_ADMINS", "'alice' is not a Slack user id"]),
        ({"STEWARD_REQUEST_TTL": "soon"}, ["STEWARD_REQUEST_TTL", "24h"]),
        ({"SLACK_BOT_TOKEN": "abc"}, ["SLACK_BOT_TOKEN", "xoxb-"]),
        ({"KAITEN_URL": "https://k.test/api/latest"}, ["KAITEN_TOKEN", "is required when KAITEN_URL is set"]),
        ({"KAITEN_URL": "kaiten", "KAITEN_TOKEN": "t"}, ["KAITEN_URL", "http(s) URL"]),
        ({"STEWARD_LEASE_SECONDS": "0"}, ["STEWARD_LEASE_SECONDS", "seconds from 1 to 3600"]),
        ({"STEWARD_KEEP_ALIVE": "forever"}, ["STEWARD_KEEP_ALIVE", "seconds from 1 to 3600"]),
        ({"KAITEN_RATE_LIMIT": "fast"}, ["KAITEN_RATE_LIMIT", "a whole number of requests per second"]),
        ({"KAITEN_RATE_LIMIT": "-1"}, ["KAITEN_RATE_LIMIT", "0 turns Steward's pacing off"]),
        ({"STEWARD_ALLOW_PASSWORD_CHANGES": "true"}, ["STEWARD_SECRET_KEY", "is required"]),
        ({"STEWARD_POLICY_FILE": "/nope.toml"}, ["STEWARD_POLICY_FILE", "does not exist"]),
        ({"LOG_FORMAT": "xml"}, ["LOG_FORMAT"]),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_itself(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: list[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    for word in words:
        assert word in str(caught.value)


def test_serving_needs_the_slack_settings() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is missing"):
        load_settings().require_slack()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is missing"):
        load_settings(slack_bot_token=TOKEN).require_slack()
    load_settings(
        slack_bot_token=TOKEN, slack_app_token="xapp-1-x"
    ).require_slack()  # Socket Mode needs no secret


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("ONLYOFFICE_URL", "https://office.acme.test")
    monkeypatch.setenv("ONLYOFFICE_USERNAME", "steward@acme.test")
    monkeypatch.setenv("ONLYOFFICE_PASSWORD", PASSWORD)
    settings = load_settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in (TOKEN, SECRET, PASSWORD):
        assert secret not in shown
    assert sorted(settings.secrets()) == sorted([TOKEN, SECRET, PASSWORD])
    monkeypatch.setenv("PORT", "nope")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert all(s not in str(caught.value) for s in (TOKEN, SECRET, PASSWORD))


def test_a_setting_set_to_the_empty_string_counts_as_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `KAITEN_URL=` in a .env template or a compose file: every setting, tokens included
    names = [name.upper() for name in Settings.model_fields]
    for name in names:
        monkeypatch.setenv(name, "")
    assert load_settings().model_dump() == Settings.model_construct().model_dump()
    for name in names:
        monkeypatch.delenv(name)
    (tmp_path / ".env").write_text("".join(f"{name}=\n" for name in names))
    assert load_settings().model_dump() == Settings.model_construct().model_dump()
    monkeypatch.setenv("STEWARD_ADMINS", "U0A1")
    monkeypatch.setenv("STEWARD_APPROVERS", "")
    assert load_settings().approvers == ["U0A1"]  # unset: the admins approve


def test_reminders_wait_an_hour_and_escalate_nowhere_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STEWARD_REMIND_AFTER", "STEWARD_ESCALATION_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.steward_remind_after, settings.steward_escalation_channel) == (
        dt.timedelta(hours=1),
        None,
    )
    monkeypatch.setenv("STEWARD_REMIND_AFTER", "90s")
    monkeypatch.setenv("STEWARD_ESCALATION_CHANNEL", "C0ESCALATE")
    settings = load_settings()
    assert (settings.steward_remind_after, settings.steward_escalation_channel) == (
        dt.timedelta(seconds=90),
        "C0ESCALATE",
    )
    for name, value, expected in (
        ("STEWARD_REMIND_AFTER", "later", "a duration such as 90s"),
        ("STEWARD_ESCALATION_CHANNEL", "#approvals", "is not a Slack channel id"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=rf"{name}: .*{expected}"):
            load_settings()
        monkeypatch.delenv(name)
