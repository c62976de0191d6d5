"""Done when: a resident who writes in Arabic at 22:00 on Telegram gets, the next morning, a useful answer in
Arabic from a staff member who speaks only German and answers in the browser (a prepared answer, and a free
text machine-translated through the loopback service), and can reply; the conversation shows both ways.

The unmodified bot runs against the loopback Bot API, the back office in a real Chromium, the translation
service on loopback."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.clock import FixedClock
from bot.questions import prepared
from bot.questions.models import OPEN
from tests.support.browser import back_office, chromium, log_in
from tests.support.databases import BERLIN, Database
from tests.support.questions import LETTER_AR, questions_in
from tests.support.queue import queue_app
from tests.support.telegram import Resident, Running, button
from tests.support.telegram_emulator import BotApiEmulator
from tests.support.translate_emulator import COME_WITH_LETTER, TranslateEmulator
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
QUESTION_AR = "لدي رسالة من مركز العمل"
PREPARED_AR = "مرحبا، سنساعدك. رقم سؤالك {reference}."


async def test_an_arabic_question_at_night_is_answered_in_arabic_from_the_browser_the_next_morning(
        emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    service = TranslateEmulator()
    await service.start()
    clock.set(dt.datetime(2026, 12, 8, 22, 0, tzinfo=BERLIN))  # a Tuesday evening
    app = await queue_app(database, tmp_path, clock, telegram_token=emulator.token,
                          telegram_api_url=emulator.base_url, translate_url=service.url)
    running = Running(app, app.settings)
    app.dispatcher.add_channel(TELEGRAM, running.channel.send_proactive)
    try:
        async with app.sessions() as session, session.begin():
            await prepared.create(session, app.settings.quarter, "Wir helfen",
                                  {"de": "Hallo, wir helfen Ihnen. Ihre Frage hat die Nummer {reference}.",
                                   "ar": PREPARED_AR}, clock.now())
        team, _ = await make_account(app, "team")
        amal = Resident(emulator, random.randint(10**8, 10**9), "ar")
        await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
        await amal.type("/start ask")
        await amal.press(button(amal.newest, "ask:write"))
        await amal.type(QUESTION_AR)
        [question] = await questions_in(app)
        assert question.reference in amal.newest.text

        clock.set(dt.datetime(2026, 12, 9, 8, 30, tzinfo=BERLIN))  # the next morning
        async with back_office(app) as address, chromium() as browser:
            page = await browser.new_page(locale="de-DE")
            await log_in(page, address, team.name)
            await page.goto(f"{address}/questions/{question.id}")
            assert "Ich habe einen Brief vom Jobcenter" in await page.locator("ol.conversation").inner_text()
            await page.get_by_text("Wir helfen", exact=True).click()
            await page.get_by_role("button", name="„Wir helfen“ senden").click()
            await page.wait_for_url(f"{address}/questions/{question.id}?done=answer")
            await page.get_by_label("Ihre Antwort (auf Deutsch, oder auf Arabisch, wenn Sie es sprechen)").fill(
                COME_WITH_LETTER)
            await page.get_by_role("button", name="Übersetzen und Vorschau").click()
            await page.get_by_role("button", name="Senden", exact=True).click()
            await page.wait_for_url(f"{address}/questions/{question.id}?done=answer#free")

            await app.dispatcher.run_until_idle()
            clock.advance(dt.timedelta(seconds=2))  # one message a second per chat
            await app.dispatcher.run_until_idle()
            received = [message.text for message in emulator.messages(amal.user)[-2:]]
            assert PREPARED_AR.format(reference=question.reference) in received[0]
            assert LETTER_AR in received[1] and COME_WITH_LETTER not in received[1]

            await amal.press(button(emulator.messages(amal.user)[-1], f"ask:add:{question.id}"))
            await amal.type("شكرا، سآتي")
            await page.reload()
            conversation = await page.locator("ol.conversation").inner_text()
            assert "شكرا، سآتي" in conversation and LETTER_AR in conversation
        [question] = await questions_in(app)
        assert question.status == OPEN
        assert [message.author for message in question.messages] == ["resident", "staff", "staff", "resident"]
    finally:
        await running.close()
        await service.stop()
