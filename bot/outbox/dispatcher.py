"""Sends due outbox messages through the channels, within their limits, exactly as often as stored.

Each message is claimed (pending → sending) by a conditional update, so two dispatchers never
take the same row; rendered in a short transaction; sent with no transaction open (SQLite has
one connection, which the conversations need meanwhile); and marked sent at once. A message
whose send was cut off by a hard kill is sent again (at the restart, or as soon as another process
sees that the sending one is gone, see outbox/owner.py; at the latest when its lease runs out): a
resident may get that one message twice, but never loses it. Matrix even drops that second copy
itself, because its transaction ids are made of the message's unique key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.channel import Delivery, Sender
from bot.conversation.context import isolate_direction
from bot.conversation.durable import REPLY, restored
from bot.conversation.messages import Reply
from bot.db.models import Resident
from bot.i18n import Translator
from bot.outbox.models import OutboxMessage
from bot.outbox.store import DROPPED, FAILED, PENDING, SENDING, SENT, mark_delivered

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
PER_CHAT_SPACING = dt.timedelta(seconds=1)  # Telegram allows about one message a second per chat


def settled(delivery: Delivery, attempts: int, payload: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """How an outbox row stands after a delivery: the same rule for the dispatcher and for live replies."""
    if delivery.outcome == "sent":
        return {"status": SENT, "sent_at": now, "last_error": ""}
    if delivery.outcome == "blocked":
        return {"status": DROPPED, "last_error": "the resident blocked the bot"}
    if delivery.outcome == "retry" and attempts < MAX_ATTEMPTS:
        # A flood limit says how long to wait; other trouble backs off exponentially.
        wait = delivery.retry_after or min(5.0 * 2 ** (attempts - 1), 3600.0)
        values: dict[str, Any] = {"status": PENDING, "next_attempt_at": now + dt.timedelta(seconds=wait),
                                  "last_error": delivery.error[:300]}
        if delivery.sent_replies:
            values["payload"] = {**payload, "sent": int(payload.get("sent", 0)) + delivery.sent_replies}
        return values
    return {"status": FAILED, "last_error": f"after {attempts} attempt(s): {delivery.error}"[:300]}


@dataclass
class Notice:
    """What a notification renderer may use to write one message in a resident's language.

    Deliberately without the resident: one text serves everyone with the same message and language.
    """

    session: AsyncSession
    payload: dict[str, Any]
    translator: Translator
    settings: Settings
    now: dt.datetime

    def reply(self, heading: str, text: str, hint: str) -> list[Reply]:
        """One message in the resident's writing direction, ending with where to find more (`hint`)."""
        right_to_left = self.translator.right_to_left
        return [isolate_direction(Reply(text=f"{text}\n\n{hint}", title=heading, right_to_left=right_to_left))]


@dataclass(frozen=True)
class Claim:
    """A claimed outbox message with what sending it needs."""

    id: int
    resident_id: int
    channel: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    user_id: str
    language: str | None
    unreachable_since: dt.datetime | None
    address: str | None  # the chat the resident last wrote from, where the channel has several (Matrix)
    key: str  # unique and stable: channels with idempotent sending derive their transaction ids from it


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
                 renderers: dict[str, Renderer], *, batch: int = 500, concurrency: int = 32,
                 on_blocked: Callable[[str, str], Awaitable[None]] | None = None, owner: int | None = None) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.owner = owner  # this process's number (outbox/owner.py)
        self.renderers = renderers
        self.senders: dict[str, Sender] = {}
        self.only_user: dict[str, str] = {}  # channel → the one account this process can reach there
        self.batch, self.concurrency = batch, concurrency
        self.on_blocked = on_blocked
        self._last_sent: dict[int, dt.datetime] = {}
        self._running = asyncio.Lock()
        self._closing = False

    def add_channel(self, channel: str, sender: Sender, *, only_user: str | None = None) -> None:
        """`only_user`: the channel reaches one account only (a terminal chat); others' messages stay pending."""
        self.senders[channel] = sender
        if only_user is not None:
            self.only_user[channel] = only_user

    async def run_until_idle(self) -> DispatchReport:
        """Send everything due now; returns when nothing due is left (or only retries for later).

        The next batch is claimed while the last one is still being sent, so a channel's pace is
        never interrupted by the database round trips between batches.
        """
        report = DispatchReport()
        semaphore = asyncio.Semaphore(self.concurrency)
        rendered: dict[tuple[str, str, str], list[Reply] | str] = {}  # the same reminder for many residents
        in_flight: dict[asyncio.Task[DispatchReport], int] = {}  # task → resident

        async def one(claim: Claim) -> DispatchReport:
            async with semaphore:
                return await self._process(claim, rendered)
        async with self._running:  # the scheduler and a manual wake-up never overlap
            more = True
            while True:
                if more and len(in_flight) <= self.batch // 2:
                    claimed = await self._claim(busy=set(in_flight.values()))
                    more = len(claimed) > 0
                    if not in_flight:
                        rendered.clear()  # texts can depend on the time (e.g. "has it started?")
                    for claim in claimed:
                        in_flight[asyncio.create_task(one(claim))] = claim.resident_id
                if not in_flight:
                    return report
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del in_flight[task]
                    report.add(task.result())
                if not in_flight:
                    more = True  # all sent: look once more for what fell due meanwhile

    @property
    def busy(self) -> bool:
        return self._running.locked()

    async def close(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Claim nothing more and wait (up to `timeout`) until the messages in flight are marked."""
        self._closing = True
        try:
            await asyncio.wait_for(self._running.acquire(), timeout)
        except TimeoutError:
            log.warning("outbox messages still in flight at shutdown; they are sent again after a restart")

    async def _claim(self, busy: set[int] | None = None) -> list[Claim]:
        """Due messages, at most one per resident and none for a resident with one in flight."""
        now = self.clock.now()
        if len(self._last_sent) > 10_000:  # only the last second matters
            self._last_sent = {key: moment for key, moment in self._last_sent.items()
                               if now - moment < PER_CHAT_SPACING}
        async with self.sessions() as session, session.begin():
            await session.execute(  # leases of a crashed run have run out: those are sent again
                update(OutboxMessage).where(OutboxMessage.status == SENDING, OutboxMessage.next_attempt_at <= now)
                .values(status=PENDING, claimed_by=None))
            if not self.senders or self._closing:
                return []
            query = (
                select(OutboxMessage.id, OutboxMessage.resident_id)
                .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
                       OutboxMessage.channel.in_(list(self.senders)))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch * 4)
            )
            if self.only_user:
                query = query.join(Resident, Resident.id == OutboxMessage.resident_id).where(or_(
                    OutboxMessage.channel.not_in(list(self.only_user)),
                    *(and_(OutboxMessage.channel == channel, Resident.channel_user_id == user)
                      for channel, user in self.only_user.items())))
            candidates = (await session.execute(query)).all()
            chosen, residents = [], set(busy or ())
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
            claimed = set((await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chosen), OutboxMessage.status == PENDING)
                .values(status=SENDING, attempts=OutboxMessage.attempts + 1, claimed_by=self.owner,
                        next_attempt_at=now + dt.timedelta(seconds=self.settings.outbox_lease_seconds))
                .returning(OutboxMessage.id)
            )).scalars().all())
            rows = (await session.execute(
                select(OutboxMessage.id, OutboxMessage.resident_id, OutboxMessage.channel, OutboxMessage.kind,
                       OutboxMessage.payload, OutboxMessage.attempts, Resident.channel_user_id, Resident.language,
                       Resident.unreachable_since, Resident.address, OutboxMessage.idempotency_key)
                .join(Resident, Resident.id == OutboxMessage.resident_id)
                .where(OutboxMessage.id.in_(claimed))
            )).all() if claimed else []
        if not claimed and candidates:
            await asyncio.sleep(0.05)  # every due message waits for its chat's second; let it pass
        order = {message_id: index for index, message_id in enumerate(chosen)}
        return sorted((Claim(*row) for row in rows), key=lambda claim: order[claim.id])

    async def _process(self, claim: Claim, rendered: dict[tuple[str, str, str], list[Reply] | str]
                       ) -> DispatchReport:
        report = DispatchReport()
        language = claim.language if claim.language in self.settings.languages else self.settings.default_language
        if claim.unreachable_since is not None:
            prepared: list[Reply] | str = "the resident blocked the bot"
        else:
            key = (claim.kind, json.dumps(claim.payload, sort_keys=True), language)
            if key not in rendered:
                rendered[key] = await self._render(claim, language)
            prepared = rendered[key]
        if isinstance(prepared, str):
            await self._mark(claim.id, {"status": DROPPED, "last_error": prepared[:300]})
            report.dropped, report.dropped_reasons = 1, {prepared: 1}
            return report
        delivery = await self._send(claim, prepared)
        finished = self.clock.now()
        values = settled(delivery, claim.attempts, claim.payload, finished)
        if values["status"] == SENT:
            self._last_sent[claim.resident_id] = finished
            report.sent = 1
        elif values["status"] == DROPPED:
            report.dropped, report.dropped_reasons = 1, {"the resident blocked the bot": 1}
        elif values["status"] == PENDING:
            report.retried = 1
        else:
            report.failed = 1
            log.warning("gave up outbox message %s (%s) for resident %s: %s", claim.id, claim.kind, claim.resident_id,
                        delivery.error)
        await self._mark(claim.id, values, delete=claim.kind == REPLY and values["status"] == SENT,
                         resident_id=claim.resident_id, screen=delivery.screen)
        if delivery.outcome == "blocked" and self.on_blocked is not None:
            await self.on_blocked(claim.channel, claim.user_id)
        return report

    async def _mark(self, message_id: int, values: dict[str, Any], *, delete: bool = False,
                    resident_id: int | None = None, screen: str | None = None) -> None:
        """At once, in a transaction of its own: what is marked sent is never sent again. A sent reply is not
        kept at all (see conversation/durable)."""
        async with self.sessions() as session, session.begin():
            await mark_delivered(session, message_id, values, delete=delete, resident_id=resident_id, screen=screen)

    async def _render(self, claim: Claim, language: str) -> list[Reply] | str:
        if claim.kind == REPLY:  # made when the message was answered, in the language of that moment
            return restored(claim.payload)
        renderer = self.renderers.get(claim.kind)
        if renderer is None:
            return f"unknown kind {claim.kind!r}"
        translator = Translator.for_language(language, self.settings.zone)
        try:
            async with self.sessions() as session:
                return await renderer(Notice(session, claim.payload, translator, self.settings, self.clock.now()))
        except Exception:
            log.exception("could not render outbox message %s (%s)", claim.id, claim.kind)
            return "could not be rendered"

    async def _send(self, claim: Claim, replies: list[Reply]) -> Delivery:
        channel = claim.channel
        try:
            first = int(claim.payload.get("sent", 0)) if claim.kind == REPLY else 0  # replies sent before
            return await self.senders[channel](claim.user_id, claim.key, replies, claim.address, first)
        except Exception as error:  # a channel bug must not stop the other messages
            log.exception("sending an outbox message on %s failed", channel)
            return Delivery("retry", error=f"{type(error).__name__}: {error}")

