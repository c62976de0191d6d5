"""Events of a quarter and their occurrences, as handlers, notices and the CLI read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Event
from bot.events.occurrences import Occurrence, occurrence_on, occurrences_between
from bot.languages import FALLBACK_CONTENT_LANGUAGE

HORIZON = dt.timedelta(days=400)  # how far ahead changes to a series are followed


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
