"""The capabilities this bot offers, registered on one router."""

from __future__ import annotations

from bot.conversation.router import Router
from handlers import desk, event_notices, events, language, menu, offers, privacy, queue, queue_notices, scope, survey


def build_router() -> Router:
    router = Router()
    for capability in (menu, language, offers, survey, queue, desk, queue_notices, scope):
        capability.register(router)
    events.register_flows(router)
    event_notices.register(router)
    privacy.register(router)
    return router
