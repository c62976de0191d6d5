"""The Sprechstunde: residents take a waiting number and hear when it is their turn; staff work the desk."""

from __future__ import annotations

from bot.conversation.router import Router
from handlers.queue import desk, flow, notices


def register(router: Router) -> None:
    for part in (flow, desk, notices):
        part.register(router)
