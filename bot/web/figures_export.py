"""The Sachbericht in one click (right: figures; Team and Leitung): a form with the period, then the PDF or the XLSX
of the figures pages' sections for it (`bot/figures/sections.py`), compared with the period just before.

The default period is the last full calendar year, the Sachbericht's own; the form offers the last twelve full
months as well. Every download is written to the audit log with the period and the format. The documents are made in
a worker thread, with the database connection given back meanwhile: a year's PDF takes seconds of CPU, and the bot's
chats share this process's event loop (and, on SQLite, its one connection).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import record
from bot.figures.report import Report
from bot.figures.report_pdf import PdfUnavailable, render_pdf
from bot.figures.report_xlsx import render_xlsx
from bot.figures.sections import figure_sections
from bot.figures.tables import Period
from bot.i18n import N_
from bot.web.guard import Staff, guarded
from bot.web.periods import chosen_period
from bot.web.rendering import render

log = logging.getLogger(__name__)
FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _web(request: Request) -> Any:
    return request.app.state.web.app


def _today(request: Request) -> dt.date:
    return _web(request).clock.now().astimezone(_web(request).settings.zone).date()


def last_year(today: dt.date) -> Period:
    return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))


def last_twelve_months(today: dt.date) -> Period:
    """The twelve full months before this one."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    months = last.year * 12 + last.month - 1 - 11
    return Period(dt.date(months // 12, months % 12 + 1, 1), last)


def _form(request: Request, staff: Staff, typed: dict[str, str], error: str = "", status_code: int = 200
          ) -> Response:
    today = _today(request)
    return render(request, staff.translator, "figures_report.html", status_code=status_code, staff=staff,
                  typed=typed, error=error, last_year=last_year(today), last_twelve_months=last_twelve_months(today))


@guarded(Right.FIGURES)
async def report_form(request: Request, staff: Staff) -> Response:
    query, default = request.query_params, last_year(_today(request))
    # The Sachbericht's default is the last year, not the figures pages' last 12 weeks.
    filled = {"from": query.get("from") or default.first.isoformat(), "to": query.get("to") or default.last.isoformat()}
    period, typed, error = chosen_period(request, staff, filled)
    return _form(request, staff, typed, error, 400 if period is None else 200)


async def _download(request: Request, staff: Staff, extension: str) -> Response:
    form = await request.form()
    period, typed, error = _chosen(request, staff, form)
    if period is None:
        return _form(request, staff, typed, error, 400)
    web = _web(request)
    settings, now = web.settings, web.clock.now()
    sections = await figure_sections(staff.db, settings.quarter, settings.zone, period, now,
                                     answer_days=settings.questions_answer_days)
    report = Report(sections=tuple(sections), period=period,
                    quarter=settings.quarter.replace("-", " ").replace("_", " ").title(),
                    office=settings.privacy_controller, created=now)
    await staff.pause()  # the database is not needed while the document is made
    if extension == "pdf":
        try:
            document = await run_in_threadpool(render_pdf, report, staff.translator)
        except PdfUnavailable as error:
            log.error("the Sachbericht's PDF cannot be made here: %s", error)
            message = staff.translator.gettext(N_(
                "The PDF cannot be made on this server: the system libraries for it (pango) are missing. "
                "The Excel workbook works; the administrator can install them (see the README)."))
            return _form(request, staff, typed, message, 503)
    else:
        document = await run_in_threadpool(render_xlsx, report, staff.translator)
    record(staff.db, now, staff.actor, "figures.export", "figures", None, None,
           {"from": period.first.isoformat(), "to": period.last.isoformat(), "format": extension})
    return Response(document, media_type=FORMATS[extension],
                    headers={"content-disposition": f'attachment; filename="{report.filename(extension)}"'})


def _chosen(request: Request, staff: Staff, form: ImmutableMultiDict[str, Any]
            ) -> tuple[Period | None, dict[str, str], str]:
    """A download needs both dates: an empty field is not taken as a default's."""
    if not (form.get("from") and form.get("to")):
        typed = {"from": str(form.get("from", ""))[:20], "to": str(form.get("to", ""))[:20]}
        return None, typed, staff.translator.gettext(N_("Please enter both dates as YYYY-MM-DD."))
    return chosen_period(request, staff, form)


@guarded(Right.FIGURES)
async def report_pdf(request: Request, staff: Staff) -> Response:
    return await _download(request, staff, "pdf")


@guarded(Right.FIGURES)
async def report_xlsx(request: Request, staff: Staff) -> Response:
    return await _download(request, staff, "xlsx")


ROUTES = [
    Route("/figures/report", report_form, methods=["GET"]),
    Route("/figures/report.pdf", report_pdf, methods=["POST"]),
    Route("/figures/report.xlsx", report_xlsx, methods=["POST"]),
]
