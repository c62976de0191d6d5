"""Builds the back office's ASGI app from the running bot's `App` (settings, database, clock).

Layers from the outside in: security headers on every answer, CSRF checks on every POST, then
the routes, each behind `guard.guarded` (or, for the login alone, `guard.public`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from bot.accounts.throttle import LoginThrottle
from bot.app import App
from bot.web import (
    accounts,
    audit,
    auth,
    categories,
    desk,
    desk_actions,
    events,
    figures,
    figures_export,
    home,
    needs,
    offers,
    prepared_answers,
    question_answer,
    question_figures,
    questions,
    screen,
    sprechstunden,
    surveys,
)
from bot.web.rendering import templates
from bot.web.security import SecurityHeaders, with_csrf

STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class WebContext:
    app: App
    templates: Jinja2Templates
    throttle: LoginThrottle
    secure: bool
    screen_throttle: screen.ScreenThrottle = field(default_factory=lambda: screen.ScreenThrottle())

    @property
    def cookie_name(self) -> str:
        # __Host- binds the cookie to this host and path / and requires Secure, where the browser supports it.
        return "__Host-qb_session" if self.secure else "qb_session"


def routes_app(app: App) -> Starlette:
    """The Starlette app itself, without the outer layers (the route test walks its routes)."""
    # The questions' fixed paths (/questions/figures, /questions/export) come before any /questions/{…}.
    web = Starlette(routes=[*question_figures.ROUTES, *home.ROUTES, *auth.ROUTES, *accounts.ROUTES, *audit.ROUTES,
                            *offers.ROUTES, *categories.ROUTES, *needs.ROUTES, *events.ROUTES, *sprechstunden.ROUTES,
                            *desk.ROUTES, *desk_actions.ROUTES, *screen.ROUTES, *surveys.ROUTES, *figures.ROUTES,
                            *figures_export.ROUTES, *prepared_answers.ROUTES, *questions.ROUTES,
                            *question_answer.ROUTES, Mount("/static", StaticFiles(directory=STATIC), name="static")])
    web.state.web = WebContext(app, templates(), LoginThrottle(), app.settings.web_secure)
    return web


def create_web_app(app: App) -> ASGIApp:
    return SecurityHeaders(with_csrf(routes_app(app), app.settings), secure=app.settings.web_secure)
