"""The real `quartiersbot run` process stopped in the middle of sending reminders, and started again.

Stopped gently (SIGTERM) it finishes what is on the wire: nothing lost, nothing twice. Killed
(SIGKILL) it cannot know which message on the wire arrived: none is lost, and only those still
unconfirmed at the kill may arrive twice (Telegram's API offers no way to ask).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FixedClock, SystemClock
from bot.db.models import Resident
from bot.events.models import Event
from bot.events.reminders import REMINDER, reminder_key
from bot.events.store import occurrences
from bot.outbox.models import OutboxMessage
from bot.outbox.store import enqueue
from tests.support.chat import Chat
from tests.support.databases import BERLIN, ROOT, Database
from tests.support.events import make_event
from tests.support.telegram_emulator import BotApiEmulator

RESIDENTS = 120
RATE = 40


async def schedule(app: App, clock: FixedClock, emulator: BotApiEmulator) -> list[int]:
    now = SystemClock().now()
    clock.set(now)
    start = (now + dt.timedelta(hours=2, seconds=4)).astimezone(BERLIN).replace(second=0, microsecond=0)
    start += dt.timedelta(minutes=1)
    event = await make_event(app, start.replace(tzinfo=None).isoformat(),
                             (start + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat())
    users = random.sample(range(10**8, 10**9), RESIDENTS)
    for user in users:
        emulator.known_chat(user)
        await Chat(app, channel="telegram", user=str(user), language_hint="en").say("/start")
    async with app.sessions() as session, session.begin():
        loaded = await session.get(Event, event.id)
        assert loaded is not None
        occurrence = occurrences(loaded, BERLIN, now, now + dt.timedelta(days=1))[0]
        residents = (await session.scalars(select(Resident).where(
            Resident.channel == "telegram", Resident.channel_user_id.in_([str(user) for user in users])))).all()
        for resident in residents:  # due now, as a reminder scheduled earlier would be
            await enqueue(session, resident_id=resident.id, channel="telegram", kind=REMINDER,
                          payload={"event": event.id, "occurrence": occurrence.date, "offset": 120}, due_at=now,
                          key=reminder_key(event.id, occurrence.date, resident.id, 120, now), now=now)
    return users


async def start_bot(database: Database, tmp_path: Path, emulator: BotApiEmulator) -> asyncio.subprocess.Process:
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_TELEGRAM_TOKEN": emulator.token,
           "QB_TELEGRAM_API_URL": emulator.base_url, "QB_TELEGRAM_MAX_RATE": str(RATE),
           "QB_OUTBOX_LEASE_SECONDS": "3", "QB_LOG_LEVEL": "WARNING",
           "QB_DATABASE_URL": database.url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=env, cwd=ROOT)


def delivered(emulator: BotApiEmulator, users: list[int]) -> Counter[int]:
    return Counter({user: len(emulator.messages(user)) for user in users})


async def unconfirmed(app: App, users: list[int]) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "sending")) or 0)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
async def test_stopped_while_sending_and_started_again(app: App, clock: FixedClock, database: Database,
                                                       tmp_path: Path, how: signal.Signals) -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        users = await schedule(app, clock, emulator)
        first = await start_bot(database, tmp_path, emulator)
        await emulator.wait_until(lambda: sum(delivered(emulator, users).values()) >= RESIDENTS // 3, timeout=60)
        first.send_signal(how)
        await asyncio.wait_for(first.wait(), 30)
        in_flight = await unconfirmed(app, users)
        if how == signal.SIGTERM:
            assert in_flight == 0  # a gentle stop marks what it sent
        second = await start_bot(database, tmp_path, emulator)
        try:
            await emulator.wait_until(lambda: all(delivered(emulator, users).values()), timeout=60)
            await asyncio.sleep(1)  # anything more now would be a duplicate
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
    finally:
        await emulator.stop()
    counts = delivered(emulator, users)
    assert min(counts.values()) == 1  # nobody lost their reminder
    duplicates = sum(count - 1 for count in counts.values())
    assert duplicates <= in_flight
    if how == signal.SIGTERM:
        assert duplicates == 0
