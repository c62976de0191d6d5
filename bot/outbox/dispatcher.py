"""Sends due outbox messages through the channels, within their limits, exactly as often as stored.

Each message is claimed (pending → sending) by a conditional update, so two dispatchers never
take the same row; rendered in a short transaction; sent with no transaction open (SQLite has
one connection, which the conversations need meanwhile); and marked sent at once. A message
whose send was cut off by a hard kill stays "sending" until its lease runs out, and is then
sent again: a resident may get that one message twice, but never loses it. Matrix even drops
that second copy itself, because its transaction id is the outbox id.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.messages import Reply
from bot.db.models import OutboxMessage, Resident
from bot.i18n import Translator
from bot.outbox.store import DROPPED, FAILED, PENDING, SENDING, SENT

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)  # a claimed message not marked by then is taken to be lost in a crash
MAX_ATTEMPTS = 8
PER_CHAT_SPACING = dt.timedelta(seconds=1)  # Telegram allows about one message a second per chat


@dataclass(frozen=True)
class Delivery:
    """What a channel made of one send: "sent", "blocked", "retry" (after seconds) or "failed"."""

    outcome: str
    retry_after: float = 0.0
    error: str = ""


@dataclass
class Notice:
    """What a notification renderer may use to write one message in the resident's language."""

    session: AsyncSession
    message: OutboxMessage
    resident: Resident
    translator: Translator
    settings: Settings
    now: dt.datetime


Sender = Callable[[str, str, list[Reply]], Awaitable[Delivery]]  # (user id, idempotency id, replies)
Renderer = Callable[[Notice], Awaitable[list[Reply] | str]]  # replies, or why the message is dropped


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        self.sent, self.retried = self.sent + other.sent, self.retried + other.retried
        self.failed, self.dropped = self.failed + other.failed, self.dropped + other.dropped
        for reason, count in other.dropped_reasons.items():
            self.dropped_reasons[reason] = self.dropped_reasons.get(reason, 0) + count


class Dispatcher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock,
                 renderers: dict[str, Renderer], *, batch: int = 200, concurrency: int = 16,
                 on_blocked: Callable[[str, str], Awaitable[None]] | None = None) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.renderers = renderers
        self.senders: dict[str, Sender] = {}
        self.batch, self.concurrency = batch, concurrency
        self.on_blocked = on_blocked
        self._last_sent: dict[int, dt.datetime] = {}
        self._running = asyncio.Lock()

    def add_channel(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    async def run_until_idle(self) -> DispatchReport:
        """Send everything due now; returns when nothing due is left (or only retries for later)."""
        report = DispatchReport()
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(message_id: int) -> DispatchReport:
            async with semaphore:
                return await self._process(message_id)
        async with self._running:  # the scheduler and a manual wake-up never overlap
            while True:
                claimed = await self._claim()
                if not claimed:
                    return report
                for result in await asyncio.gather(*(one(message_id) for message_id in claimed)):
                    report.add(result)

    async def _claim(self) -> list[int]:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            await session.execute(  # leases of a crashed run have run out: those are sent again
                update(OutboxMessage).where(OutboxMessage.status == SENDING, OutboxMessage.next_attempt_at <= now)
                .values(status=PENDING))
            if not self.senders:
                return []
            candidates = (await session.execute(
                select(OutboxMessage.id, OutboxMessage.resident_id)
                .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
                       OutboxMessage.channel.in_(list(self.senders)))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch * 4)
            )).all()
            chosen, residents = [], set()
            for message_id, resident_id in candidates:
                last = self._last_sent.get(resident_id)
                if resident_id in residents or (last is not None and now - last < PER_CHAT_SPACING):
                    continue  # one message per chat at a time; the next in a second
                residents.add(resident_id)
                chosen.append(message_id)
                if len(chosen) == self.batch:
                    break
            if not chosen:
                return []
            claimed = (await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chosen), OutboxMessage.status == PENDING)
                .values(status=SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
                .returning(OutboxMessage.id)
            )).scalars().all()
        if not claimed and candidates:
            await asyncio.sleep(0.05)  # every due message waits for its chat's second; let it pass
        return list(claimed)

    async def _process(self, message_id: int) -> DispatchReport:
        report = DispatchReport()
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            message = await session.get(OutboxMessage, message_id)
            resident = await session.get(Resident, message.resident_id) if message else None
            if message is None or resident is None:
                return report
            prepared = await self._render(session, message, resident, now)
            user_id, attempts, key = resident.channel_user_id, message.attempts, str(message.id)
            if isinstance(prepared, str):
                message.status, message.last_error = DROPPED, prepared
                report.dropped, report.dropped_reasons = 1, {prepared: 1}
                return report
        delivery = await self._send(message.channel, user_id, key, prepared)
        finished = self.clock.now()
        values: dict[str, Any]
        if delivery.outcome == "sent":
            values = {"status": SENT, "sent_at": finished, "last_error": ""}
            self._last_sent[message.resident_id] = finished
            report.sent = 1
        elif delivery.outcome == "blocked":
            values = {"status": DROPPED, "last_error": "the resident blocked the bot"}
            report.dropped, report.dropped_reasons = 1, {"the resident blocked the bot": 1}
        elif delivery.outcome == "retry" and attempts < MAX_ATTEMPTS:
            wait = max(delivery.retry_after, min(5.0 * 2 ** (attempts - 1), 3600.0))
            values = {"status": PENDING, "next_attempt_at": finished + dt.timedelta(seconds=wait),
                      "last_error": delivery.error[:300]}
            report.retried = 1
        else:
            values = {"status": FAILED, "last_error": f"after {attempts} attempt(s): {delivery.error}"[:300]}
            report.failed = 1
            log.warning("gave up outbox message %s (%s): %s", message_id, message.kind, delivery.error)
        async with self.sessions() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        if delivery.outcome == "blocked" and self.on_blocked is not None:
            await self.on_blocked(message.channel, user_id)
        return report

    async def _render(self, session: AsyncSession, message: OutboxMessage, resident: Resident,
                      now: dt.datetime) -> list[Reply] | str:
        if resident.unreachable_since is not None:
            return "the resident blocked the bot"
        renderer = self.renderers.get(message.kind)
        if renderer is None:
            return f"unknown kind {message.kind!r}"
        language = resident.language if resident.language in self.settings.languages else None
        translator = Translator.for_language(language or self.settings.default_language, self.settings.zone)
        try:
            return await renderer(Notice(session, message, resident, translator, self.settings, now))
        except Exception:
            log.exception("could not render outbox message %s (%s)", message.id, message.kind)
            return "could not be rendered"

    async def _send(self, channel: str, user_id: str, key: str, replies: list[Reply]) -> Delivery:
        try:
            return await self.senders[channel](user_id, key, replies)
        except Exception as error:  # a channel bug must not stop the other messages
            log.exception("sending an outbox message on %s failed", channel)
            return Delivery("retry", error=f"{type(error).__name__}: {error}")


def without_choices(replies: list[Reply]) -> list[Reply]:
    """Proactive messages carry no buttons: typed numbers would pick from the last menu instead."""
    return [dataclasses.replace(reply, choices=()) for reply in replies]
