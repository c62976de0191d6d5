"""Fifty residents press "take a number" in the same second: unique numbers without gaps, in order."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.conversation.messages import Incoming
from bot.db.engine import create_engine_for_url
from tests.support.chat import Chat
from tests.support.databases import Database, settings_for
from tests.support.queue import queue_app, take_number, tickets

PEOPLE = 50


async def press_together(apps: list[App], session_id: int, users: list[str]) -> list[str]:
    """Every resident presses the last button at once; each gets back the title of their ticket."""
    async def press(index: int, user: str) -> str:
        app = apps[index % len(apps)]
        replies = await app.conversation.handle(Incoming("console", user, payload=f"queue:i:{session_id}:housing:-"))
        return replies[-1].title
    return await asyncio.gather(*(press(index, user) for index, user in enumerate(users)))


async def prepare(app: App) -> tuple[int, list[str]]:
    """A first ticket (so the session exists) and fifty residents who chose German."""
    first = Chat(app, "console", language_hint="en")
    await take_number(first)
    users = [f"{first.user}-{index}" for index in range(PEOPLE)]
    for user in users:
        await app.conversation.set_language("console", user, "en")
    return (await tickets(app))[0].session_id, users


def check(titles: list[str], numbers: list[int]) -> None:
    assert sorted(numbers) == list(range(1, PEOPLE + 2))  # unique and without gaps, the first one included
    shown = sorted(int(re.search(r"A-(\d{3})", title).group(1)) for title in titles)  # type: ignore[union-attr]
    assert shown == list(range(2, PEOPLE + 2))  # each resident was told their own number


async def test_fifty_at_once(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    """On PostgreSQL half of them come through a second bot process (engine); SQLite serves one process."""
    app = await queue_app(database, tmp_path, clock)
    session_id, users = await prepare(app)
    engine = create_engine_for_url(database.url) if database.backend == "postgresql" else None
    try:
        apps = [app]
        if engine is not None:
            apps.append(await create_app(settings_for(database, tmp_path, quarter=app.settings.quarter),
                                         clock=clock, migrate=False, engine=engine))
        titles = await press_together(apps, session_id, users)
    finally:
        if engine is not None:
            await engine.dispose()
    stored = await tickets(app)
    check(titles, [ticket.number for ticket in stored])
    assert len({ticket.resident_id for ticket in stored}) == PEOPLE + 1  # one ticket each
