"""Events in figures for the city's controlling: dates held and cancelled, seats taken and waiting lists, per
event, for a period of local dates.

A date is held once it has started and is not cancelled; a cancelled event counts all its dates in the period as
cancelled (the event keeps no record of when it was cancelled). Registrations are those standing for the date
(withdrawn ones are deleted, so they are not counted); after the date they stay without the resident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.models import Event, EventRegistration
from bot.events.seats import REGISTERED, WAITING
from bot.events.store import is_cancelled, occurrences, quarter_events, text_of
from bot.languages import FALLBACK_CONTENT_LANGUAGE


@dataclass
class EventFigures:
    key: str
    title: str  # German
    held: int = 0
    cancelled: int = 0
    registered: int = 0
    waiting: int = 0

    @property
    def counted(self) -> bool:
        return bool(self.held or self.cancelled or self.registered or self.waiting)


async def event_figures(session: AsyncSession, quarter: str, first: dt.date, last: dt.date, now: dt.datetime,
                        zone: ZoneInfo) -> list[EventFigures]:
    """Per event with a date in [first, last], in the order of the events' keys."""
    events = await quarter_events(session, quarter)
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    found: dict[int, EventFigures] = {}
    for event in events:
        figures = EventFigures(event.key, text_of(event, FALLBACK_CONTENT_LANGUAGE)[0])
        for occurrence in occurrences(event, zone, start, end):
            if not first.isoformat() <= occurrence.date <= last.isoformat():
                continue
            if is_cancelled(event, occurrence):
                figures.cancelled += 1
            elif occurrence.start <= now:
                figures.held += 1
        found[event.id] = figures
    counts = await session.execute(
        select(EventRegistration.event_id, EventRegistration.status, func.count())
        .join(Event, Event.id == EventRegistration.event_id)
        .where(Event.quarter == quarter, EventRegistration.occurrence >= first.isoformat(),
               EventRegistration.occurrence <= last.isoformat())
        .group_by(EventRegistration.event_id, EventRegistration.status))
    for event_id, status, count in counts.all():
        if status == REGISTERED:
            found[event_id].registered += count
        elif status == WAITING:
            found[event_id].waiting += count
    return sorted((figures for figures in found.values() if figures.counted), key=lambda figures: figures.key)
