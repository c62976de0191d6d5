"""A Redaktion staff member in a real Chromium finds the offers missing a Russian text, fixes an offer's
Arabic title and sees it current, and a resident asking the bot in Arabic gets the new title; the offer
and category pages have no serious or critical accessibility problem (axe-core)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.offers.catalog import OfferCatalog
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.chat import Chat
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
ARABIC = "دورة ألمانية للقادمين الجدد في هورست"


async def test_find_untranslated_offers_and_fix_an_arabic_title_that_residents_then_get(own: App,
                                                                                      clock: FixedClock) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0  # the test does not wait for the next check
    editor, secret = await make_account(own, "redaktion", with_codes=True)
    assert secret is not None
    resident = Chat(own, language_hint="ar")
    await resident.say("/start")
    await resident.say("دورة اللغة الألمانية")
    assert resident.payloads[0] == "offers:o:deutschkurs-horst" and ARABIC not in resident.text
    clock.advance(dt.timedelta(hours=2))
    async with back_office(own) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, editor.name, pyotp.TOTP(secret).at(clock.now()))
        await page.get_by_role("link", name="Angebote").first.click()
        await page.get_by_label("Nicht geprüft in").select_option("ru")  # written without a native speaker
        await page.get_by_role("button", name="Filtern").click()
        await page.wait_for_url(f"{address}/offers?*unreviewed=ru*")
        row = page.get_by_role("row").filter(has_text="Deutschkurs für Neuzugewanderte")
        assert "Russisch: aktuell, nicht muttersprachlich geprüft" in await row.inner_text()
        await row.get_by_role("link", name="Deutschkurs für Neuzugewanderte").click()
        arabic = page.locator("#text-ar")
        assert "aktuell" in await arabic.get_by_role("heading").inner_text()
        await arabic.get_by_label("Titel").fill(ARABIC)
        await arabic.get_by_role("button", name="Arabisch speichern").click()
        await page.wait_for_url("**done=saved#text-ar")
        assert await page.get_by_role("status").inner_text() == "Gespeichert."
        arabic = page.locator("#text-ar")
        assert await arabic.get_by_label("Titel").input_value() == ARABIC
        assert await arabic.get_by_label("Titel").get_attribute("dir") == "rtl"
        assert "aktuell" in await arabic.get_by_role("heading").inner_text()
    await resident.say("دورة اللغة الألمانية")
    await resident.tap(resident.payloads[0])
    assert ARABIC in resident.text


async def test_offer_and_category_pages_have_no_serious_accessibility_problems(own: App) -> None:
    editor, secret = await make_account(own, "redaktion", with_codes=True)
    assert secret is not None
    accessibility = Accessibility()

    async with back_office(own) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")
        await log_in(page, address, editor.name, pyotp.TOTP(secret).at(own.clock.now()))
        await page.goto(f"{address}/offers?unreviewed=ru")
        await accessibility.check(page, "offer list")
        await page.get_by_role("link", name="Deutschkurs für Neuzugewanderte").click()
        await accessibility.check(page, "offer")
        await page.get_by_label("Postleitzahl").fill("4589")
        await page.get_by_role("button", name="Angaben speichern").click()
        assert await page.locator("#error-postcode").inner_text() == "Fünf Ziffern, zum Beispiel 45899."
        await accessibility.check(page, "offer with a problem")
        for path in ("/offers/new", "/needs/elsewhere", "/needs/elsewhere/car", "/categories"):
            await page.goto(f"{address}{path}")
            await accessibility.check(page, path)
        await page.get_by_role("link", name="Beratung").first.click()
        await accessibility.check(page, "category")
        await page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the desk
        await page.goto(f"{address}/offers")
        await accessibility.check(page, "offer list on a tablet")
    assert accessibility.problems == {}
