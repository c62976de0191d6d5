"""Configuration: defaults, and one clear line naming the variable for a wrong value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("QB_"):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.timezone == "Europe/Berlin"
    assert settings.default_language == "de"
    assert "ar" in settings.languages and "de@easy" in settings.languages
    assert settings.async_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.async_database_url.endswith("data/quartiersbot.sqlite3")


def test_comma_separated_languages_and_plain_postgres_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QB_LANGUAGES", "de, en,ar")
    monkeypatch.setenv("QB_DATABASE_URL", "postgresql://qb@db/qb")
    settings = load_settings()
    assert settings.languages == ("de", "en", "ar")
    assert settings.async_database_url == "postgresql+asyncpg://qb@db/qb"


def test_staff_accounts_per_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QB_STAFF_TELEGRAM_IDS", "123456789, 987654321")
    monkeypatch.setenv("QB_STAFF_MATRIX_IDS", "@anna:example.org")
    settings = load_settings()
    assert settings.staff_ids("telegram") == ("123456789", "987654321")
    assert settings.staff_ids("matrix") == ("@anna:example.org",)
    assert settings.staff_ids("console") == () and settings.staff_ids("unknown") == ()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("QB_TIMEZONE", "Europe/Berln", "QB_TIMEZONE: unknown time zone"),
        ("QB_LANGUAGES", "de,xx", "QB_LANGUAGES: unknown language(s) xx"),
        ("QB_DEFAULT_LANGUAGE", "fr", "QB_DEFAULT_LANGUAGE 'fr' is not among QB_LANGUAGES"),
        ("QB_DATABASE_URL", "mysql://x", "QB_DATABASE_URL: only sqlite"),
        ("QB_LOG_LEVEL", "LOUD", "QB_LOG_LEVEL"),
        ("QB_TELEGRAM_WEBHOOK_SECRET", "short", "QB_TELEGRAM_WEBHOOK_SECRET: 16 to 256 characters"),
        ("QB_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/t", "QB_TELEGRAM_WEBHOOK_SECRET is required"),
        ("QB_STAFF_TELEGRAM_IDS", "123,@anna", "QB_STAFF_TELEGRAM_IDS: Telegram user ids are numbers"),
        ("QB_STAFF_MATRIX_IDS", "anna", "QB_STAFF_MATRIX_IDS: Matrix user ids look like @name:example.org"),
        ("QB_QUEUE_UNLINK_AFTER_DAYS", "-1", "QB_QUEUE_UNLINK_AFTER_DAYS"),
    ],
)
def test_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                        expected: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_settings()


def test_cli_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    environment = {**os.environ, "QB_TIMEZONE": "Mars/Olympus", "QB_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], capture_output=True, text=True,
                            env=environment, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "Configuration error: QB_TIMEZONE: unknown time zone 'Mars/Olympus'"
    assert "Traceback" not in result.stderr

