"""The dates of an event series, in local wall-clock time, with dateutil's rrule.

A series is expanded in naive local time and each start is placed in the zone afterwards, so
"every Tuesday 18:00" is 18:00 in winter and in summer. An occurrence is named by its local
date: a series has at most one occurrence a day (weekly or monthly), and the date is what
residents and staff say ("the Sprachcafé on 1 December").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Occurrence:
    date: str  # local date, e.g. "2026-12-01"
    start: dt.datetime  # aware, in the bot's zone
    end: dt.datetime


def parse_local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)


def series(start_local: dt.datetime, recurrence: dict[str, Any] | None) -> rrule | None:
    if recurrence is None:
        return None
    until = dt.datetime.combine(dt.date.fromisoformat(str(recurrence["until"])), dt.time(23, 59))
    interval = int(recurrence.get("interval") or 1)
    if recurrence["frequency"] == "weekly":
        return rrule(WEEKLY, interval=interval, dtstart=start_local, until=until)
    position = int(recurrence["weekday_position"])
    return rrule(MONTHLY, interval=interval, dtstart=start_local, until=until,
                 byweekday=weekday(start_local.weekday())(position))


def occurrences_between(start_local: str, duration_minutes: int, recurrence: dict[str, Any] | None,
                        zone: ZoneInfo, after: dt.datetime, before: dt.datetime) -> list[Occurrence]:
    """Occurrences that have not ended by `after` and start before `before` (both aware)."""
    first = parse_local(start_local)
    duration = dt.timedelta(minutes=duration_minutes)
    low = after.astimezone(zone).replace(tzinfo=None) - duration
    high = before.astimezone(zone).replace(tzinfo=None)
    rule = series(first, recurrence)
    starts = [first] if rule is None else rule.between(low, high, inc=True)
    found = []
    for naive in starts:
        start = naive.replace(tzinfo=zone)
        end = (naive + duration).replace(tzinfo=zone)
        if end > after and start < before:
            found.append(Occurrence(naive.date().isoformat(), start, end))
    return found


def occurrence_on(start_local: str, duration_minutes: int, recurrence: dict[str, Any] | None, zone: ZoneInfo,
                  date: str) -> Occurrence | None:
    """The occurrence on a local date, if the series has one then."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return None
    begin = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    found = occurrences_between(start_local, duration_minutes, recurrence, zone, begin,
                                begin + dt.timedelta(days=1))
    return next((occurrence for occurrence in found if occurrence.date == date), None)


def reminder_due(start: dt.datetime, offset_minutes: int, zone: ZoneInfo) -> dt.datetime:
    """When to remind: whole days before keep the local time of day, also across a clock change;
    shorter offsets are exact durations."""
    if offset_minutes % DAY_MINUTES == 0:
        naive = start.astimezone(zone).replace(tzinfo=None) - dt.timedelta(minutes=offset_minutes)
        return naive.replace(tzinfo=zone)
    # In UTC: arithmetic on two times of one zone would count wall-clock hours, not real ones.
    return (start.astimezone(dt.UTC) - dt.timedelta(minutes=offset_minutes)).astimezone(zone)
