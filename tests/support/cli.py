"""The real `quartiersbot` command, in a process of its own."""

from __future__ import annotations

import asyncio
import sys


async def migrate(environment: dict[str, str]) -> None:
    """`quartiersbot migrate` with these environment variables; it must succeed."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "migrate", env=environment,
                                                   stdout=asyncio.subprocess.DEVNULL)
    assert await process.wait() == 0
