"""Staff manage events from the terminal; mistakes are refused in one line, changes reach residents."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

from bot.app import create_app
from bot.clock import FixedClock, SystemClock
from tests.support.chat import Chat
from tests.support.databases import Database, settings_for


def quartiersbot(database: Database, tmp_path: Path, quarter: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_QUARTER": quarter,
           "QB_DATABASE_URL": database.url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


async def test_add_list_update_cancel_and_the_outbox(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    quarter = f"q{uuid.uuid4().hex[:12]}"
    run = lambda *arguments: quartiersbot(database, tmp_path, quarter, *arguments)  # noqa: E731
    past = run("event", "add", "old", "--start", "2020-01-01 10:00", "--end", "11:00", "--title", "Alt",
               "--description", "Vorbei.")
    assert past.returncode == 1 and "the start lies in the past" in past.stdout
    backwards = run("event", "add", "x", "--start", "2031-01-01 10:00", "--end", "09:00", "--title", "X",
                    "--description", "Y")
    assert backwards.returncode == 1 and "end must be after start" in backwards.stdout
    # The command works on the real date, so the dates here are counted from today.
    first = dt.date.today() + dt.timedelta(days=35)
    second, moved_to = first + dt.timedelta(days=7), first + dt.timedelta(days=8)
    added = run("event", "add", "sprachcafe", "--start", f"{first} 18:00", "--end", "20:00", "--title",
                "Sprachcafé", "--description", "Deutsch sprechen bei Tee.", "--weekly-until",
                str(first + dt.timedelta(days=50)), "--capacity", "8", "--languages", "de,tr")
    assert added.returncode == 0 and "created" in added.stdout, added.stdout + added.stderr
    listing = run("event", "list", "--days", "100")
    assert listing.stdout.count("sprachcafe") == 8 and "0/8 registered" in listing.stdout

    clock.set(SystemClock().now())
    app = await create_app(settings_for(database, tmp_path, quarter=quarter), clock=clock, migrate=False,
                           engine=database.engine)
    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    event_id = await event_id_of(app, quarter, "sprachcafe")
    await chat.tap(f"events:reg:{event_id}:{second}")
    assert "1/8 registered" in run("event", "list", "--days", "100").stdout

    moved = run("event", "update", "sprachcafe", "--start", f"{first + dt.timedelta(days=1)} 17:00")
    assert moved.returncode == 0 and "1 resident(s) will be told" in moved.stdout, moved.stdout + moved.stderr
    after = run("event", "list", "--days", "100").stdout
    assert f"{moved_to} 17:00" in after and "1/8 registered" in after
    one_date = first + dt.timedelta(days=15)
    assert run("event", "cancel", "sprachcafe", "--date", str(one_date)).returncode == 0
    dates = run("event", "list", "--days", "100").stdout.splitlines()
    assert [line for line in dates if "CANCELLED" in line] == [
        next(line for line in dates if str(one_date) in line)]
    cancelled = run("event", "cancel", "sprachcafe")
    assert "1 resident(s) will be told" in cancelled.stdout
    outbox = run("outbox").stdout
    assert "pending:" in outbox and "cancelled:" in outbox
    unknown = run("event", "cancel", "nothing")
    assert unknown.returncode == 1 and "No event 'nothing'" in unknown.stdout


async def event_id_of(app: object, quarter: str, key: str) -> int:
    from sqlalchemy import select

    from bot.events.models import Event
    async with app.sessions() as session:  # type: ignore[attr-defined]
        found = await session.scalar(select(Event.id).where(Event.quarter == quarter, Event.key == key))
    assert found is not None
    return int(found)
