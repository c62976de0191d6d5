"""Serving an ASGI app (the Telegram webhook, the back office) with uvicorn inside the bot's own event loop.

The bot, not uvicorn, handles SIGTERM and SIGINT, so everything stops together. Behind a TLS reverse
proxy connecting from 127.0.0.1, uvicorn takes the client's address from X-Forwarded-For (its default).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp


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


async def serve(app: ASGIApp, listen: str, stop: asyncio.Event, what: str,
                started: asyncio.Event | None = None) -> None:
    """Serve `app` on `listen` ("host:port") until `stop` is set; OSError naming `what` when it cannot listen."""
    host, port = listen.rsplit(":", 1)
    server = QuietServer(uvicorn.Config(app, host=host.strip("[]"), port=int(port), access_log=False,
                                        log_level="warning", lifespan="off", server_header=False), started)
    task = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    server.should_exit = True
    with contextlib.suppress(SystemExit):  # uvicorn exits this way when it cannot bind
        await task
    if not server.started and not stop.is_set():
        raise OSError(f"{what} could not listen on {listen}")
