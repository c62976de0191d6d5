"""What follows when staff move, cancel or add an event: reminders follow, residents are told.

A moved series is matched occurrence by occurrence in order (the first coming date to the
first new one, and so on), which is what "the Sprachcafé moves from Tuesday to Wednesday"
means. Each notice has an idempotency key, so importing the same change twice tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Resident
from bot.events.models import Event, EventRegistration, EventReminder, TopicSubscription
from bot.events.occurrences import Occurrence, occurrence_on, occurrences_between
from bot.events.reminders import reschedule
from bot.events.store import HORIZON, occurrences
from bot.outbox.store import cancel_pending, enqueue

MOVED, CANCELLED, NEW_EVENT = "event_moved", "event_cancelled", "new_event"
TOPICS = ("families", "seniors", "my_language")
# The version of the text a resident agrees to when following a topic; raise it when that text changes.
TOPIC_CONSENT_VERSION = 1


async def concerned(session: AsyncSession, event_id: int, occurrence: str) -> list[Resident]:
    """Residents registered, waiting, or reminded for one occurrence."""
    ids = set((await session.scalars(select(EventRegistration.resident_id).where(
        EventRegistration.event_id == event_id, EventRegistration.occurrence == occurrence))).all())
    ids |= set((await session.scalars(select(EventReminder.resident_id).where(
        EventReminder.event_id == event_id, EventReminder.occurrence == occurrence))).all())
    if not ids:
        return []
    return list((await session.scalars(select(Resident).where(Resident.id.in_(ids)))).all())


def schedule_pairs(old: list[Occurrence], new: list[Occurrence]) -> list[tuple[Occurrence, Occurrence | None]]:
    """Each coming date with the date it becomes (None: it no longer takes place), in the order to apply them."""
    pairs = list(zip(old, [*new, *([None] * max(len(old) - len(new), 0))], strict=False))
    if new and old and new[0].start > old[0].start:
        pairs.reverse()  # moving later: free each date before the one before it takes it
    return pairs


async def follow_schedule_change(session: AsyncSession, event: Event, old_start_local: str, old_duration: int,
                                 old_recurrence: dict[str, Any] | None, now: dt.datetime, zone: ZoneInfo) -> int:
    """Move registrations and reminders to the new dates and tell those concerned; how many were told."""
    old = occurrences_between(old_start_local, old_duration, old_recurrence, zone, now, now + HORIZON)
    told = 0
    for before, after in schedule_pairs(old, occurrences(event, zone, now, now + HORIZON)):
        residents = await concerned(session, event.id, before.date)
        if not residents:
            continue
        if after is None:
            told += await _tell_cancelled(session, event, before, residents, now)
            continue
        if (after.start, after.end) == (before.start, before.end):
            continue
        await session.execute(update(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.occurrence == before.date)
            .values(occurrence=after.date))
        await reschedule(session, event, before.date, after, now, zone)
        for resident in residents:
            told += await enqueue(
                session, resident_id=resident.id, channel=resident.channel, kind=MOVED,
                payload={"event": event.id, "occurrence": after.date, "was": before.start.isoformat()}, due_at=now,
                key=f"moved:{event.id}:{before.date}:{after.start.astimezone(dt.UTC):%Y%m%dT%H%M}:{resident.id}",
                now=now)
    return told


async def announce_cancellation(session: AsyncSession, event: Event, now: dt.datetime, zone: ZoneInfo) -> int:
    told = 0
    for occurrence in occurrences(event, zone, now, now + HORIZON):
        residents = await concerned(session, event.id, occurrence.date)
        if residents:
            told += await _tell_cancelled(session, event, occurrence, residents, now)
    await cancel_pending(session, f"reminder:{event.id}:", "the event was cancelled")
    return told


async def announce_cancelled_date(session: AsyncSession, event: Event, date: str, now: dt.datetime,
                                  zone: ZoneInfo) -> int:
    """One date of a series does not take place: those concerned are told, its reminders withdrawn."""
    occurrence = occurrence_on(event.start_local, event.duration_minutes, event.recurrence, zone, date)
    if occurrence is None or occurrence.end <= now:
        return 0
    residents = await concerned(session, event.id, date)
    if not residents:
        await cancel_pending(session, f"reminder:{event.id}:{date}:", "the event was cancelled")
        return 0
    return await _tell_cancelled(session, event, occurrence, residents, now)


async def _tell_cancelled(session: AsyncSession, event: Event, occurrence: Occurrence, residents: list[Resident],
                          now: dt.datetime) -> int:
    await cancel_pending(session, f"reminder:{event.id}:{occurrence.date}:", "the event was cancelled")
    told = 0
    for resident in residents:
        told += await enqueue(session, resident_id=resident.id, channel=resident.channel, kind=CANCELLED,
                              payload={"event": event.id, "occurrence": occurrence.date}, due_at=now,
                              key=f"cancelled:{event.id}:{occurrence.date}:{resident.id}", now=now)
    return told


async def announce_new_event(session: AsyncSession, event: Event, now: dt.datetime, zone: ZoneInfo) -> int:
    """Tell residents who follow a topic the event belongs to (once per event and resident)."""
    if event.cancelled or not occurrences(event, zone, now, now + HORIZON):
        return 0
    rows = (await session.execute(
        select(TopicSubscription.topic, Resident).join(Resident, Resident.id == TopicSubscription.resident_id)
    )).all()
    spoken = set(event.languages)
    told = 0
    for topic, resident in rows:
        language = (resident.language or "").split("@")[0]
        fits = (topic in ("families", "seniors") and topic in event.target_groups) or (
            topic == "my_language" and language in spoken)
        if fits:
            told += await enqueue(session, resident_id=resident.id, channel=resident.channel, kind=NEW_EVENT,
                                  payload={"event": event.id}, due_at=now, key=f"new:{event.id}:{resident.id}",
                                  now=now)
    return told
