"""Events made for one test, and the real Telegram channel as the outbox's way out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import TelegramChannel
from bot.events.importer import entry_of, upsert_event
from bot.events.models import Event
from bot.events.schema import EventEntry
from tests.support.databases import BERLIN
from tests.support.telegram_emulator import BotApiEmulator


async def make_event(app: App, start: str, end: str, **fields: Any) -> Event:
    """An event of this test's own (unique key), as staff would add it."""
    entry = EventEntry.model_validate({
        "key": f"t-{uuid.uuid4().hex[:12]}", "start": start, "end": end, "place": {"name": "Quartiersladen Horst"},
        "organiser": "Quartiersmanagement Horst",
        "texts": {"de": {"title": "Testtreffen", "description": "Ein Treffen für den Test."},
                  "en": {"title": "Test meeting", "description": "A meeting for the test."}},
        **fields,
    })
    async with app.sessions() as session, session.begin():
        await upsert_event(session, entry, app.settings.quarter, False, app.clock.now(), BERLIN)
    async with app.sessions() as session:
        event = await session.scalar(select(Event).where(Event.key == entry.key))
        assert event is not None
        return event


@asynccontextmanager
async def telegram_outbox(app: App, emulator: BotApiEmulator) -> AsyncIterator[TelegramChannel]:
    """The unmodified Telegram channel, initialised but not polling: only the dispatcher sends."""
    settings = app.settings.model_copy(update={"telegram_token": SecretStr(emulator.token),
                                               "telegram_api_url": emulator.base_url})
    channel = TelegramChannel(app.conversation, settings)
    await channel.application.initialize()
    app.dispatcher.add_channel(TELEGRAM, channel.send_proactive)
    try:
        yield channel
    finally:
        app.dispatcher.senders.pop(TELEGRAM, None)
        await channel.application.shutdown()


def berlin(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


async def upsert_event_change(app: App, key: str, **changes: Any) -> int:
    """Change an event as `quartiersbot event update` does; how many residents will be told."""
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Event).where(Event.key == key))
        assert row is not None
        entry = EventEntry.model_validate(entry_of(row) | changes)
        outcome = await upsert_event(session, entry, app.settings.quarter, False, app.clock.now(), BERLIN)
    return outcome.told
