"""Templates in the staff member's language: German first, English second, per request.

Jinja2 gets no process-wide translations: every render receives `_`, `ngettext` and date helpers
of a `Translator` for that request's staff member (or, before the login, the browser's preferred
language), so two staff members working at once never see each other's language. Autoescaping is
on for every template; nothing is marked safe but the QR code this module's caller builds itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from bot.i18n import Translator
from bot.languages import BY_CODE

TEMPLATES = Path(__file__).resolve().parent / "templates"
STAFF_LANGUAGES = ("de", "en")
DOMAIN = "staff"  # the back office's own catalog: locales/de/LC_MESSAGES/staff.po


def staff_translator(code: str, zone: ZoneInfo) -> Translator:
    return Translator(BY_CODE[code if code in STAFF_LANGUAGES else "de"], zone, DOMAIN)


def templates() -> Jinja2Templates:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    return Jinja2Templates(env=environment)


def browser_language(request: Request) -> str:
    """German unless the browser prefers English over German."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in STAFF_LANGUAGES:
            return code
    return "de"


def helpers(translator: Translator) -> dict[str, Any]:
    def when(moment: dt.datetime | None) -> str:
        return translator.datetime(moment, "short") if moment else ""

    def at(moment: dt.datetime) -> str:
        return translator.time(moment)

    def day(value: dt.date) -> str:
        return translator.date(value, "full")

    return {"_": translator.gettext, "ngettext": translator.ngettext, "when": when, "at": at, "day": day,
            "lang": translator.code}


def render(request: Request, translator: Translator, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    engine: Jinja2Templates = request.app.state.web.templates
    csrf = request.scope.get("csrftoken")
    return engine.TemplateResponse(request, template, {**helpers(translator), "csrf_token": csrf, **context},
                                   status_code=status_code)


def fragment(request: Request, translator: Translator, template: str, **context: Any) -> str:
    """A template rendered to text, for a part of a page that is fetched again by itself (the desk's live part)."""
    engine: Jinja2Templates = request.app.state.web.templates
    csrf = request.scope.get("csrftoken")
    return engine.get_template(template).render({**helpers(translator), "csrf_token": csrf, "request": request,
                                                 **context})
