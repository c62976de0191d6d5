"""Residents' questions for the tests: a quarter of the test's own, a resident, a question asked, and a
back-office account whose staff chat is linked, so new questions reach it."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.accounts.roles import TEAM
from bot.accounts.store import create_account, link_chat
from bot.app import App, create_app
from bot.audit.log import Actor
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage
from bot.questions.models import Question
from bot.questions.store import ask
from tests.support.chat import Chat
from tests.support.databases import Database, settings_for

ASKED_AR = "لدي رسالة من مركز العمل"  # the emulator knows it: "Ich habe einen Brief vom Jobcenter"
LETTER_AR = "يرجى الحضور إلى ساعة الاستشارة مع الرسالة."  # COME_WITH_LETTER in Arabic, as the emulator says it


async def office(database: Database, tmp_path: Path, clock: FixedClock, quarter: str | None = None,
                 **overrides: Any) -> App:
    """An app on the shared database with a quarter of this test alone (or the given one)."""
    settings = settings_for(database, tmp_path, quarter=quarter or f"q{uuid.uuid4().hex[:12]}", **overrides)
    return await create_app(settings, clock=clock, migrate=False, engine=database.engine)


async def resident_of(app: App) -> Resident:
    chat = Chat(app, user=uuid.uuid4().hex, language_hint="ar")
    await chat.say("/start")
    async with app.sessions() as session:
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
    assert resident is not None
    return resident


async def asked(app: App, text: str = ASKED_AR, language: str = "ar", channel: str = "telegram",
                hours_ago: float = 0, resident: Resident | None = None) -> Question:
    resident = resident or await resident_of(app)
    async with app.sessions() as session, session.begin():
        return await ask(session, resident_id=resident.id, quarter=app.settings.quarter, channel=channel,
                         language=language, text=text, now=app.clock.now() - dt.timedelta(hours=hours_ago))


async def linked_staff(app: App, channel: str, user: str) -> int:
    """A Team account with `user` (one of the configured staff ids of `channel`) linked; its id."""
    async with app.sessions() as session, session.begin():
        account = await create_account(session, f"team-{uuid.uuid4().hex[:10]}", TEAM, "a long password 4 tests",
                                       app.clock.now(), Actor.command_line())
        await link_chat(session, account, channel, user, app.settings, app.clock.now(), Actor.command_line())
        return account.id


async def questions_in(app: App) -> list[Question]:
    async with app.sessions() as session:
        return list(await session.scalars(select(Question).where(Question.quarter == app.settings.quarter)
                                          .order_by(Question.id)))


async def outbox_of(app: App, kind: str) -> list[OutboxMessage]:
    """The outbox messages of `kind` to this test's people (whose chat names end in the test's quarter)."""
    async with app.sessions() as session:
        return list(await session.scalars(
            select(OutboxMessage).join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(OutboxMessage.kind == kind, Resident.channel_user_id.endswith(f"-{app.settings.quarter}"))
            .order_by(OutboxMessage.id)))
