"""Settings from `QB_*` environment variables and an optional `.env` file.

Staff who set a variable wrongly must see one plain line naming it, not a traceback, so
`load_settings` turns pydantic's validation errors into `ConfigError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.languages import LANGUAGE_CODES

ENV_PREFIX = "QB_"


_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
_HOURS = _DAY + r"(-" + _DAY + r")? [0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d"
OFFICE_HOURS_PATTERN = rf"^({_HOURS})(, *{_HOURS})*$"
_NUMBER = r"[a-z_]+=\+?[0-9][0-9 ]{1,20}"
EMERGENCY_NUMBERS_PATTERN = rf"^({_NUMBER})(, *{_NUMBER})*$"


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path("./data")
    database_url: str = ""
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    languages: Annotated[tuple[str, ...], NoDecode] = LANGUAGE_CODES
    quarter: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] = "horst"
    log_level: Annotated[str, Field(pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"

    telegram_token: SecretStr | None = None
    telegram_api_url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""
    telegram_webhook_url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: Annotated[str, Field(pattern=r"^[^:\s]+:\d{1,5}$")] = "127.0.0.1:8443"
    telegram_max_rate: Annotated[float, Field(gt=0)] = 30.0
    # How long a message being sent may stay unconfirmed before another run sends it again.
    outbox_lease_seconds: Annotated[int, Field(ge=1, le=86400)] = 300
    # Fair use (bot/conversation/fair_use.py): more than flood_messages within flood_seconds from one
    # account get one notice, then nothing for flood_pause_seconds. Staff accounts are exempt.
    flood_messages: Annotated[int, Field(ge=1, le=10000)] = 20
    flood_seconds: Annotated[int, Field(ge=1, le=3600)] = 10
    flood_pause_seconds: Annotated[int, Field(ge=1, le=86400)] = 60

    # Staff accounts, by the channel's own account id: only they get the desk commands of the queue.
    staff_telegram_ids: Annotated[tuple[str, ...], NoDecode] = ()
    staff_matrix_ids: Annotated[tuple[str, ...], NoDecode] = ()
    staff_console_ids: Annotated[tuple[str, ...], NoDecode] = ()
    # Days after a Sprechstunde day until its tickets lose the link to the residents (0: that night).
    queue_unlink_after_days: Annotated[int, Field(ge=0, le=30)] = 0

    # How long what is kept about residents stays (bot/privacy/retention.py; the README's retention table).
    retention_resident_months: Annotated[int, Field(ge=1, le=120)] = 12  # since they last wrote
    retention_flow_days: Annotated[int, Field(ge=1, le=365)] = 30  # an unfinished conversation step
    retention_survey_days: Annotated[int, Field(ge=1, le=365)] = 30  # an unfinished survey keeps its link
    retention_outbox_days: Annotated[int, Field(ge=1, le=365)] = 30  # sent or given-up messages
    retention_processed_days: Annotated[int, Field(ge=1, le=365)] = 30  # ids of platform events answered
    retention_unmet_months: Annotated[int, Field(ge=1, le=120)] = 24  # weekly counts of searches
    retention_counts_months: Annotated[int, Field(ge=1, le=120)] = 24  # residents reached, messages sent
    retention_audit_months: Annotated[int, Field(ge=1, le=120)] = 24  # the back office's audit log
    retention_question_months: Annotated[int, Field(ge=1, le=120)] = 3  # residents' questions, after closing

    # The staff back office (bot/web/). `run` serves it only when QB_WEB_LISTEN is set explicitly.
    web_listen: Annotated[str, Field(pattern=r"^[^:\s]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$")] = "127.0.0.1:8080"
    # The public address behind the TLS reverse proxy; with https the cookies are marked Secure.
    web_base_url: Annotated[str, Field(pattern=r"^(https?://[^\s/]+(/\S*)?)?$")] = ""
    # Signs the forms' CSRF tokens; without it a random one is kept in QB_DATA_DIR/web-secret (0600).
    web_secret: SecretStr | None = None
    web_session_hours: Annotated[int, Field(ge=1, le=24)] = 10  # a session ends after this, however busy
    web_idle_minutes: Annotated[int, Field(ge=5, le=480)] = 60  # ... or after this long without a request

    # The privacy notice (/privacy): who is responsible and whom to ask.
    privacy_controller: str = "Quartiersmanagement Horst"
    privacy_address: str = "Quartiersladen Horst, Gelsenkirchen"
    privacy_email: str = "datenschutz@quartiersmanagement-horst.example"
    privacy_authority: str = ("Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen, "
                              "poststelle@ldi.nrw.de")

    # Machine translation for staff answers (bot/translate/): a service speaking the LibreTranslate HTTP API,
    # e.g. one the city hosts itself. Empty: none, and nothing is ever sent out for translation.
    translate_url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""
    translate_api_key: SecretStr | None = None
    translate_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0

    # "Ask the team" (handlers/questions/): when the office answers, shown before a resident writes.
    # Hours: day ranges (mon … sun) with times, separated by commas, e.g. "mon-thu 09:00-16:00, fri 09:00-12:00".
    office_hours: Annotated[str, Field(pattern=OFFICE_HOURS_PATTERN)] = "mon-thu 09:00-16:00, fri 09:00-12:00"
    questions_answer_days: Annotated[int, Field(ge=1, le=14)] = 2  # "usually within … working days"
    # Numbers for emergencies and help lines, by kind (bot/questions/help_lines.py names the kinds).
    emergency_numbers: Annotated[str, Field(pattern=EMERGENCY_NUMBERS_PATTERN)] = (
        "emergency=112, police=110, violence_against_women=116016, children=116111, crisis=0800 111 0 111")

    matrix_homeserver: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""
    matrix_user_id: Annotated[str, Field(pattern=r"^(@[^:\s]+:\S+)?$")] = ""
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    matrix_device_id: str = ""

    @field_validator("languages", "staff_telegram_ids", "staff_matrix_ids", "staff_console_ids", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("languages")
    @classmethod
    def _languages_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in value if code not in LANGUAGE_CODES]
        if unknown:
            raise ValueError(f"unknown language(s) {', '.join(unknown)}; known: {', '.join(LANGUAGE_CODES)}")
        if not value:
            raise ValueError("at least one language must be enabled")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_as_telegram_allows(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()):
            raise ValueError("16 to 256 characters: letters, digits, _ and - (as Telegram allows)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("database_url")
    @classmethod
    def _database_supported(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @model_validator(mode="after")
    def _webhook_has_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError("QB_TELEGRAM_WEBHOOK_SECRET is required with QB_TELEGRAM_WEBHOOK_URL "
                             "(16 to 256 characters: letters, digits, _ and -)")
        return self

    @model_validator(mode="after")
    def _matrix_complete(self) -> Settings:
        if self.matrix_homeserver:
            if not self.matrix_user_id:
                raise ValueError("QB_MATRIX_USER_ID is required with QB_MATRIX_HOMESERVER (e.g. @bot:example.org)")
            if self.matrix_password is None and not (self.matrix_access_token and self.matrix_device_id):
                raise ValueError("QB_MATRIX_PASSWORD, or QB_MATRIX_ACCESS_TOKEN with QB_MATRIX_DEVICE_ID, "
                                 "is required with QB_MATRIX_HOMESERVER")
        return self

    @field_validator("staff_telegram_ids")
    @classmethod
    def _telegram_ids_numeric(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [item for item in value if not item.lstrip("-").isdigit()]
        if wrong:
            raise ValueError(f"Telegram user ids are numbers, e.g. 123456789; not: {', '.join(wrong)}")
        return value

    @field_validator("staff_matrix_ids")
    @classmethod
    def _matrix_ids_complete(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [item for item in value if not re.fullmatch(r"@[^:\s]+:\S+", item)]
        if wrong:
            raise ValueError(f"Matrix user ids look like @name:example.org; not: {', '.join(wrong)}")
        return value

    def staff_ids(self, channel: str) -> tuple[str, ...]:
        """The staff accounts of one channel ("telegram", "matrix", "console")."""
        return {"telegram": self.staff_telegram_ids, "matrix": self.staff_matrix_ids,
                "console": self.staff_console_ids}.get(channel, ())

    @model_validator(mode="after")
    def _default_language_enabled(self) -> Settings:
        if self.default_language not in self.languages:
            raise ValueError(
                f"QB_DEFAULT_LANGUAGE {self.default_language!r} is not among QB_LANGUAGES"
            )
        return self

    @field_validator("office_hours", "emergency_numbers")
    @classmethod
    def _help_lines_readable(cls, value: str, info: ValidationInfo) -> str:
        from bot.questions import help_lines  # the kinds of numbers are named there, with their labels

        (help_lines.opening_hours if info.field_name == "office_hours" else help_lines.emergency_numbers)(value)
        return value

    @field_validator("translate_url")
    @classmethod
    def _translate_url_without_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def web_requested(self) -> bool:
        """True when QB_WEB_LISTEN was given, so `run` serves the back office beside the channels."""
        return "web_listen" in self.model_fields_set

    @property
    def web_secure(self) -> bool:
        return self.web_base_url.startswith("https://")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def async_database_url(self) -> str:
        """The URL with an async driver, so staff may write plain `postgresql://…`."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'quartiersbot.sqlite3').resolve()}"
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {message}" if field else message) from None
