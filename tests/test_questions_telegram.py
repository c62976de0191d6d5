"""Ask the team on Telegram, through the unmodified bot and real HTTP against the loopback Bot API, with the
loopback translation service: an Arabic resident asks, a German-speaking staff member answers from their own
Telegram chat, the answer arrives in Arabic marked as machine-made, the resident replies; a restart between
question and answer; an answer to a resident who blocked the bot is marked, not retried."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.app import create_app
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.clock import FixedClock
from bot.db.models import Resident as ResidentRow
from bot.i18n import Translator
from bot.outbox.store import DROPPED
from bot.questions.delivery import deliveries, send_answer
from bot.questions.models import OPEN, WAITING
from bot.questions.store import question_by_id
from tests.support.databases import BERLIN, Database
from tests.support.questions import linked_staff, questions_in
from tests.support.queue import queue_app
from tests.support.telegram import Resident, Running, button
from tests.support.telegram_emulator import BotApiEmulator
from tests.support.translate_emulator import COME_WITH_LETTER, TranslateEmulator

STAFF_ID = random.randint(10**8, 10**9)
ARABIC_QUESTION = "لدي رسالة من مركز العمل ولا أفهمها. ماذا يجب أن أفعل؟"


@pytest_asyncio.fixture
async def service() -> AsyncIterator[TranslateEmulator]:
    server = TranslateEmulator()
    await server.start()
    yield server
    await server.stop()


async def running_bot(emulator: BotApiEmulator, app_settings: dict[str, object], database: Database,
                      tmp_path: Path, clock: FixedClock) -> Running:
    app = await queue_app(database, tmp_path, clock, telegram_token=emulator.token,
                          telegram_api_url=emulator.base_url, staff_telegram_ids=(str(STAFF_ID),), **app_settings)
    running = Running(app, app.settings)
    app.dispatcher.add_channel(TELEGRAM, running.channel.send_proactive)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
    return running


async def test_an_arabic_question_answered_in_german_from_a_staff_telegram_chat(
        emulator: BotApiEmulator, service: TranslateEmulator, database: Database, tmp_path: Path,
        clock: FixedClock) -> None:
    running = await running_bot(emulator, {"translate_url": service.url}, database, tmp_path, clock)
    app = running.app
    arabic = Translator.for_language("ar", BERLIN)
    amal, staff = Resident(emulator, random.randint(10**8, 10**9), "ar"), Resident(emulator, STAFF_ID, "de")
    await staff.type("/start")
    await linked_staff(app, TELEGRAM, str(STAFF_ID))

    await amal.type("/start ask")
    assert "112" in amal.newest.text and "116016" in amal.newest.text
    await amal.press(button(amal.newest, "ask:write"))
    await amal.type(ARABIC_QUESTION)
    [question] = await questions_in(app)
    assert question.reference in amal.newest.text and question.language == "ar"
    await app.dispatcher.run_until_idle()
    assert question.reference in staff.newest.text and ARABIC_QUESTION not in staff.newest.text

    await staff.type(f"/answer {question.reference} {COME_WITH_LETTER}")
    assert question.reference in staff.newest.text
    await app.dispatcher.run_until_idle()
    answer = emulator.messages(amal.user)[-1]
    assert "يرجى الحضور إلى ساعة الاستشارة مع الرسالة." in answer.text  # the service's Arabic
    assert COME_WITH_LETTER not in answer.text
    assert arabic.gettext("(This answer was translated by a machine. If something is unclear, please ask.)") \
        in answer.text
    assert [(r.body["source"], r.body["target"]) for r in service.translations()] == [("de", "ar")]
    [question] = await questions_in(app)
    [_, staff_answer] = question.messages
    assert question.status == WAITING and staff_answer.machine_translated and staff_answer.german == COME_WITH_LETTER

    await amal.press(button(answer, f"ask:add:{question.id}"))
    await amal.type("شكرا، سآتي يوم الثلاثاء")
    [question] = await questions_in(app)
    assert question.status == OPEN and [m.author for m in question.messages] == ["resident", "staff", "resident"]
    await running.close()


async def test_an_answer_written_while_the_bot_was_down_and_one_to_a_resident_who_blocked_it(
        emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    running = await running_bot(emulator, {}, database, tmp_path, clock)
    romana, blocker = (Resident(emulator, random.randint(10**8, 10**9), "ro"),
                       Resident(emulator, random.randint(10**8, 10**9), "ro"))
    for resident in (romana, blocker):
        await resident.type("/ask")
        await resident.press(button(resident.newest, "ask:write"))
        await resident.type("Am primit o scrisoare de la proprietar și nu o înțeleg.")
    settings = running.app.settings
    await running.close()
    await running.app.close()

    # At night, with the bot stopped: staff answer in the back office (the same domain function).
    app = await create_app(settings, clock=clock, migrate=False, engine=database.engine)
    [first, second] = await questions_in(app)
    async with app.sessions() as session, session.begin():
        for question in (first, second):
            question = await question_by_id(session, question.id)
            await send_answer(session, question, account_id=None, text="Veniți marți cu scrisoarea.",
                              language="ro", now=clock.now())
    await app.close()
    emulator.block(blocker.user)

    restarted = await running_bot(emulator, {}, database, tmp_path, clock)
    await restarted.app.dispatcher.run_until_idle()
    assert "Veniți marți cu scrisoarea." in emulator.messages(romana.user)[-1].text
    assert "Veniți marți" not in emulator.messages(blocker.user)[-1].text
    async with restarted.app.sessions() as session:
        second = await question_by_id(session, second.id)
        assert list((await deliveries(session, second.messages)).values()) == [DROPPED]  # shown to staff
        unreachable = await session.scalar(select(ResidentRow.unreachable_since)
                                           .where(ResidentRow.id == second.resident_id))
        assert unreachable is not None  # and not retried for ever
    report = await restarted.app.dispatcher.run_until_idle()
    assert report.sent == report.retried == 0
    await restarted.close()
