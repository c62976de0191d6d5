"""The capabilities this bot offers, registered on one router."""

from __future__ import annotations

from bot.conversation.router import Router
from handlers import events, language, menu, offers, privacy, questions, queue, scope, survey


def build_router() -> Router:
    router = Router()
    for capability in (menu, language, offers, survey, queue, scope, events, privacy, questions):
        capability.register(router)
    return router
