"""Replies as Telegram messages: escaped HTML, inline keyboards, and splitting at 4096 characters.

Telegram counts a message's length after parsing its HTML, so text is split as plain text
first and escaped afterwards; the keyboard goes with the last part, where the resident is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.conversation.messages import Reply

MAX_MESSAGE_LENGTH = 4096
SHORT_LABEL = 14  # labels this short sit two to a row (e.g. the language picker)


Keyboard = dict[str, list[list[dict[str, str]]]]


@dataclass(frozen=True)
class TelegramMessage:
    """Sent as is, as JSON: building python-telegram-bot objects per button costs more than the rest."""

    html: str
    keyboard: Keyboard | None


def render(reply: Reply) -> list[TelegramMessage]:
    title = f"<b>{html.escape(reply.title)}</b>\n" if reply.title else ""
    title_length = len(reply.title) + 1 if reply.title else 0
    parts = split_text(reply.text, MAX_MESSAGE_LENGTH - title_length) or [""]
    messages = [TelegramMessage(html.escape(part, quote=False), None) for part in parts]
    messages[0] = TelegramMessage(title + messages[0].html, None)
    if not messages[0].html.strip():
        messages[0] = TelegramMessage("…", None)  # Telegram refuses empty messages
    messages[-1] = TelegramMessage(messages[-1].html, keyboard(reply))
    return messages


def keyboard(reply: Reply) -> Keyboard | None:
    if not reply.choices:
        return None
    rows: list[list[dict[str, str]]] = []
    for choice in reply.choices:
        label = choice.shown_label
        button = {"text": label, "callback_data": choice.payload}
        if rows and len(rows[-1]) == 1 and len(rows[-1][0]["text"]) <= SHORT_LABEL and len(label) <= SHORT_LABEL:
            rows[-1].append(button)
        else:
            rows.append([button])
    return {"inline_keyboard": rows}


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then word boundaries; cut words only when nothing else fits."""
    parts: list[str] = []
    remaining = text
    while len(remaining) > limit:
        window = remaining[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut <= 0:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip("\n ")
    if remaining.strip():
        parts.append(remaining)
    return parts


TAG = re.compile(r"<[^>]*>")
BUTTON_FIELDS = ("text", "callback_data", "url")


def shows(text: str, keyboard: dict[str, Any] | None, message: TelegramMessage) -> bool:
    """Whether a sent message (its text as Telegram keeps it, and its keyboard) already is `message`.

    Telegram refuses to edit a message into what it already is ("message is not modified"), as when a
    button leads to the very screen it was pressed on. Formatting is left out: one screen always renders
    the same way, so the same text and buttons are the same screen.
    """
    if html.unescape(TAG.sub("", message.html)).strip() != text.strip():
        return False
    return _buttons(keyboard) == _buttons(message.keyboard)


def _buttons(keyboard: Mapping[str, Any] | None) -> list[list[tuple[Any, ...]]]:
    rows = (keyboard or {}).get("inline_keyboard") or []
    return [[tuple(button.get(field) for field in BUTTON_FIELDS) for button in row] for row in rows]
