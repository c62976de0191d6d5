"""Events: the coming dates, registration and reminders, topics to follow, and notices when a date changes."""

from __future__ import annotations

from bot.conversation.router import Router
from handlers.events import flow, notices


def register(router: Router) -> None:
    flow.register_flows(router)
    notices.register(router)
