"""Telegram fails in every way it can, on every method the bot calls: a 429, a 5xx, or DROP (Telegram
did what was asked and the answer never arrived). Every message is still answered, in order, once;
the only duplicates are messages Telegram accepted while their answer was lost (DROP on a send),
which the Bot API gives no way to recognise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import create_app
from bot.clock import FixedClock
from bot.db.models import ProcessedEvent
from tests.support.databases import Database, settings_for
from tests.support.ports import free_port, listening
from tests.support.telegram import SECRET, Running, button, resident
from tests.support.telegram_emulator import DROP, NOT_MODIFIED, BotApiEmulator

FAULTS = [429, 502, DROP]


async def started(emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock,
                  **overrides: object) -> Running:
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url,
                            **overrides)
    return Running(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)


@pytest_asyncio.fixture
async def polling(emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock
                  ) -> AsyncIterator[Running]:
    running = await started(emulator, database, tmp_path, clock)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls), timeout=30)
    yield running
    await running.close()


def texts(emulator: BotApiEmulator, user: int) -> list[str]:
    return [message.text for message in emulator.messages(user)]


def no_repeats(sequence: list[str], allowed: int) -> list[str]:
    """The sequence with at most `allowed` immediate repetitions taken out; fails on more."""
    kept = [text for index, text in enumerate(sequence) if index == 0 or text != sequence[index - 1]]
    assert len(sequence) - len(kept) <= allowed, sequence
    return kept


def caused_by_the_bot(emulator: BotApiEmulator, *, except_: Callable[[str, int, str], bool] = lambda *_: False
                      ) -> list[tuple[str, int, str]]:
    return [error for error in emulator.errors if not except_(*error)]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("method", ["getMe", "setMyCommands", "deleteWebhook"])
async def test_trouble_at_startup_is_waited_out(emulator: BotApiEmulator, database: Database, tmp_path: Path,
                                                clock: FixedClock, method: str, fault: int | str) -> None:
    emulator.inject(method, fault, count=2)
    running = await started(emulator, database, tmp_path, clock)
    try:
        user = resident()
        emulator.send_text(user, "/start", language_code="en")
        greeting, menu = await emulator.wait_for_messages(user, 2, timeout=30)
        assert "Hello" in greeting.text and menu.reply_markup
        assert emulator.faults_left() == 0 and not running.task.done()
        assert caused_by_the_bot(emulator) == []
    finally:
        await running.close()


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_when_setting_the_webhook_is_waited_out(emulator: BotApiEmulator, database: Database,
                                                              tmp_path: Path, clock: FixedClock,
                                                              fault: int | str) -> None:
    port = free_port()
    emulator.inject("setWebhook", fault, count=2)
    running = await started(emulator, database, tmp_path, clock, telegram_webhook_url=f"http://127.0.0.1:{port}/tg",
                            telegram_webhook_secret=SECRET, telegram_webhook_listen=f"127.0.0.1:{port}")
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None and listening(port), timeout=30)
        user = resident()
        assert await emulator.deliver_webhook(emulator.send_text(user, "/help", language_code="en"), SECRET) == 200
        assert "/menu" in (await emulator.wait_for_messages(user, 1))[0].text
        assert caused_by_the_bot(emulator) == []
    finally:
        await running.close()


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_fetching_updates_loses_and_repeats_nothing(emulator: BotApiEmulator, polling: Running,
                                                                  fault: int | str) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    await emulator.wait_for_messages(user, 2)
    emulator.inject("getUpdates", fault, count=2)
    for number in range(5):
        emulator.send_text(user, f"/help {number}", language_code="en")
    await emulator.wait_for_messages(user, 7, timeout=30)
    await asyncio.sleep(1)  # a repeated answer would come now
    assert len(emulator.messages(user)) == 7 and all("/menu" in text for text in texts(emulator, user)[2:])
    assert emulator.faults_left() == 0 and caused_by_the_bot(emulator) == []


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_sending_loses_nothing(emulator: BotApiEmulator, polling: Running, fault: int | str) -> None:
    user = resident()
    emulator.inject("sendMessage", fault, count=2)
    emulator.send_text(user, "/start", language_code="en")
    emulator.send_text(user, "/help", language_code="en")
    await emulator.wait_until(lambda: "/menu" in "".join(texts(emulator, user)[2:]), timeout=30)
    await asyncio.sleep(1)
    # A send whose answer was lost is sent again: Telegram offers no way to tell that it arrived.
    greeting, _menu, help_text = no_repeats(texts(emulator, user), allowed=emulator.dropped)
    assert "Hello" in greeting and "/menu" in help_text
    assert caused_by_the_bot(emulator) == []


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_editing_a_screen_replaces_it_once(emulator: BotApiEmulator, polling: Running,
                                                         fault: int | str) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    _, menu = await emulator.wait_for_messages(user, 2)
    emulator.inject("editMessageText", fault)
    emulator.press_button(user, menu.message_id, button(menu, "offers:home"), language_code="en")
    await emulator.wait_until(lambda: "Choose a topic" in emulator.messages(user)[-1].text, timeout=30)
    await asyncio.sleep(1)
    assert len(emulator.messages(user)) == 2  # the menu became the topics, no new message
    # A retried edit that had gone through is "not modified": the screen is right, nothing else happens.
    assert caused_by_the_bot(emulator, except_=lambda method, _, text: method == "editMessageText"
                             and text == NOT_MODIFIED and fault == DROP) == []


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_acknowledging_a_button_is_retried(emulator: BotApiEmulator, polling: Running,
                                                         fault: int | str) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    _, menu = await emulator.wait_for_messages(user, 2)
    emulator.inject("answerCallbackQuery", fault)
    emulator.press_button(user, menu.message_id, button(menu, "offers:home"), language_code="en")
    await emulator.wait_until(lambda: len(emulator.answered_callbacks) == 1, timeout=15)
    await emulator.wait_until(lambda: "Choose a topic" in emulator.messages(user)[-1].text)
    # After DROP the acknowledgement did arrive; trying it again is refused as answered, which is harmless.
    assert caused_by_the_bot(emulator, except_=lambda method, status, _: method == "answerCallbackQuery"
                             and status == 400 and fault == DROP) == []


@pytest.mark.parametrize("fault", FAULTS)
async def test_trouble_sending_a_file_loses_nothing(emulator: BotApiEmulator, polling: Running,
                                                    fault: int | str) -> None:
    user = resident()
    emulator.send_text(user, "/privacy", language_code="en")
    (notice,) = await emulator.wait_for_messages(user, 1)
    emulator.inject("sendDocument", fault)
    emulator.press_button(user, notice.message_id, "privacy:data", language_code="en")
    await emulator.wait_until(lambda: any(m.document for m in emulator.messages(user)), timeout=30)
    await asyncio.sleep(1)
    files = [m for m in emulator.messages(user) if m.document]
    assert 1 <= len(files) <= 1 + emulator.dropped and files[0].document["file_name"].endswith(".json")
    # The button under the file leads to a new message, never to an edit of the document.
    emulator.press_button(user, files[-1].message_id, button(files[-1], "privacy:"), language_code="en")
    await emulator.wait_until(lambda: not emulator.messages(user)[-1].document)
    assert caused_by_the_bot(emulator) == []


async def test_the_same_update_delivered_twice_by_the_webhook_is_answered_once(
        emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    port = free_port()
    running = await started(emulator, database, tmp_path, clock, telegram_webhook_url=f"http://127.0.0.1:{port}/tg",
                            telegram_webhook_secret=SECRET, telegram_webhook_listen=f"127.0.0.1:{port}")
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None and listening(port), timeout=30)
        user = resident()
        update = emulator.send_text(user, "/start", language_code="en")
        # 200 only once the answer is stored with the update id: Telegram may forget the update then. The
        # database is held up meanwhile, so that the answer cannot be stored.
        async with database.engine.connect() as blocker:
            held = await blocker.begin()
            if blocker.dialect.name == "postgresql":
                await blocker.exec_driver_sql("LOCK TABLE processed_events IN EXCLUSIVE MODE")
            delivery = asyncio.create_task(emulator.deliver_webhook(update, SECRET))
            await asyncio.sleep(1.5)
            assert not delivery.done()
            await held.rollback()
        assert await delivery == 200
        async with running.app.sessions() as session:
            recorded = await session.scalar(select(func.count()).select_from(ProcessedEvent)
                                            .where(ProcessedEvent.event_id == f"u{update['update_id']}"))
        assert recorded == 1
        assert await emulator.deliver_webhook(update, SECRET) == 200  # re-delivered: no 200 arrived in time
        second = emulator.send_text(user, "/help", language_code="en")
        statuses = await asyncio.gather(*[emulator.deliver_webhook(second, SECRET) for _ in range(3)])
        assert statuses == [200, 200, 200]  # the same update three times at once
        await emulator.wait_for_messages(user, 3)
        await asyncio.sleep(1)
        assert len(emulator.messages(user)) == 3
        assert caused_by_the_bot(emulator) == []
    finally:
        await running.close()
