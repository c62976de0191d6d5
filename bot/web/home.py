"""The start page: the day at a glance, as each capability counts it, for the rights the staff member has.

Each section calls its capability's own overview function (the same figures as the chat and the CLI
would give), so the page shows only real counts and never a person: the Sprechstunde and outbox
for the desk, the questions waiting for the team, the coming events for content, survey and
unmet-search counts for the figures.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import ROLE_LABELS, Right
from bot.events.overview import coming
from bot.events.store import text_of
from bot.languages import FALLBACK_CONTENT_LANGUAGE
from bot.offers.unmet import PERSONAL_TEXT, unmet_in_week
from bot.outbox.store import FAILED, overdue, reasons
from bot.questions.inbox import to_do_count
from bot.queue.overview import today
from bot.queue.schedule import title_in
from bot.surveys.results import completed_in_month, list_surveys
from bot.web.guard import Staff, guarded
from bot.web.rendering import render

EVENT_DAYS = 7
OVERDUE_AFTER = dt.timedelta(minutes=10)  # a message this late means a channel is in trouble
SHOWN = 10  # rows per section; the page is a glance, the lists have their own pages


@guarded()
async def home(request: Request, staff: Staff) -> Response:
    web = request.app.state.web
    settings, now = web.app.settings, web.app.clock.now()
    quarter, zone = settings.quarter, settings.zone
    local_today = now.astimezone(zone).date()
    glance: dict[str, object] = {}
    if staff.may(Right.DESK):
        glance["sprechstunde"] = await today(staff.db, quarter, now, zone)
        glance["failed"] = (await reasons(staff.db, FAILED))[:SHOWN]
        glance["overdue"] = await overdue(staff.db, now, OVERDUE_AFTER)
    if staff.may(Right.QUESTIONS):
        glance["questions"] = await to_do_count(staff.db, quarter)
    if staff.may(Right.CONTENT):
        glance["events"] = await coming(staff.db, quarter, now, zone, days=EVENT_DAYS)
    if staff.may(Right.FIGURES):
        completed = await completed_in_month(staff.db, quarter, local_today)
        titles = {summary.key: summary.title for summary in await list_surveys(staff.db, quarter) if summary.active}
        glance["surveys"] = [(titles.get(key, key), count) for key, count in sorted(completed.items())]
        glance["unmet"] = await unmet_in_week(staff.db, quarter, local_today, limit=SHOWN)
    return render(request, staff.translator, "home.html", staff=staff, role_labels=ROLE_LABELS, glance=glance,
                  today=local_today, event_title=lambda event: text_of(event, FALLBACK_CONTENT_LANGUAGE)[0],
                  consultation_title=lambda consultation: title_in(consultation, FALLBACK_CONTENT_LANGUAGE),
                  personal_text=PERSONAL_TEXT, event_days=EVENT_DAYS, shown=SHOWN)


ROUTES = [Route("/", home, methods=["GET"])]
