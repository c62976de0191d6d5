"""Figures on residents' questions for the city's controlling, and the export of the conversations themselves.

The figures (right: figures; Team and Leitung) are counts and durations only, for a period of local dates
(the last 12 weeks unless chosen): questions per week, by topic and by language, time to the first answer
(median and 90th percentile) and the share answered within the promised working days; the same as CSV.
The export (right: personal exports; Leitung only) is a JSON file of a period's conversations with the
residents' words (`bot/questions/export.py`); each export is written to the audit log with the period and the
number of questions.

These paths are registered before the inbox's `/questions/{…}` so "figures" and "export" are never read as a
question's id.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import record
from bot.figures.display import hours as display_hours
from bot.i18n import N_
from bot.questions.export import export_conversations
from bot.questions.figures import as_csv, every_week, question_figures
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.periods import chosen_period
from bot.web.rendering import render


def _web(request: Request) -> Any:
    return request.app.state.web.app


def hours_or_days(staff: Staff, hours: float | None) -> str:
    """ "5.5 hours" under two days, "3.2 days" above."""
    return "–" if hours is None else display_hours(hours, staff.translator)


@guarded(Right.FIGURES)
async def figures_page(request: Request, staff: Staff) -> Response:
    period, typed, error = chosen_period(request, staff, request.query_params)
    settings = _web(request).settings
    figures = weeks = None
    if period is not None:
        start, end = period.bounds(settings.zone)
        figures = await question_figures(staff.db, settings.quarter, start, end, _web(request).clock.now(),
                                         settings.zone, settings.questions_answer_days)
        weeks = every_week(figures, period.first, period.last)
    names = language_names(staff)
    return render(request, staff.translator, "question_figures.html", status_code=400 if error else 200,
                  staff=staff, typed=typed, error=error, figures=figures, weeks=weeks, period=period,
                  language_name=lambda code: names.get(code, code), duration=lambda hours: hours_or_days(staff, hours),
                  percent=lambda share: "–" if share is None else f"{round(share * 100)} %")


@guarded(Right.FIGURES)
async def figures_csv(request: Request, staff: Staff) -> Response:
    period, _typed, error = chosen_period(request, staff, request.query_params)
    if period is None:
        return Response(error + "\n", status_code=400, media_type="text/plain; charset=utf-8")
    settings = _web(request).settings
    start, end = period.bounds(settings.zone)
    figures = await question_figures(staff.db, settings.quarter, start, end, _web(request).clock.now(),
                                     settings.zone, settings.questions_answer_days)
    name = f"fragen-kennzahlen-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(as_csv(figures, period.first, period.last), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _export_page(request: Request, staff: Staff, typed: dict[str, str], error: str = "",
                 status_code: int = 200) -> Response:
    return render(request, staff.translator, "question_export.html", status_code=status_code, staff=staff,
                  typed=typed, error=error)


@guarded(Right.PERSONAL_EXPORTS)
async def export_form(request: Request, staff: Staff) -> Response:
    _period_found, typed, _error = chosen_period(request, staff, request.query_params)
    return _export_page(request, staff, typed)


@guarded(Right.PERSONAL_EXPORTS)
async def export_download(request: Request, staff: Staff) -> Response:
    form = await request.form()
    period, typed, error = chosen_period(request, staff, form)
    if period is None or not form.get("from") or not form.get("to"):
        message = error or staff.translator.gettext(N_("Please enter both dates as YYYY-MM-DD."))
        return _export_page(request, staff, typed, message, 400)
    settings, now = _web(request).settings, _web(request).clock.now()
    start, end = period.bounds(settings.zone)
    document = await export_conversations(staff.db, settings.quarter, start, end, now)
    record(staff.db, now, staff.actor, "questions.export", "questions", None, None,
           {"from": period.first.isoformat(), "to": period.last.isoformat(), "questions": document["count"]})
    name = f"fragen-{period.first.isoformat()}-{period.last.isoformat()}.json"
    return Response(json.dumps(document, ensure_ascii=False, indent=1), media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


ROUTES = [
    Route("/questions/figures", figures_page, methods=["GET"]),
    Route("/questions/figures.csv", figures_csv, methods=["GET"]),
    Route("/questions/export", export_form, methods=["GET"]),
    Route("/questions/export", export_download, methods=["POST"]),
]
