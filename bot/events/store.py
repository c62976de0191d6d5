"""Events of a quarter and their occurrences, as handlers, notices and the CLI read them."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.models import Event, EventRegistration, EventReminder
from bot.events.occurrences import Occurrence, occurrence_on, occurrences_between
from bot.languages import FALLBACK_CONTENT_LANGUAGE

HORIZON = dt.timedelta(days=400)  # how far ahead changes to a series are followed
AHEAD = dt.timedelta(weeks=8)  # how far ahead residents see events, and so how far ahead they can sign up


class Booking(enum.Enum):
    """Whether residents may sign up for an occurrence now: register, set a reminder, add it to a calendar."""

    OPEN = "open"
    CANCELLED = "cancelled"
    STARTED = "started"  # or over
    TOO_FAR = "too_far"  # further ahead than residents are shown


@dataclass(frozen=True)
class Dated:
    """One occurrence of one event."""

    event: Event
    occurrence: Occurrence


def text_of(event: Event, language: str) -> tuple[str, str, bool]:
    """(title, description, in the wanted language?) with German as the fallback."""
    texts = {text.language: text for text in event.texts}
    chosen = texts.get(language) or texts.get(FALLBACK_CONTENT_LANGUAGE) or next(iter(texts.values()))
    return chosen.title, chosen.description, chosen.language == language


async def quarter_events(session: AsyncSession, quarter: str) -> list[Event]:
    return list((await session.scalars(select(Event).where(Event.quarter == quarter).order_by(Event.id))).all())


async def event_by_id(session: AsyncSession, event_id: int) -> Event | None:
    return await session.get(Event, event_id)


async def dates_of_resident(session: AsyncSession, resident_id: int) -> set[tuple[int, str]]:
    """(event id, date) of every registration and reminder the resident has, past ones included."""
    registered = await session.execute(select(EventRegistration.event_id, EventRegistration.occurrence)
                                       .where(EventRegistration.resident_id == resident_id))
    reminded = await session.execute(select(EventReminder.event_id, EventReminder.occurrence)
                                     .where(EventReminder.resident_id == resident_id))
    return {(event_id, date) for event_id, date in [*registered.all(), *reminded.all()]}


def occurrences(event: Event, zone: ZoneInfo, after: dt.datetime, before: dt.datetime) -> list[Occurrence]:
    return occurrences_between(event.start_local, event.duration_minutes, event.recurrence, zone, after, before)


def upcoming(events: list[Event], zone: ZoneInfo, after: dt.datetime, before: dt.datetime) -> list[Dated]:
    found = [Dated(event, occurrence) for event in events for occurrence in occurrences(event, zone, after, before)]
    return sorted(found, key=lambda dated: (dated.occurrence.start, dated.event.id))


def occurrence_of(event: Event, zone: ZoneInfo, date: str) -> Occurrence | None:
    return occurrence_on(event.start_local, event.duration_minutes, event.recurrence, zone, date)


def is_cancelled(event: Event, occurrence: Occurrence) -> bool:
    """The whole event, or just this date of it."""
    return event.cancelled or occurrence.date in event.cancelled_dates


def booking(event: Event, occurrence: Occurrence, now: dt.datetime) -> Booking:
    """Buttons carry an event and a date, and anyone can send any button data: a reminder on every date of a
    series, or a seat a year ahead, is refused here, not only by not showing the button."""
    if is_cancelled(event, occurrence):
        return Booking.CANCELLED
    if occurrence.start <= now:
        return Booking.STARTED
    if occurrence.start >= now + AHEAD:
        return Booking.TOO_FAR
    return Booking.OPEN
