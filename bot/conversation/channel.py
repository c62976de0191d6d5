"""What a channel (terminal, Telegram, Matrix) must offer the core, declared once.

A channel turns platform updates into `Incoming` messages for the core and sends its answers;
it serves until told to stop (`run`), and sends a message the core did not answer to at that
moment (the outbox: reminders, "your turn", answers a crash cut off) with `send_proactive`,
reporting how that went as a `Delivery`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from bot.conversation.messages import Reply


@dataclass(frozen=True)
class Delivery:
    """What a channel made of one send: "sent", "blocked", "retry" (after seconds) or "failed".

    `sent_replies`: how many of the replies went out before it stopped (they are not sent again);
    `screen`: the channel's id of the newest message the resident now has from the bot, where it keeps one.
    """

    outcome: str
    retry_after: float = 0.0
    error: str = ""
    sent_replies: int = 0
    screen: str | None = None


class Sender(Protocol):
    """A channel's way to send one outbox message: to `user_id`, with the message's unique `key`, into the
    chat the resident last wrote from (`address`, where a channel has several); `first` is the place of
    the first of `replies` in the message (when its first replies were sent before)."""

    def __call__(self, user_id: str, key: str, replies: list[Reply], address: str | None, first: int = 0, /
                 ) -> Awaitable[Delivery]: ...


class Channel(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...

    async def send_proactive(self, user_id: str, key: str, replies: list[Reply], address: str | None = None,
                             first: int = 0) -> Delivery: ...
