"""Logging for the `quartiersbot` command: no secret in any line, at any level.

httpx logs every request URL at INFO, and the Bot API carries the Telegram token in its URLs;
other libraries log headers, request parameters or SQL with its values at DEBUG. Those loggers
stay at WARNING, and the one formatter on the root handler redacts every configured secret (and
whatever is shaped like a token) from the whole line, traceback included, whoever logged it.
"""

from __future__ import annotations

import logging
import re
import sys
from types import TracebackType
from urllib.parse import quote

from pydantic import SecretStr

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
# Request lines, headers, request parameters, SQL with its values, a line per scheduler tick: useful to nobody
# running the bot, and some of it names residents and their rooms.
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "nio", "peewee", "aiosqlite", "apscheduler")
# A secret this process was never told of: a Telegram bot token; an access token in a URL, in a login
# answer (before the channel could register it) or in an Authorization header.
TOKEN_SHAPED = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}|(?:(?<=access_token=)|(?<=access_token': ')"
                          r"|(?<=access_token\": \")|(?<=Bearer ))[^&\s\"']+")

_secrets: tuple[str, ...] = ()  # the longest first, as one may contain another; replaced whole, never changed


def register_secret(value: str | None) -> None:
    """A secret learnt at run time (e.g. the Matrix access token a login returned); also as it looks in a URL."""
    global _secrets
    if value:
        _secrets = tuple(sorted({*_secrets, value, quote(value, safe="")}, key=len, reverse=True))


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return TOKEN_SHAPED.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    """Redacts the finished line, so the message, its arguments, a traceback and stack info alike."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(settings: Settings, level: str) -> None:
    """Set up logging for the command: the secrets of `settings` are redacted from every line."""
    for _, value in settings:
        if isinstance(value, SecretStr):
            register_secret(value.get_secret_value())
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(FORMAT))
    # force: a handler that an early log call may have put there would write unredacted.
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    sys.excepthook = _log_crash


def _log_crash(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """A crash's traceback goes through the formatter too: e.g. a rejected Telegram token is in its message."""
    logging.getLogger("quartiersbot").critical("stopped by an unexpected error", exc_info=(kind, error, trace))
