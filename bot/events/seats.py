"""Registration with a capacity and a waiting list, fair under many simultaneous requests.

Every change to the seats of an event first locks the event's row (on PostgreSQL; SQLite
serialises writers anyway), so the count of taken seats cannot change between reading and
writing: fifty residents pressing "register" at once get exactly `capacity` seats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Resident
from bot.events.models import Event, EventRegistration
from bot.outbox.store import enqueue

REGISTERED, WAITING = "registered", "waiting"
SEAT_FREE = "seat_free"


@dataclass(frozen=True)
class Seats:
    taken: int
    waiting: int
    capacity: int | None

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


async def lock_event(session: AsyncSession, event_id: int) -> Event | None:
    return await session.scalar(select(Event).where(Event.id == event_id).with_for_update())


async def seats(session: AsyncSession, event: Event, occurrence: str) -> Seats:
    counts = dict((await session.execute(
        select(EventRegistration.status, func.count())
        .where(EventRegistration.event_id == event.id, EventRegistration.occurrence == occurrence)
        .group_by(EventRegistration.status))).all())
    return Seats(counts.get(REGISTERED, 0), counts.get(WAITING, 0), event.capacity)


async def registration_of(session: AsyncSession, event_id: int, occurrence: str,
                          resident_id: int) -> EventRegistration | None:
    return await session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event_id, EventRegistration.occurrence == occurrence,
        EventRegistration.resident_id == resident_id))


async def register(session: AsyncSession, event: Event, occurrence: str, resident: Resident,
                   now: dt.datetime) -> str:
    """"registered" or "waiting" (also when already so); the caller has locked the event."""
    existing = await registration_of(session, event.id, occurrence, resident.id)
    if existing is not None:
        return existing.status
    current = await seats(session, event, occurrence)
    status = REGISTERED if current.free is None or current.free > 0 else WAITING
    session.add(EventRegistration(event_id=event.id, occurrence=occurrence, resident_id=resident.id, status=status,
                                  created_at=now))
    await session.flush()
    return status


async def unregister(session: AsyncSession, event: Event, occurrence: str, resident: Resident,
                     now: dt.datetime) -> Resident | None:
    """Give the seat back; the first on the waiting list gets it and is told. Returns them."""
    existing = await registration_of(session, event.id, occurrence, resident.id)
    if existing is None:
        return None
    freed = existing.status == REGISTERED
    await session.delete(existing)
    await session.flush()
    if not freed:
        return None
    return await promote(session, event, occurrence, now)


async def promote(session: AsyncSession, event: Event, occurrence: str, now: dt.datetime) -> Resident | None:
    current = await seats(session, event, occurrence)
    if current.free is not None and current.free <= 0:
        return None
    first = await session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.occurrence == occurrence,
        EventRegistration.status == WAITING).order_by(EventRegistration.created_at, EventRegistration.id).limit(1))
    if first is None:
        return None
    first.status = REGISTERED
    lucky = await session.get(Resident, first.resident_id)
    if lucky is not None:
        await enqueue(session, resident_id=lucky.id, channel=lucky.channel, kind=SEAT_FREE,
                      payload={"event": event.id, "occurrence": occurrence}, due_at=now,
                      key=f"seat:{event.id}:{occurrence}:{lucky.id}:{first.id}", now=now)
    return lucky
