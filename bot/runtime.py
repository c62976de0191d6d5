"""Runs the bot's coroutines on uvloop where it is available (a faster event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

Result = TypeVar("Result")


def run(main: Coroutine[Any, Any, Result]) -> Result:
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return asyncio.run(main)
    return uvloop.run(main)
