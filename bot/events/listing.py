"""Events as the back office lists them: coming dates first with their seats, later and past events apart,
filtered by a language whose translation is missing or not yet checked by a native speaker; and one event's
dates with who would be told of a change."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import Translation, translations, unreviewed
from bot.events.models import EVENT_TEXT_FIELDS, Event, EventRegistration, EventReminder
from bot.events.overview import ComingDate, coming
from bot.events.seats import REGISTERED, WAITING, Seats
from bot.events.store import HORIZON, is_cancelled, occurrences, quarter_events
from bot.languages import CONTENT_LANGUAGE_CODES

WINDOW_DAYS = 56  # the dates listed one by one: as far ahead as residents can sign up (store.AHEAD)


def missing_in(event: Event, language: str) -> bool:
    """The event has no text in `language` (German is always there: the import and the forms require it)."""
    return translations(event.texts, [language], EVENT_TEXT_FIELDS)[language] is Translation.MISSING


def unchecked_in(event: Event, language: str) -> bool:
    """The event's text in `language` was made with machine help (or not by a native speaker) and waits for a check."""
    return language in unreviewed(event.texts)


def translation_states(event: Event) -> dict[str, Translation]:
    return translations(event.texts, CONTENT_LANGUAGE_CODES, EVENT_TEXT_FIELDS)


@dataclass(frozen=True)
class Listing:
    dates: list[ComingDate]  # every date of the window, cancelled ones included
    later: list[Event]  # events whose next date lies beyond the window
    past: list[Event]  # events without any coming date, newest first


async def listing(session: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo,
                  missing: str | None = None, unchecked: str | None = None) -> Listing:
    dates = await coming(session, quarter, now, zone, days=WINDOW_DAYS)
    events = await quarter_events(session, quarter)
    if missing:
        dates = [dated for dated in dates if missing_in(dated.event, missing)]
        events = [event for event in events if missing_in(event, missing)]
    if unchecked:
        dates = [dated for dated in dates if unchecked_in(dated.event, unchecked)]
        events = [event for event in events if unchecked_in(event, unchecked)]
    in_window = {dated.event.id for dated in dates}
    later: list[Event] = []
    past: list[Event] = []
    for event in events:
        if event.id in in_window:
            continue
        (later if occurrences(event, zone, now, now + HORIZON) else past).append(event)
    past.sort(key=lambda event: event.start_local, reverse=True)
    later.sort(key=lambda event: event.start_local)
    return Listing(dates, later, past)


@dataclass(frozen=True)
class DateOfEvent:
    """One coming date of an event, with its seats and how many residents a change to it would tell."""

    date: ComingDate
    concerned: int


async def dates_of(session: AsyncSession, event: Event, now: dt.datetime, zone: ZoneInfo,
                   limit: int = 30) -> list[DateOfEvent]:
    found = occurrences(event, zone, now, now + HORIZON)[:limit]
    dates = [occurrence.date for occurrence in found]
    counts: Counter[tuple[str, str]] = Counter()
    people: dict[str, set[int | None]] = {date: set() for date in dates}
    registrations = await session.execute(select(EventRegistration.occurrence, EventRegistration.status,
                                                 EventRegistration.resident_id)
                                          .where(EventRegistration.event_id == event.id,
                                                 EventRegistration.occurrence.in_(dates)))
    for date, status, resident_id in registrations.all():
        counts[(date, status)] += 1
        people[date].add(resident_id)
    reminders = await session.execute(select(EventReminder.occurrence, EventReminder.resident_id)
                                      .where(EventReminder.event_id == event.id, EventReminder.occurrence.in_(dates)))
    for date, resident_id in reminders.all():
        people[date].add(resident_id)
    return [DateOfEvent(ComingDate(event, occurrence, is_cancelled(event, occurrence),
                                   Seats(counts[(occurrence.date, REGISTERED)], counts[(occurrence.date, WAITING)],
                                         event.capacity)),
                        len(people[occurrence.date] - {None}))
            for occurrence in found]
