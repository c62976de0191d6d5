"""The back office in a real Chromium: log in with a one-time code, change a setting, log out; and
no serious or critical accessibility problem (axe-core) on the login, start and account pages."""

from __future__ import annotations

import pyotp
import pytest

from bot.app import App
from bot.clock import FixedClock
from tests.support.browser import Accessibility, back_office, chromium, log_in
from tests.support.web import make_account

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


async def test_log_in_with_a_one_time_code_change_the_language_and_log_out(app: App, clock: FixedClock) -> None:
    leitung, secret = await make_account(app, "leitung")
    assert secret is not None
    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")  # an office PC in Gelsenkirchen
        blocked: list[str] = []
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        await log_in(page, address, leitung.name, pyotp.TOTP(secret).at(clock.now()))
        assert await page.get_by_role("heading", level=1).inner_text() == f"Hallo, {leitung.name}!"
        # The stylesheet loaded under the strict policy: the large targets are there.
        assert await page.evaluate("getComputedStyle(document.querySelector('button')).minHeight") == "48px"

        await page.get_by_role("link", name="Mein Konto").first.click()
        await page.get_by_label("Sprache des Backoffice").select_option("en")
        await page.get_by_role("button", name="Sprache speichern").click()
        await page.wait_for_url(f"{address}/account?done=language")
        assert await page.get_by_role("status").inner_text() == "Saved."
        assert await page.get_attribute("html", "lang") == "en"

        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(f"{address}/login")
        await page.goto(f"{address}/accounts")
        assert page.url == f"{address}/login"
        assert blocked == []


async def test_login_start_and_account_pages_have_no_serious_accessibility_problems(app: App,
                                                                                    clock: FixedClock) -> None:
    leitung, secret = await make_account(app, "leitung")
    other, _ = await make_account(app, "team")
    assert secret is not None
    accessibility = Accessibility()

    async with back_office(app) as address, chromium() as browser:
        page = await browser.new_page(locale="de-DE")  # an office PC in Gelsenkirchen
        await page.goto(f"{address}/login")
        await accessibility.check(page, "login")
        await log_in(page, address, leitung.name, pyotp.TOTP(secret).at(clock.now()))
        for path in ("/", "/account", "/account/password", "/accounts", f"/accounts/{other.id}", "/accounts/new",
                     "/audit"):
            await page.goto(f"{address}{path}")
            assert page.url == f"{address}{path}"
            await accessibility.check(page, path)
        await page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the desk
        await page.goto(f"{address}/")
        await accessibility.check(page, "start page on a tablet")
    assert accessibility.problems == {}
