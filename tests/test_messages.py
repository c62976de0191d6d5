"""Platform-neutral messages: command parsing, payload limits, typed numbers and labels."""

from __future__ import annotations

import pytest

from bot.conversation.core import resolve_choice
from bot.conversation.messages import Choice, parse_text


def test_commands_with_arguments_and_bot_suffix() -> None:
    incoming = parse_text("test", "u", "/start offers")
    assert (incoming.command, incoming.args) == ("start", "offers")
    assert parse_text("test", "u", "/Menu@QuartiersBot").command == "menu"


def test_text_that_only_looks_like_a_command_stays_text() -> None:
    for text in ("/", "/ menu", "/ünïcode", "1/2", "Deutschkurs"):
        incoming = parse_text("test", "u", text)
        assert incoming.command is None and incoming.text == text


def test_payload_must_fit_telegram_callback_data() -> None:
    Choice("ok", "x" * 64)
    with pytest.raises(ValueError):
        Choice("too long", "x" * 65)
    with pytest.raises(ValueError):
        Choice("multi-byte", "ü" * 33)
    with pytest.raises(ValueError):
        Choice("empty", "")


def test_typed_number_or_label_selects_a_choice() -> None:
    shown = [["🔎 Find offers", "offers:home"], ["🌐 Language", "lang:pick"]]
    assert resolve_choice(shown, "2") == "lang:pick"
    assert resolve_choice(shown, " find OFFERS ") == "offers:home"
    assert resolve_choice(shown, "3") is None
    assert resolve_choice(shown, "0") is None
    assert resolve_choice(shown, "٢") == "lang:pick"  # Arabic-Indic digits, as Arabic keyboards type them
    assert resolve_choice(shown, "۲") == "lang:pick"  # and their Persian shapes
    assert resolve_choice(shown, "2.") == resolve_choice(shown, " 2) ") == "lang:pick"
    assert resolve_choice(shown, "2..") is None and resolve_choice(shown, "²") is None
    assert resolve_choice(shown, "2", numbers=False) is None
    assert resolve_choice(shown, "🌐") is None
    assert resolve_choice(shown, "1" * 10_000) is None
