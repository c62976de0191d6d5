"""In a real Chromium: a Team member opens the inbox, opens a resident's question in Arabic with its German
beside it, sends a prepared answer and a free text machine-translated through the loopback service after
reviewing it, adds an internal note and closes the question with a topic. The questions pages have no serious
or critical accessibility problem (axe-core)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FixedClock
from bot.outbox.models import OutboxMessage
from bot.questions import prepared
from bot.questions.delivery import ANSWER
from bot.questions.models import DONE, Question, QuestionMessage, QuestionNote
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.databases import Database
from tests.support.questions import ASKED_AR, LETTER_AR, asked, office
from tests.support.translate_emulator import COME_WITH_LETTER, TranslateEmulator
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest_asyncio.fixture
async def service() -> AsyncIterator[TranslateEmulator]:
    server = TranslateEmulator()
    await server.start()
    yield server
    await server.stop()


async def test_a_team_member_answers_an_arabic_question_and_closes_it(
        database: Database, tmp_path: Path, clock: FixedClock, service: TranslateEmulator) -> None:
    app = await office(database, tmp_path, clock, translate_url=service.url)
    question = await asked(app, hours_ago=2)
    async with app.sessions() as session, session.begin():
        await prepared.create(session, app.settings.quarter, "Sprechzeiten",
                              {"de": "Kommen Sie bitte in die Sprechstunde.", "ar": "تعال إلى الاستشارة من فضلك."},
                              clock.now())
    team, _ = await make_account(app, "team")

    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        assert await page.get_by_role("link", name="1 offene Frage").count() == 1
        await page.get_by_role("navigation").get_by_role("link", name="Fragen", exact=True).click()
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=question.reference))
        cells = row.get_by_role("cell")
        assert await cells.nth(1).inner_text() == "neu" and await cells.nth(2).inner_text() == "Arabisch"
        assert await cells.nth(4).inner_text() == "vor 2 Std." and await cells.nth(6).inner_text() == ASKED_AR
        await page.get_by_role("link", name=question.reference).click()
        await page.wait_for_url(f"{address}/questions/{question.id}")
        conversation = page.locator("ol.conversation")
        assert "Ich habe einen Brief vom Jobcenter" in await conversation.inner_text()

        await page.get_by_text("Sprechzeiten", exact=True).click()  # opens the prepared answer
        await page.get_by_role("button", name="„Sprechzeiten“ senden").click()
        await page.wait_for_url(f"{address}/questions/{question.id}?done=answer")
        assert "Die Antwort wurde gesendet." in await page.get_by_role("status").inner_text()

        await page.get_by_label("Ihre Antwort (auf Deutsch, oder auf Arabisch, wenn Sie es sprechen)").fill(
            COME_WITH_LETTER)
        await page.get_by_role("button", name="Übersetzen und Vorschau").click()
        translation = page.get_by_label("Maschinelle Übersetzung (Arabisch) – bitte prüfen; Sie können sie ändern")
        assert await translation.input_value() == LETTER_AR
        await page.get_by_role("button", name="Senden", exact=True).click()
        await page.wait_for_url(f"{address}/questions/{question.id}?done=answer#free")  # back at the form
        staff_answers = page.locator("li.from-staff")
        assert await staff_answers.count() == 2
        assert "maschinell übersetzt" in await staff_answers.nth(1).inner_text()
        assert COME_WITH_LETTER in await staff_answers.nth(1).inner_text()

        await page.get_by_label("Neue interne Notiz").fill("Termin am Dienstag angeboten")
        await page.get_by_role("button", name="Notiz hinzufügen").click()
        await page.wait_for_url(f"{address}/questions/{question.id}?done=note")
        assert "Termin am Dienstag angeboten" in await page.locator("ul.notes").inner_text()

        await page.get_by_label("Thema (für die Kennzahlen)").select_option("work")
        await page.get_by_role("button", name="Als erledigt schließen").click()
        await page.wait_for_url(f"{address}/questions/{question.id}?done=closed")
        assert "erledigt (Arbeit/Jobcenter)" in await page.locator("dl").inner_text()
        assert await page.get_by_role("button", name="Senden", exact=True).count() == 0

    async with app.sessions() as session:
        row = await session.get(Question, question.id)
        assert row is not None and (row.status, row.topic) == (DONE, "work")
        answers = list(await session.scalars(select(QuestionMessage).where(
            QuestionMessage.question_id == question.id, QuestionMessage.author == "staff")
            .order_by(QuestionMessage.id)))
        assert [(answer.text, answer.machine_translated) for answer in answers] == [
            ("تعال إلى الاستشارة من فضلك.", False), (LETTER_AR, True)]
        queued = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == ANSWER, OutboxMessage.resident_id == question.resident_id)))
        assert len(queued) == 2
        assert await session.scalar(select(QuestionNote.text).where(QuestionNote.question_id == question.id)) \
            == "Termin am Dienstag angeboten"


async def test_the_questions_pages_have_no_serious_accessibility_problems(
        database: Database, tmp_path: Path, clock: FixedClock, service: TranslateEmulator) -> None:
    app = await office(database, tmp_path, clock, translate_url=service.url)
    question = await asked(app)
    closed = await asked(app, "Ich suche einen Sprachkurs am Abend in Horst.", language="de")
    async with app.sessions() as session, session.begin():
        await prepared.create(session, app.settings.quarter, "Sprechzeiten", {"de": "Kommen Sie vorbei."},
                              clock.now())
        row = await session.get(Question, closed.id)
        assert row is not None
        row.status = DONE
    team, _ = await make_account(app, "team")
    accessibility = Accessibility()
    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        for path in ("/questions", "/questions?status=all", f"/questions/{question.id}", f"/questions/{closed.id}"):
            await page.goto(f"{address}{path}")
            await accessibility.check(page, path)
        await page.goto(f"{address}/questions/{question.id}")
        await page.get_by_label("Ihre Antwort (auf Deutsch, oder auf Arabisch, wenn Sie es sprechen)").fill(
            COME_WITH_LETTER)
        await page.get_by_role("button", name="Übersetzen und Vorschau").click()
        await accessibility.check(page, "preview")
    assert accessibility.problems == {}
