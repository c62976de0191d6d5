"""In a real Chromium: a Team member moves an event a resident registered for in the Telegram chat, the page
says first that one resident will be told, and the resident's chat receives the new time in German.
The events pages have no serious or critical accessibility problem (axe-core)."""

from __future__ import annotations

import random

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.events.models import Event
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.chat import Chat
from tests.support.events import berlin, make_event, telegram_outbox
from tests.support.telegram_emulator import BotApiEmulator
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


async def test_a_team_member_moves_an_event_and_the_registered_resident_is_told(
        app: App, clock: FixedClock, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00",
                             registration={"required": True, "capacity": 5})
    user = random.randint(10**8, 10**9)
    emulator.known_chat(user)
    resident = Chat(app, channel="telegram", user=str(user), language_hint="de")
    await resident.say("/start")
    await resident.tap(f"events:reg:{event.id}:2026-12-08")
    assert "angemeldet" in resident.text
    team, _ = await make_account(app, "team")

    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        await page.get_by_role("link", name="Veranstaltungen").first.click()
        link = page.locator(f'a[href="/events/{event.id}"]')  # other tests' events share the database
        row = page.get_by_role("row").filter(has=link)
        assert "1" in await row.get_by_role("cell").nth(4).inner_text()  # registered
        assert "4 / 5" in await row.get_by_role("cell").nth(5).inner_text()  # free seats
        await link.click()
        await page.get_by_role("link", name="Veranstaltung ändern").click()
        await page.get_by_label("Datum (bei einer Reihe: des ersten Termins)").fill("2026-12-09")
        await page.get_by_label("Beginn (deutsche Zeit)").fill("17:00")
        await page.get_by_label("Ende", exact=True).fill("19:00")
        await page.get_by_role("button", name="Änderungen speichern").click()
        warning = page.get_by_role("alert").filter(has_text="benachrichtigt")
        assert "1 Bewohner*in" in await warning.inner_text()
        async with app.sessions() as session:
            stored = await session.get(Event, event.id)
            assert stored is not None and stored.start_local == "2026-12-08T18:00"  # not yet
        await page.get_by_role("button", name="Speichern und 1 Bewohner*in benachrichtigen").click()
        await page.wait_for_url(f"{address}/events/{event.id}?done=saved&told=1")
        assert "Benachrichtigte Bewohner*innen: 1" in await page.get_by_role("status").inner_text()

    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
    notice = emulator.messages(user)[-1].text
    assert "verschoben" in notice and "17:00" in notice, notice


async def test_the_events_pages_have_no_serious_accessibility_problems(app: App, clock: FixedClock) -> None:
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00", registration={"required": True},
                             recurrence={"frequency": "weekly", "until": "2027-01-31"})
    team, _ = await make_account(app, "team")
    accessibility = Accessibility()
    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, team.name)
        for path in ("/events", "/events?past=1", "/events/new", f"/events/{event.id}", f"/events/{event.id}/edit",
                     f"/events/{event.id}/cancel?date=2026-12-15"):
            await page.goto(f"{address}{path}")
            await accessibility.check(page, path)
    assert accessibility.problems == {}
