"""Staff for the questions tests: a back-office account whose staff chat is linked, so new questions reach it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bot.accounts.roles import TEAM
from bot.accounts.store import create_account, link_chat
from bot.app import App
from bot.audit.log import Actor
from bot.outbox.models import OutboxMessage
from bot.questions.models import Question


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
    async with app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                          .order_by(OutboxMessage.id)))
