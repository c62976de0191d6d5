"""The real `quartiersbot` command, in a process of its own."""

from __future__ import annotations

import asyncio
import os
import sys

from bot.app import App
from tests.support.databases import plain_url


async def migrate(environment: dict[str, str]) -> None:
    """`quartiersbot migrate` with these environment variables; it must succeed."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "migrate", env=environment,
                                                   stdout=asyncio.subprocess.DEVNULL)
    assert await process.wait() == 0


async def quartiersbot(app: App, *arguments: str) -> str:
    """The command's standard output on this app's database and quarter; it must succeed."""
    environment = {**os.environ, "QB_DATA_DIR": str(app.settings.data_dir), "QB_QUARTER": app.settings.quarter,
                   "QB_DATABASE_URL": plain_url(str(app.engine.url.render_as_string(hide_password=False)))}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *arguments, env=environment,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    output, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    return output.decode()
