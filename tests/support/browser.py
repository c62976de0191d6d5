"""A real Chromium (Debian's package) driven by Playwright against the back office on a loopback port.

Playwright's own browser download is not reachable here, so the system browser is launched by path.
The server runs in the test's own event loop, on the test's `App` (its database and injected clock),
so a test computes one-time codes for the clock the server uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from bot.app import App
from bot.web.server import serve_web
from tests.support.ports import free_port
from tests.support.web import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextlib.asynccontextmanager
async def back_office(app: App) -> AsyncIterator[str]:
    """Serve the back office of `app` on a free loopback port; yields its address."""
    listen = f"127.0.0.1:{free_port()}"
    served = dataclasses.replace(app, settings=app.settings.model_copy(update={"web_listen": listen}))
    stop, started = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(serve_web(served, stop, started))
    await asyncio.wait({server, asyncio.create_task(started.wait())}, timeout=20,
                       return_when=asyncio.FIRST_COMPLETED)
    assert started.is_set(), f"the back office did not start: {server.exception() if server.done() else 'timeout'}"
    try:
        yield f"http://{listen}"
    finally:
        stop.set()
        await server


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


async def log_in(page: Page, address: str, name: str, code: str | None = None) -> None:
    """Log in through the login page, as staff do; with the one-time code where the account has them."""
    await page.goto(f"{address}/login")
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Passwort").fill(PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    if code is not None:
        await page.wait_for_url(f"{address}/login/code")
        await page.get_by_label("Code").fill(code)
        await page.get_by_role("button", name="Bestätigen").click()
    await page.wait_for_url(f"{address}/")


@dataclasses.dataclass
class Accessibility:
    """axe-core on each page shown; what it finds serious or critical, by page, for one assert at the end."""

    axe: Axe = dataclasses.field(default_factory=Axe)
    problems: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    async def check(self, page: Page, name: str) -> None:
        results = await self.axe.run(page)
        assert results.response["passes"], f"axe checked nothing on {name}"
        serious = [f"{violation['id']} ({violation['impact']}): {violation['help']}"
                   for violation in results.response["violations"] if violation["impact"] in {"serious", "critical"}]
        if serious:
            self.problems[name] = serious

