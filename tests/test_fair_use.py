"""Fair use: a flood from one account gets one notice, then costs nothing, and nobody else waits for it.

In process with the injected clock (the pause ends when the test moves the clock, no sleeping),
and on Telegram: the unmodified bot against the loopback Bot API emulation, with the default
limits, while one account sends 300 messages and another resident writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.config import ConfigError, Settings, load_settings
from bot.conversation.fair_use import FairUse, Verdict
from tests.support.chat import Chat
from tests.support.databases import TUESDAY_MORNING, Database, settings_for
from tests.support.telegram import Running, resident
from tests.support.telegram_emulator import BotApiEmulator

NOTICE = "You are sending a lot of messages at once"
PAUSE = dt.timedelta(seconds=60)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[float, str]]]:
    """Every SQL statement the engine runs meanwhile: when, and with which parameters."""
    seen: list[tuple[float, str]] = []

    def record(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        seen.append((time.perf_counter(), repr(parameters)))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest_asyncio.fixture
async def app(database: Database, tmp_path: Path, clock: FixedClock) -> App:
    """20 messages allowed, as by default; the window is long, so a slow machine cannot spread a burst over two."""
    settings = settings_for(database, tmp_path, flood_messages=20, flood_seconds=3600, flood_pause_seconds=60,
                            staff_console_ids=("desk-fair-use",))
    return await create_app(settings, clock=clock, migrate=False, engine=database.engine)


def limiter(clock: FixedClock, **limits: int) -> FairUse:
    return FairUse(Settings(staff_telegram_ids=("42",), **limits), clock)  # type: ignore[arg-type]


async def test_the_21st_message_gets_the_notice_then_nothing_until_the_pause_is_over() -> None:
    clock = FixedClock(TUESDAY_MORNING)
    fair = limiter(clock, flood_seconds=3600)
    verdicts = [await fair.admit("telegram", "7") for _ in range(25)]
    assert verdicts == [Verdict.ANSWER] * 20 + [Verdict.NOTICE] + [Verdict.DROP] * 4
    assert await fair.admit("matrix", "7") is Verdict.ANSWER  # an account is a channel and a user id
    assert await fair.admit("telegram", "8") is Verdict.ANSWER
    clock.advance(PAUSE - dt.timedelta(seconds=1))
    assert await fair.admit("telegram", "7") is Verdict.DROP
    clock.advance(dt.timedelta(seconds=1))
    verdicts = [await fair.admit("telegram", "7") for _ in range(21)]
    assert verdicts == [Verdict.ANSWER] * 20 + [Verdict.NOTICE]  # afresh, and told again


async def test_staff_accounts_are_exempt() -> None:
    fair = limiter(FixedClock(TUESDAY_MORNING), flood_messages=3)
    assert {await fair.admit("telegram", "42") for _ in range(50)} == {Verdict.ANSWER}
    assert [await fair.admit("matrix", "42") for _ in range(4)][-1] is Verdict.NOTICE  # staff on Telegram only


async def test_the_window_moves() -> None:
    """The window itself is the library's and counts wall-clock time: one second, waited once."""
    fair = limiter(FixedClock(TUESDAY_MORNING), flood_messages=2, flood_seconds=1)
    assert [await fair.admit("console", "a") for _ in range(2)] == [Verdict.ANSWER] * 2
    await asyncio.sleep(1.05)
    assert [await fair.admit("console", "a") for _ in range(3)] == [Verdict.ANSWER] * 2 + [Verdict.NOTICE]


def test_wrong_limits_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"^QB_FLOOD_MESSAGES: "):
        load_settings(flood_messages=0)
    monkeypatch.setenv("QB_FLOOD_SECONDS", "ten")
    with pytest.raises(ConfigError, match=r"^QB_FLOOD_SECONDS: "):
        load_settings()
    monkeypatch.setenv("QB_FLOOD_SECONDS", "10")
    monkeypatch.setenv("QB_FLOOD_PAUSE_SECONDS", "-1")
    with pytest.raises(ConfigError, match=r"^QB_FLOOD_PAUSE_SECONDS: "):
        load_settings()


async def test_a_flood_costs_no_database_work_and_nobody_else_waits(app: App, clock: FixedClock,
                                                                    database: Database) -> None:
    flooder, neighbour = Chat(app, language_hint="en"), Chat(app, language_hint="en")
    await flooder.say("/start")
    for _ in range(19):
        assert await flooder.say("Tafel")
    notice = await flooder.say("Tafel")
    assert len(notice) == 1 and NOTICE in notice[0].text and not notice[0].choices
    with statements(database.engine) as ran:
        for text in ("Tafel", "/start", "Deutschkurs", "/survey"):
            assert await flooder.say(text) == []
        assert await flooder.tap("offers:home") == []
    assert ran == []  # dropped before the database: no lock, no state, no stored search
    await neighbour.say("/start")
    assert "offers:home" in neighbour.payloads  # the neighbour is answered as always
    clock.advance(PAUSE)
    await flooder.say("Tafel")
    assert flooder.last and "Tafel" in flooder.text  # answered again after the pause


async def test_the_notice_speaks_the_language_the_resident_chose(app: App) -> None:
    chat = Chat(app, language_hint="de")
    await chat.say("/language")
    await chat.tap("lang:set:ar")
    for _ in range(18):  # 20 with the two above
        await chat.say("/menu")
    [notice] = await chat.say("/menu")
    assert notice.right_to_left and notice.text.startswith("\u200f")  # Arabic, though the phone says German


async def test_staff_tapping_fast_at_the_desk_are_always_answered(app: App) -> None:
    desk = Chat(app, channel="console", user="desk-fair-use", language_hint="en")
    for _ in range(30):
        assert await desk.say("/menu")


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock
              ) -> AsyncIterator[Running]:
    """The unmodified bot on Telegram with the default limits, spelt out so the test does not follow other defaults."""
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url,
                            flood_messages=20, flood_seconds=10, flood_pause_seconds=60)
    running = Running(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
    yield running
    await running.close()


async def test_300_messages_from_one_telegram_account(emulator: BotApiEmulator, bot: Running,
                                                      database: Database) -> None:
    flooder, neighbour = resident(), resident()
    application = bot.channel.application
    with statements(database.engine) as ran:
        started = time.perf_counter()
        for _ in range(100):
            emulator.send_text(flooder, "Tafel", language_code="en")
        written = time.perf_counter()
        emulator.send_text(neighbour, "/start", language_code="en")
        last = None
        for _ in range(200):
            last = emulator.send_text(flooder, "Tafel", language_code="en")
        assert last is not None
        greeting, menu = await emulator.wait_for_messages(neighbour, 2, timeout=30)
        answered = menu.sent_at - written
        await emulator.wait_until(lambda: any(
            method == "getUpdates" and int(params.get("offset") or 0) > last["update_id"]
            for method, params in emulator.calls), timeout=60)
        await emulator.wait_until(lambda: application.update_queue.empty()
                                  and application.update_processor.current_concurrent_updates == 0, timeout=60)
        drained = time.perf_counter() - started
    received = emulator.messages(flooder)
    notices = [message for message in received if NOTICE in message.text]
    flooder_sql = [moment for moment, parameters in ran if f"'{flooder}'" in parameters]
    print(f"\nflood: 300 messages from one account; {len(received) - len(notices)} answered, {len(notices)} notice; "
          f"all 300 handled in {drained:.2f} s; the neighbour's reply came after {answered:.2f} s; "
          f"{len(flooder_sql)} SQL statements for the flooder, none after the notice")
    assert "Hello" in greeting.text and "offers:home" in str(menu.reply_markup)
    assert answered < 5.0
    assert len(notices) == 1 and received[-1] is notices[0]
    assert len(received) - 1 <= 20
    assert flooder_sql and max(flooder_sql) < notices[0].sent_at  # the 279 after the notice touched nothing
