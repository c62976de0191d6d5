"""The Telegram channel in the tests: the bot serving against the loopback Bot API (telegram_emulator), residents
with random ids pressing its buttons."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from tests.support.telegram_emulator import BotApiEmulator, SentMessage

SECRET = "a-webhook-secret-of-quartiersbot"


class Running:
    """A Telegram channel serving on its own task, as `quartiersbot run` would run it."""

    def __init__(self, app: App, settings: Settings) -> None:
        self.app = app
        self.channel = TelegramChannel(app.conversation, settings)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.channel.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 20)


def resident() -> int:
    return random.randint(10**8, 10**9)


def buttons(message: SentMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button(message: SentMessage, data_prefix: str) -> str:
    for candidate in buttons(message):
        if candidate["callback_data"].startswith(data_prefix):
            return str(candidate["callback_data"])
    raise AssertionError(f"no button {data_prefix!r} in {buttons(message)}")


class Resident:
    """Presses buttons of the bot's newest message and waits until the bot has answered."""

    def __init__(self, server: BotApiEmulator, user: int, language: str) -> None:
        self.emulator, self.user, self.language = server, user, language

    @property
    def newest(self) -> SentMessage:
        return self.emulator.messages(self.user)[-1]

    def _seen(self) -> tuple[int, int]:
        messages = self.emulator.messages(self.user)
        return len(messages), messages[-1].edits if messages else 0

    async def _answered(self, before: tuple[int, int]) -> None:
        await self.emulator.wait_until(lambda: self._seen() != before)
        await self.emulator.wait_until(lambda: self.newest.reply_markup is not None, timeout=5)

    async def press(self, data: str) -> None:
        assert data in [button["callback_data"] for button in buttons(self.newest)], buttons(self.newest)
        before = self._seen()
        self.emulator.press_button(self.user, self.newest.message_id, data, language_code=self.language)
        await self._answered(before)

    async def type(self, text: str) -> None:
        before = self._seen()
        self.emulator.send_text(self.user, text, language_code=self.language)
        await self._answered(before)
