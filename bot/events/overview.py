"""The coming week's events at a glance, for the back office's start page: dates, registrations, free seats."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.models import Event, EventRegistration
from bot.events.occurrences import Occurrence
from bot.events.seats import REGISTERED, WAITING, Seats
from bot.events.store import is_cancelled, quarter_events, upcoming


@dataclass(frozen=True)
class ComingDate:
    event: Event
    occurrence: Occurrence
    cancelled: bool
    seats: Seats


async def coming(session: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo,
                 days: int = 7) -> list[ComingDate]:
    """Every date of the next `days` days that has not ended, cancelled ones included (staff should see them),
    with its registrations counted in one query."""
    dates = upcoming(await quarter_events(session, quarter), zone, now, now + dt.timedelta(days=days))
    if not dates:
        return []
    counts: Counter[tuple[int, str, str]] = Counter()
    rows = await session.execute(
        select(EventRegistration.event_id, EventRegistration.occurrence, EventRegistration.status, func.count())
        .where(EventRegistration.event_id.in_({dated.event.id for dated in dates}))
        .group_by(EventRegistration.event_id, EventRegistration.occurrence, EventRegistration.status))
    for event_id, occurrence, status, count in rows.all():
        counts[(event_id, occurrence, status)] = count
    return [ComingDate(dated.event, dated.occurrence, is_cancelled(dated.event, dated.occurrence),
                       Seats(counts[(dated.event.id, dated.occurrence.date, REGISTERED)],
                             counts[(dated.event.id, dated.occurrence.date, WAITING)], dated.event.capacity))
            for dated in dates]
