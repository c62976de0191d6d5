"""Serving the back office with uvicorn: alone (`quartiersbot web`), beside the channels (`run`) or the
terminal chat (`demo`).

uvicorn runs inside the bot's own event loop and leaves SIGINT and SIGTERM to the bot, which stops
everything together. Behind the TLS reverse proxy, uvicorn takes the client's address from
X-Forwarded-For when the proxy connects from 127.0.0.1 (its default), so the login throttle
counts per real address, not per proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn

from bot.app import App
from bot.web.app import create_web_app


class QuietServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, started: asyncio.Event | None = None) -> None:
        super().__init__(config)
        self.started_event = started

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started and self.started_event is not None:
            self.started_event.set()


def address(app: App) -> str:
    return app.settings.web_base_url or f"http://{app.settings.web_listen}/"


async def serve_web(app: App, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set; raises OSError when the address cannot be listened on."""
    host, port = app.settings.web_listen.rsplit(":", 1)
    server = QuietServer(uvicorn.Config(create_web_app(app), host=host.strip("[]"), port=int(port),
                                        access_log=False, log_level="warning", lifespan="off", proxy_headers=True,
                                        server_header=False), started)
    task = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    server.should_exit = True
    with contextlib.suppress(SystemExit):  # uvicorn exits this way when it cannot bind
        await task
    if not server.started:
        raise OSError(f"the back office could not listen on {app.settings.web_listen} (QB_WEB_LISTEN)")
