"""Models and migrations agree, and erasing a resident erases everything personal."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.app import App
from bot.db.all_models import Base
from bot.db.models import ConversationState, Resident
from tests.conftest import Chat, Database


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_models_and_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_deleting_a_resident_erases_their_conversation_state(app: App) -> None:
    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    await chat.tap("offers:s")  # leaves a flow state behind
    async with app.sessions() as session, session.begin():
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
        assert resident is not None
        count = select(func.count()).select_from(ConversationState).where(
            ConversationState.resident_id == resident.id)
        assert await session.scalar(count) >= 1
        await session.delete(resident)
    async with app.sessions() as session:
        assert await session.scalar(count) == 0
