"""A Sprechstunde of the test's own (its own quarter), taking a number as a resident, and looking into the queue."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.outbox.models import OutboxMessage
from bot.queue.importer import upsert_consultations
from bot.queue.models import QueueSession, QueueTicket
from bot.queue.schema import SprechstundenFile
from tests.support.chat import Chat
from tests.support.databases import Database, settings_for


def sprechstunden(**fields: Any) -> SprechstundenFile:
    """Tuesday 10:00–13:00 and Thursday 14:00–18:00, as the Quartiersladen's example."""
    entry = {
        "key": "laden", "titles": {"de": "Offene Sprechstunde", "en": "Walk-in hours", "ro": "Consultații"},
        "place": "Quartiersladen Horst, Essener Straße 7", "ticket_prefix": "A", "desks": 2,
        "numbers_before_minutes": 30, "no_show_minutes": 5, "late_minutes": 60, "minutes_per_person": 15,
        "weekly": [{"day": "tue", "time": "10:00-13:00", "languages": ["de", "ro", "ar", "tr"]},
                   {"day": "thu", "time": "14:00-18:00", "languages": ["de", "uk"]}],
        **fields,
    }
    return SprechstundenFile.model_validate({"sprechstunden": [entry]})


async def queue_app(database: Database, tmp_path: Path, clock: FixedClock, *, engine: Any = None,
                    quarter: str | None = None, content: SprechstundenFile | None = None, **overrides: Any) -> App:
    """An app on the shared test database with a quarter (and so a queue) of this test alone."""
    quarter = quarter or f"q{uuid.uuid4().hex[:12]}"
    overrides.setdefault("staff_console_ids", (f"desk-{quarter}",))  # each test's own staff account
    settings = settings_for(database, tmp_path, quarter=quarter, **overrides)
    app = await create_app(settings, clock=clock, migrate=False, engine=engine or database.engine)
    async with app.sessions() as session, session.begin():
        await upsert_consultations(session, content or sprechstunden(), quarter, clock.now())
    return app


def staff_of(app: App) -> str:
    """The test's staff account in the terminal chat."""
    return app.settings.staff_console_ids[0]


async def tickets(app: App) -> list[QueueTicket]:
    """Every ticket of this app's quarter, in order."""
    from bot.queue.models import Consultation
    async with app.sessions() as session:
        return list(await session.scalars(
            select(QueueTicket).join(QueueSession, QueueSession.id == QueueTicket.session_id)
            .join(Consultation, Consultation.id == QueueSession.consultation_id)
            .where(Consultation.quarter == app.settings.quarter).order_by(QueueTicket.session_id, QueueTicket.number)))


async def queue_messages(app: App, kind: str | None = None) -> list[OutboxMessage]:
    """The queue's messages to this quarter's residents."""
    ids = {ticket.id for ticket in await tickets(app)}
    async with app.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind.startswith("queue."))
                                     .order_by(OutboxMessage.id))
        return [row for row in rows if row.payload.get("ticket") in ids and (kind is None or row.kind == kind)]


async def take_number(chat: Chat, topic: str = "housing", interpreter: str = "-") -> str:
    """Through the buttons as a resident would: Sprechstunde, take a number, topic, interpreter."""
    await chat.tap("queue:home")
    take = next(payload for payload in chat.payloads if payload.startswith("queue:take:"))
    await chat.tap(take)
    await chat.tap(next(payload for payload in chat.payloads if payload.endswith(f":{topic}")))
    await chat.tap(next(payload for payload in chat.payloads if payload.endswith(f":{interpreter}")))
    return chat.last[-1].title
