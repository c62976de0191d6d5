"""10,000 reminders through the Telegram emulation with its flood limit on: rate, duplicates, losses.

The real bot (`quartiersbot run`, its own process, SQLite or PostgreSQL) sends the reminders
from its outbox when they fall due; this process plays Telegram with Telegram's limits (the
overall limit raised, together with the bot's QB_TELEGRAM_MAX_RATE, to keep the run short; one
message a second per chat as on Telegram). Printed: the achieved send rate as a share of the
limit, 429 answers received, duplicates and losses.
Usage: python benchmarks/reminders.py [--reminders 10000] [--limit 200] [--backends sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import database_url  # noqa: E402
from benchmarks.telegram_throughput import bot_process  # noqa: E402
from bot import runtime  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.db.engine import create_engine_for_url, session_factory  # noqa: E402
from bot.db.migrate import upgrade_to_head  # noqa: E402
from bot.db.models import Resident  # noqa: E402
from bot.events.importer import upsert_event  # noqa: E402
from bot.events.models import Event  # noqa: E402
from bot.events.reminders import set_reminder  # noqa: E402
from bot.events.schema import EventEntry  # noqa: E402
from bot.events.store import occurrences  # noqa: E402
from tests.support.databases import BERLIN  # noqa: E402
from tests.support.telegram_emulator import BotApiEmulator  # noqa: E402

FIRST_USER = 7_000_000
LEAD_SECONDS = 45  # scheduling finishes and the bot starts before the reminders fall due


async def schedule(url: str, count: int) -> dt.datetime:
    """An event a little over two hours ahead, and `count` residents reminded two hours before it."""
    engine = create_engine_for_url(url)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    clock = SystemClock()
    now = clock.now()
    start = (now + dt.timedelta(hours=2, seconds=LEAD_SECONDS)).astimezone(BERLIN).replace(second=0, microsecond=0)
    start += dt.timedelta(minutes=1)
    entry = EventEntry.model_validate({
        "key": "benchmark", "start": start.replace(tzinfo=None).isoformat(),
        "end": (start + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        "place": {"name": "Quartiersladen Horst"}, "organiser": "Quartiersmanagement Horst",
        "texts": {"de": {"title": "Sprachcafé", "description": "Deutsch sprechen bei Tee und Keksen."}},
    })
    async with sessions() as session, session.begin():
        await upsert_event(session, entry, "horst", False, now, BERLIN)
    async with sessions() as session, session.begin():
        event = await session.scalar(select(Event).where(Event.key == "benchmark"))
        assert event is not None
        occurrence = occurrences(event, BERLIN, now, now + dt.timedelta(days=1))[0]
        residents = [Resident(channel="telegram", channel_user_id=str(FIRST_USER + number), language="de",
                              created_at=now, last_seen_at=now) for number in range(count)]
        session.add_all(residents)
        await session.flush()
        for resident in residents:
            assert await set_reminder(session, event, occurrence, resident, 120, now, BERLIN)
    await engine.dispose()
    return occurrence.start - dt.timedelta(hours=2)


async def run_backend(backend: str, count: int, limit: int) -> tuple[str, float, int, int, int, float]:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url, cleanup = await database_url(backend, workdir)
        try:
            due = await schedule(url, count)
            emulator = BotApiEmulator()
            await emulator.start()
            for number in range(count):
                emulator.known_chat(FIRST_USER + number)
            emulator.limit_rate(overall_per_second=limit, per_chat_per_second=1)
            plain_url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
            environment = {"QB_DATA_DIR": str(workdir), "QB_DATABASE_URL": plain_url,
                           "QB_TELEGRAM_MAX_RATE": str(limit)}
            async with bot_process(emulator, ["-m", "bot.cli", "run"], environment):
                wait = (due - SystemClock().now()).total_seconds()
                with contextlib.suppress(AssertionError):  # losses are counted below
                    await emulator.wait_until(lambda: emulator.sent_count() >= count,
                                              timeout=max(wait, 0) + count / limit * 3 + 60)
                await asyncio.sleep(3)  # anything still coming would be a duplicate
            await emulator.stop()
        finally:
            await cleanup()
    per_chat = Counter(chat for _, chat in emulator.accepted_sends)
    times = sorted(moment for moment, _ in emulator.accepted_sends)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    duplicates = sum(sent - 1 for sent in per_chat.values() if sent > 1)
    losses = sum(1 for number in range(count) if per_chat[FIRST_USER + number] == 0)
    return backend, rate, emulator.rate_limited, duplicates, losses, times[-1] - times[0] if times else 0.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=200, help="messages per second, for emulation and bot")
    parser.add_argument("--backends", default="sqlite")
    arguments = parser.parse_args()
    rows = [await run_backend(backend, arguments.reminders, arguments.limit)
            for backend in arguments.backends.split(",")]
    print(f"{arguments.reminders} reminders due at once; limit {arguments.limit} messages/s overall "
          "and 1/s per chat (emulation and bot alike)\n")
    print("| backend | sent/s | share of limit | 429s received | duplicates | losses | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, rate, limited, duplicates, losses, seconds in rows:
        print(f"| {backend} | {rate:.0f} | {rate / arguments.limit:.0%} | {limited} | {duplicates} | {losses} | "
              f"{seconds:.1f} |")


if __name__ == "__main__":
    runtime.run(main())
