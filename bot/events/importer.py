"""Events from `events.yaml` or the CLI into the database, with the consequences of each change.

Import and `quartiersbot event …` share this path, so a moved or cancelled event always tells
the residents concerned, however staff changed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import in_language_order, sync_by_language
from bot.events.changes import (
    announce_cancellation,
    announce_cancelled_date,
    announce_new_event,
    follow_schedule_change,
)
from bot.events.models import EVENT_TEXT_FIELDS, Event, EventText
from bot.events.schema import EventEntry


@dataclass(frozen=True)
class Outcome:
    status: str  # "created", "updated" or "unchanged"
    told: int  # residents who will be told of a move or cancellation, or of a new event


def digest(entry: EventEntry, example_data: bool) -> str:
    return hashlib.sha256(f"{entry.model_dump_json()}|{example_data}".encode()).hexdigest()


async def upsert_event(session: AsyncSession, entry: EventEntry, quarter: str, example_data: bool,
                       now: dt.datetime, zone: ZoneInfo) -> Outcome:
    content_hash = digest(entry, example_data)
    row = await session.scalar(select(Event).where(Event.quarter == quarter, Event.key == entry.key))
    if row is not None and row.content_hash == content_hash:
        return Outcome("unchanged", 0)
    created = row is None
    if row is None:
        row = Event(quarter=quarter, key=entry.key, created_at=now)
        session.add(row)
        old = None
    else:
        old = (row.start_local, row.duration_minutes, row.recurrence, row.cancelled)
        old_dates = set(row.cancelled_dates)
    fill(row, entry, example_data)
    row.content_hash, row.updated_at = content_hash, now
    await session.flush()
    if created:
        return Outcome("created", await announce_new_event(session, row, now, zone))
    assert old is not None
    told = 0
    for date in sorted(set(row.cancelled_dates) - old_dates):
        told += await announce_cancelled_date(session, row, date, now, zone)
    if row.cancelled and not old[3]:
        told += await announce_cancellation(session, row, now, zone)  # a date told already is not told twice
    elif (row.start_local, row.duration_minutes, row.recurrence) != old[:3] and not row.cancelled:
        told += await follow_schedule_change(session, row, old[0], old[1], old[2], now, zone)
    return Outcome("updated", told)


def fill(row: Event, entry: EventEntry, example_data: bool) -> None:
    row.category = entry.category
    row.start_local = entry.start.isoformat(timespec="minutes")
    row.duration_minutes = int((entry.end - entry.start).total_seconds() // 60)
    row.recurrence = entry.recurrence.model_dump(mode="json") if entry.recurrence else None
    place = entry.place
    row.place_name = place.name
    row.street = place.address.street if place.address else ""
    row.postcode = place.address.postcode if place.address else ""
    row.city = place.address.city if place.address else ""
    row.latitude = place.geo.lat if place.geo else None
    row.longitude = place.geo.lon if place.geo else None
    row.organiser, row.languages, row.target_groups = entry.organiser, list(entry.languages), list(entry.target_groups)
    row.cost = entry.cost
    row.barrier_free = {True: "yes", False: "no"}.get(entry.barrier_free, "unknown")  # type: ignore[call-overload]
    row.registration_required, row.capacity = entry.registration.required, entry.registration.capacity
    row.cancelled, row.example_data = entry.cancelled, example_data
    row.cancelled_dates = sorted(day.isoformat() for day in entry.cancelled_dates)
    sync_by_language(row.texts, entry.texts, EventText, _fill_text, EVENT_TEXT_FIELDS)


def _fill_text(target: EventText, text: Any) -> None:
    target.title, target.description, target.reviewed = text.title, text.description, text.reviewed


def entry_of(row: Event) -> dict[str, Any]:
    """A stored event as an events.yaml entry, so a change can be validated and applied like an import."""
    start = dt.datetime.fromisoformat(row.start_local)
    place: dict[str, Any] = {"name": row.place_name}
    if row.street:
        place["address"] = {"street": row.street, "postcode": row.postcode, "city": row.city}
    if row.latitude is not None and row.longitude is not None:
        place["geo"] = {"lat": row.latitude, "lon": row.longitude}
    return {
        "key": row.key, "category": row.category, "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=row.duration_minutes)).isoformat(), "recurrence": row.recurrence,
        "place": place, "organiser": row.organiser,
        "languages": list(row.languages), "target_groups": list(row.target_groups), "cost": row.cost,
        "barrier_free": {"yes": True, "no": False}.get(row.barrier_free, "unknown"),
        "registration": {"required": row.registration_required, "capacity": row.capacity},
        "cancelled": row.cancelled, "cancelled_dates": list(row.cancelled_dates),
        "texts": in_language_order({text.language: {"title": text.title, "description": text.description,
                                                   "reviewed": text.reviewed} for text in row.texts}),
    }
