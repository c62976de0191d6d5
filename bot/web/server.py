"""Serving the back office: alone (`quartiersbot web`), beside the channels (`run`) or the terminal chat
(`demo`), in the bot's event loop (bot/serving.py). Behind the TLS reverse proxy the client's address comes
from X-Forwarded-For, so the login throttle counts per real address, not per proxy.
"""

from __future__ import annotations

import asyncio

from bot import serving
from bot.app import App
from bot.web.app import create_web_app


def address(app: App) -> str:
    return app.settings.web_base_url or f"http://{app.settings.web_listen}/"


async def serve_web(app: App, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set; raises OSError when the address cannot be listened on."""
    await serving.serve(create_web_app(app), app.settings.web_listen, stop, "the back office (QB_WEB_LISTEN)",
                        started)
