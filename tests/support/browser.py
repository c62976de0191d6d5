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

from playwright.async_api import Browser, async_playwright

from bot.app import App
from bot.web.server import serve_web
from tests.support.ports import free_port

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
