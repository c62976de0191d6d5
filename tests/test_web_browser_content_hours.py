"""In a real Chromium: a Team member closes next week's Sprechstunde and the chat stops offering that date;
and the Sprechstunde and survey pages have no serious or critical accessibility problem (axe-core)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import App
from bot.clock import FixedClock
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.chat import Chat
from tests.support.databases import BERLIN
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# A Wednesday morning: no Sprechstunde today, so the chat names the next dates (Thursday, then Tuesday 1 December).
WEDNESDAY = dt.datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WEDNESDAY)


async def test_a_closed_date_entered_in_the_browser_is_no_longer_offered_in_the_chat(own: App) -> None:
    team, _ = await make_account(own, "team")
    resident = Chat(own, "console", language_hint="de")
    await resident.tap("queue:home")
    assert "Dienstag, 01.12.2026, 10:00–13:00" in resident.text and "08.12.2026" not in resident.text

    async with back_office(own) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        await page.get_by_role("link", name="Sprechstunden").first.click()
        await page.get_by_role("link", name="Offene Sprechstunde im Quartiersladen").click()
        await page.get_by_label("Schließtag eintragen (Datum)").fill("2026-12-01")
        await page.get_by_role("button", name="Schließtag eintragen", exact=True).click()
        await page.wait_for_url("**done=closed**")
        assert "Der Schließtag ist eingetragen." in await page.get_by_role("status").inner_text()
        rows = await page.get_by_role("table", name="Kommende Schließtage").inner_text()
        assert "Dienstag, 01.12.2026" in rows

    await resident.tap("queue:home")
    assert "01.12.2026" not in resident.text
    assert "Donnerstag, 26.11.2026, 14:00–18:00" in resident.text and "Dienstag, 08.12.2026" in resident.text


async def test_sprechstunde_and_survey_pages_have_no_serious_accessibility_problems(own: App) -> None:
    team, _ = await make_account(own, "team")
    accessibility = Accessibility()

    async with back_office(own) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        await page.goto(f"{address}/sprechstunden")
        await accessibility.check(page, "/sprechstunden")
        await page.get_by_role("link", name="Offene Sprechstunde im Quartiersladen").click()
        await accessibility.check(page, "a Sprechstunde")
        await page.get_by_label("Schalter (Beratungsplätze)").fill("0")
        await page.get_by_role("button", name="Zeiten und Einstellungen speichern").click()
        await page.get_by_text("Bitte geben Sie eine ganze Zahl von 1 bis 20 ein.").wait_for()
        await accessibility.check(page, "a Sprechstunde with a mistake")
        for path in ("/surveys", "/surveys/bedarfsabfrage/1", "/surveys/bedarfsabfrage/1/questions/living_in_horst"):
            await page.goto(f"{address}{path}")
            assert page.url == f"{address}{path}"
            await accessibility.check(page, path)
        await page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the desk
        await page.goto(f"{address}/sprechstunden")
        await page.get_by_role("link", name="Offene Sprechstunde im Quartiersladen").click()
        await accessibility.check(page, "a Sprechstunde on a tablet")
    assert accessibility.problems == {}
