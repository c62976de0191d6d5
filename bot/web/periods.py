"""The period of days a figures page shows (the last 12 weeks unless chosen), from the form's "from" and "to":
one parser for the questions' figures, their CSV and export, and the figures pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

from bot.figures.tables import Period
from bot.i18n import N_
from bot.web.guard import Staff

DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366  # a period longer than this is refused (and would mean little as one figure)


def default_period(request: Request) -> Period:
    """The last 12 weeks, today included."""
    web = request.app.state.web.app
    today = web.clock.now().astimezone(web.settings.zone).date()
    return Period(today - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1), today)


def chosen_period(request: Request, staff: Staff, values: ImmutableMultiDict[str, Any] | Any
                  ) -> tuple[Period | None, dict[str, str], str]:
    """The chosen period, the dates as typed, and a message (in the staff member's language) if they do not make
    one; an empty field stands for the default's date."""
    default = default_period(request)
    typed = {"from": str(values.get("from", "") or default.first.isoformat())[:20],
             "to": str(values.get("to", "") or default.last.isoformat())[:20]}
    _ = staff.translator.gettext
    try:
        period = Period(dt.date.fromisoformat(typed["from"]), dt.date.fromisoformat(typed["to"]))
    except ValueError:
        return None, typed, _(N_("Please enter both dates as YYYY-MM-DD."))
    if period.first > period.last:
        return None, typed, _(N_("The first day must not be after the last."))
    if (period.last - period.first).days >= MAX_DAYS:
        return None, typed, _(N_("Please choose a period of at most three years."))
    return period, typed, ""
