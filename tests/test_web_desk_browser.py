"""In a real Chromium: a resident takes a number through the real bot on (emulated) Telegram, a Team member calls
it at the browser desk, the waiting-room screen (another page, no login) shows it within two seconds, and the
resident's chat gets "your turn". Two browsers at one desk tapping "call next" together call one number. The desk,
the screen, the walk-in's slip and the closing page have no serious accessibility problem (axe-core), and no page
logs a script error or a blocked script (the Content-Security-Policy)."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import ConsoleMessage, Page

from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.clock import FixedClock
from bot.i18n import Translator
from bot.queue import screen_link
from bot.queue.models import CALLED, WAITING
from bot.queue.notify import TURN
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database
from tests.support.queue import queue_app, queue_messages, take_number, tickets
from tests.support.telegram import Resident, Running, button
from tests.support.telegram_emulator import BotApiEmulator
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
SHOWN_WITHIN = 2.0  # seconds from the click at the desk to the number on the screen


def watch_errors(page: Page, errors: list[str]) -> None:
    """Script errors and blocked scripts; the browser asking for a /favicon.ico the back office does not have is
    not one."""
    def console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({where})")
    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))


async def test_a_number_taken_on_telegram_is_called_at_the_browser_desk_and_shown_on_the_screen(
        emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock, telegram_token=emulator.token,
                          telegram_api_url=emulator.base_url)
    bot = Running(app, app.settings)
    app.dispatcher.add_channel(TELEGRAM, bot.channel.send_proactive)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
    try:
        ana = Resident(emulator, random.randint(10**8, 10**9), "ro")
        await ana.type("/start queue")
        await ana.press(button(ana.newest, "queue:take:"))
        await ana.press(button(ana.newest, "queue:t:").rsplit(":", 1)[0] + ":housing")
        await ana.press(button(ana.newest, "queue:i:").rsplit(":", 1)[0] + ":ro")
        assert "A-001" in ana.newest.text
        async with app.sessions() as session, session.begin():
            token = await screen_link.renew(session, app.settings.quarter, clock.now())
        team, _ = await make_account(app, "team")
        accessibility, errors = Accessibility(), []

        async with back_office(app) as address, chromium() as browser:
            desk, tv = await browser.new_page(locale="de-DE"), await browser.new_page(locale="de-DE")
            for page in (desk, tv):
                watch_errors(page, errors)
            await log_in(desk, address, team.name)
            await desk.get_by_role("navigation").get_by_role("link", name="Sprechstunde-Theke").click()
            await desk.wait_for_url(f"{address}/desk")
            await tv.goto(f"{address}/screen/{token}")  # its own browser context: no login
            assert await tv.locator(".next").inner_text() == "Nächste Nummern · Next numbers\nA-001"
            assert await tv.locator(".calls li").count() == 0
            await accessibility.check(desk, "desk")
            await accessibility.check(tv, "screen")

            clicked = time.monotonic()
            await desk.get_by_role("button", name="Nächste Nummer aufrufen").click()
            shown_after = None
            while time.monotonic() - clicked < SHOWN_WITHIN:
                if "A-001" in await tv.locator(".calls").inner_text():
                    shown_after = time.monotonic() - clicked
                    break
                await asyncio.sleep(0.05)
            assert shown_after is not None, f"the screen did not show A-001 within {SHOWN_WITHIN} s"
            assert await tv.locator(".calls li").inner_text() == "A-001 → Tisch 1"
            assert "Die nächste Nummer ist an Ihren Tisch gerufen." in await desk.get_by_role("status").inner_text()
            await accessibility.check(desk, "desk with a number called")

            await app.dispatcher.run_until_idle()
            romanian = Translator.for_language("ro", BERLIN)
            told = emulator.messages(ana.user)[-1].text
            assert "A-001" in told and romanian.gettext("Please come to desk {desk} now.").format(desk=1) in told

            await desk.get_by_role("button", name="Gekommen: wird beraten").click()
            await desk.get_by_label("Gesundheit").check()
            await desk.get_by_label("Dolmetschen").select_option(label="Arabisch")
            await desk.get_by_role("button", name="Nummer geben und drucken").click()
            await desk.wait_for_url(f"{address}/desk/tickets/*")
            assert await desk.locator(".ticket-number").inner_text() == "A-002"
            assert await desk.get_by_role("button", name="Drucken").is_visible()
            await accessibility.check(desk, "walk-in slip")
            await tv.locator(".next li", has_text="A-002").wait_for(timeout=5000)  # the screen follows by itself

            await desk.get_by_role("link", name="Zurück zur Theke").click()
            await desk.get_by_role("link", name="Sprechstunde schließen …").click()
            await accessibility.check(desk, "closing")
            await desk.get_by_role("button", name="Ja, jetzt schließen").click()
            await desk.wait_for_url(f"{address}/desk?note=shut*")
            await tv.get_by_text("Gerade ist keine Sprechstunde.").wait_for(timeout=5000)
            await accessibility.check(tv, "screen with nothing open")
    finally:
        await bot.close()
    assert accessibility.problems == {}
    assert errors == []
    print(f"\nthe screen showed the called number {shown_after:.2f} s after the click")


async def test_two_browsers_at_one_desk_tapping_call_next_together_call_one_number(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    for _ in range(3):
        await take_number(Chat(app, "console", language_hint="en"))
    team, _ = await make_account(app, "team")
    boss, secret = await make_account(app, "leitung")
    accessibility, errors = Accessibility(), []
    async with back_office(app) as address, chromium() as browser:
        one, two = await browser.new_page(locale="de-DE"), await browser.new_page(locale="de-DE")
        for page in (one, two):
            watch_errors(page, errors)
        await log_in(one, address, team.name)
        assert secret is not None
        await log_in(two, address, boss.name, pyotp.TOTP(secret).at(clock.now()))
        for page in (one, two):
            await page.goto(f"{address}/desk")
        calls = [page.get_by_role("button", name="Nächste Nummer aufrufen") for page in (one, two)]
        await asyncio.gather(*(call.click() for call in calls))
        notes = sorted([await page.get_by_role("status").inner_text() for page in (one, two)])
        assert notes == ["Die nächste Nummer ist an Ihren Tisch gerufen.",
                         "Nichts geändert: Eine Kollegin, ein Kollege oder ein zweites Tippen war schneller. "
                         "Die Seite zeigt den aktuellen Stand."]
        assert [(ticket.status, ticket.desk) for ticket in await tickets(app)] == [(CALLED, 1), (WAITING, None),
                                                                                   (WAITING, None)]
        assert len(await queue_messages(app, TURN)) == 1

        await take_number(Chat(app, "console", language_hint="en"))  # both desks see it without a reload
        for page in (one, two):
            await page.locator("table.queue").get_by_text("A-004").wait_for(timeout=5000)
        await two.get_by_role("link", name="Bildschirm im Wartebereich").click()
        await accessibility.check(two, "the screen's link")
    assert accessibility.problems == {}
    assert errors == []
