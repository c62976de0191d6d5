"""The figures for the city (right: figures; Team and Leitung): an overview and one page per section —
Bedarfsabfrage, Inanspruchnahme, unmet needs — each for a chosen period (the last 12 weeks unless chosen) beside
the period of the same length before it.

A page computes only its own section (bot/figures/sections.py), the same tables the Sachbericht's PDF and XLSX
and the CLI show, and lays them out: a chart drawn on the server as SVG where the table has one, and the numbers
as a table under it. Counts only: no resident, no free text.
"""

from __future__ import annotations

import gc
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.figures.display import text
from bot.figures.sections import SURVEY, UNMET, USAGE, survey_section, unmet_section, usage_section
from bot.figures.tables import HIDDEN, Table
from bot.i18n import N_
from bot.offers.meaning import meanings_of
from bot.web.figure_charts import layout
from bot.web.guard import Staff, guarded
from bot.web.periods import chosen_period
from bot.web.rendering import render

SECTIONS: dict[str, tuple[str, str]] = {
    SURVEY: (N_("Needs survey"), N_("Answers per question, by newcomers and old-established residents and by "
                                    "language.")),
    USAGE: (N_("Use of the services"), N_("Sprechstunde, events, residents reached and questions to the team.")),
    UNMET: (N_("Unmet needs"), N_("What residents searched for and did not find, grouped by meaning.")),
}


def _web(request: Request) -> Any:
    return request.app.state.web.app


def _context(staff: Staff) -> dict[str, Any]:
    translator = staff.translator
    return {"sections": SECTIONS, "show": lambda value: text(value, translator),
            "chart": lambda table: layout(table, translator), "numeric": _numeric,
            "date": lambda day: translator.date(day, "medium")}


def _numeric(table: Table, column: int) -> bool:
    """Whether a column holds figures (aligned to the right), judged by its first cell that has a value."""
    for row in [*table.rows, *([table.total] if table.total else [])]:
        value = row[column]
        if value is not None:
            return isinstance(value, int | float) or value == HIDDEN
    return column > 0


async def _section(request: Request, staff: Staff, key: str) -> Response:
    period, typed, error = chosen_period(request, staff, request.query_params)
    section = None
    if period is not None:
        web = _web(request)
        settings, now = web.settings, web.clock.now()
        if key == SURVEY:
            section = await survey_section(staff.db, settings.quarter, settings.zone, period, now)
        elif key == USAGE:
            section = await usage_section(staff.db, settings.quarter, settings.zone, period, now,
                                          answer_days=settings.questions_answer_days)
        else:
            section = await unmet_section(staff.db, settings.quarter, settings.zone, period, now)
    response = render(request, staff.translator, "figures_section.html", status_code=400 if error else 200,
                      staff=staff, key=key, typed=typed, error=error, period=period, section=section,
                      previous=period.previous() if period else None, **_context(staff))
    await _settle(staff, _web(request).settings.quarter)
    return response


_settled: list[bool] = []  # whether this process has set its long-lived data aside from collection


async def _settle(staff: Staff, quarter: str) -> None:
    """Once per process, after its first figures page: load the needs vocabulary (bot/offers/meaning.py: tens of
    thousands of small objects that live as long as the process) and freeze what the process holds, so Python's
    full garbage collections, which a figures page's many counts set off, no longer walk it all. Measured with
    benchmarks/figures.py: the p95 of a year's pages on PostgreSQL fell by about a third. Objects frozen are still
    freed when nothing refers to them any more; only cycles among them stay."""
    if _settled:
        return
    _settled.append(True)
    await meanings_of(staff.db, quarter)
    gc.collect()
    gc.freeze()


@guarded(Right.FIGURES)
async def overview(request: Request, staff: Staff) -> Response:
    period, typed, error = chosen_period(request, staff, request.query_params)
    return render(request, staff.translator, "figures.html", status_code=400 if error else 200, staff=staff,
                  typed=typed, error=error, period=period, previous=period.previous() if period else None,
                  **_context(staff))


@guarded(Right.FIGURES)
async def survey_page(request: Request, staff: Staff) -> Response:
    return await _section(request, staff, SURVEY)


@guarded(Right.FIGURES)
async def usage_page(request: Request, staff: Staff) -> Response:
    return await _section(request, staff, USAGE)


@guarded(Right.FIGURES)
async def unmet_page(request: Request, staff: Staff) -> Response:
    return await _section(request, staff, UNMET)


ROUTES = [
    Route("/figures", overview, methods=["GET"]),
    Route("/figures/survey", survey_page, methods=["GET"]),
    Route("/figures/usage", usage_page, methods=["GET"]),
    Route("/figures/unmet", unmet_page, methods=["GET"]),
]
