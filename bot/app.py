"""Builds the running bot from settings: engine, migrations, conversation core."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation.core import Conversation
from bot.conversation.services import Services
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade_to_head
from bot.outbox.dispatcher import Dispatcher
from handlers.registry import build_router


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    conversation: Conversation
    dispatcher: Dispatcher

    async def close(self) -> None:
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
    conversation = Conversation(sessions, settings, clock, router, services)
    dispatcher = Dispatcher(sessions, settings, clock, router.notifications, on_blocked=conversation.mark_unreachable)
    return App(settings, engine, sessions, clock, conversation, dispatcher)
