"""Builds the running bot from settings: engine, migrations, conversation core."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.db.schema  # noqa: F401  (every capability's tables, for the foreign keys between them)
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation.core import Conversation
from bot.conversation.services import Services
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade_to_head
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.owner import Ownership
from handlers.registry import build_router


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    conversation: Conversation
    dispatcher: Dispatcher
    ownership: Ownership

    async def close(self) -> None:
        await self.ownership.release()
        await self.engine.dispose()


async def create_app(settings: Settings, clock: Clock | None = None, migrate: bool = True,
                     engine: AsyncEngine | None = None) -> App:
    engine = engine or create_engine(settings)
    if migrate:
        await upgrade_to_head(engine)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    services = Services()
    router = build_router()
    ownership = Ownership(engine)
    conversation = Conversation(sessions, settings, clock, router, services, owner=ownership.number)
    dispatcher = Dispatcher(sessions, settings, clock, router.notifications, on_blocked=conversation.mark_unreachable,
                            owner=ownership.number)
    return App(settings, engine, sessions, clock, conversation, dispatcher, ownership)
