"""One resident talking to the core, without a channel: what the console and every channel's tests build on."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bot.app import App
from bot.conversation.messages import Incoming, Reply, parse_text
from bot.db.models import Resident


class Chat:
    """One resident talking to the core; `say` types, `tap` presses a button by payload."""

    def __init__(self, app: App, channel: str = "test", user: str | None = None,
                 language_hint: str | None = None) -> None:
        self.app = app
        self.channel = channel
        self.user = user or uuid.uuid4().hex
        self.language_hint = language_hint
        self.last: list[Reply] = []

    async def say(self, text: str) -> list[Reply]:
        self.last = await self.app.conversation.handle(
            parse_text(self.channel, self.user, text, language_hint=self.language_hint)
        )
        return self.last

    async def tap(self, payload: str) -> list[Reply]:
        self.last = await self.app.conversation.handle(
            Incoming(self.channel, self.user, payload=payload, language_hint=self.language_hint)
        )
        return self.last

    async def tap_label(self, fragment: str) -> list[Reply]:
        """Press the button of the last reply whose label contains `fragment`."""
        for choice in self.last[-1].choices:
            if fragment in choice.label:
                return await self.tap(choice.payload)
        labels = [choice.label for choice in self.last[-1].choices]
        raise AssertionError(f"no choice containing {fragment!r} among {labels}")

    async def stored_language(self) -> str | None:
        async with self.app.sessions() as session:
            return await session.scalar(
                select(Resident.language).where(Resident.channel == self.channel,
                                                Resident.channel_user_id == self.user))

    @property
    def text(self) -> str:
        return "\n".join(f"{reply.title}\n{reply.text}" for reply in self.last)

    @property
    def payloads(self) -> list[str]:
        return [choice.payload for choice in self.last[-1].choices]


def button(chat: Chat, prefix: str) -> str:
    """The payload of the first button of the last reply that begins with `prefix`."""
    return next(payload for payload in chat.payloads if payload.startswith(prefix))
