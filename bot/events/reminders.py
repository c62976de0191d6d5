"""A resident's reminders for one occurrence, each a scheduled outbox message.

The outbox key names the reminder and the start it was computed for, so scheduling twice
schedules once, and a moved event gets fresh messages while the old ones are withdrawn.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_insert
from bot.db.models import Resident
from bot.events.models import Event, EventReminder
from bot.events.occurrences import Occurrence, reminder_due
from bot.outbox.store import cancel_pending, enqueue

DEFAULT_OFFSETS = (24 * 60, 120)  # one day and two hours before
OFFSETS = (7 * 24 * 60, 24 * 60, 120, 30)  # what residents can choose from
REMINDER = "event_reminder"


def reminder_key(event_id: int, occurrence: str, resident_id: int, offset: int, due: dt.datetime | None = None) -> str:
    """"reminder:<event>:<date>:<resident>:<offset>:<due>"; prefixes select all of an event or resident."""
    key = f"reminder:{event_id}:{occurrence}:{resident_id}:{offset}:"
    return key + (due.astimezone(dt.UTC).strftime("%Y%m%dT%H%M") if due else "")


async def offsets_of(session: AsyncSession, event_id: int, occurrence: str, resident_id: int) -> list[int]:
    return sorted((await session.scalars(select(EventReminder.offset_minutes).where(
        EventReminder.event_id == event_id, EventReminder.occurrence == occurrence,
        EventReminder.resident_id == resident_id))).all(), reverse=True)


async def set_reminder(session: AsyncSession, event: Event, occurrence: Occurrence, resident: Resident,
                       offset: int, now: dt.datetime, zone: ZoneInfo) -> bool:
    """Keep the wish and schedule its message; False when that moment has already passed.

    Only the offsets residents can choose from: with the unique constraint on the wish, that bounds a
    resident's reminders for one date to len(OFFSETS), however the button data was made."""
    if offset not in OFFSETS:
        raise ValueError(f"reminder offset {offset} is not one of {OFFSETS}")
    due = reminder_due(occurrence.start, offset, zone)
    if due <= now:
        return False
    await session.execute(dialect_insert(session, EventReminder).values(
        event_id=event.id, occurrence=occurrence.date, resident_id=resident.id, offset_minutes=offset, created_at=now,
    ).on_conflict_do_nothing(index_elements=["event_id", "occurrence", "resident_id", "offset_minutes"]))
    await enqueue(session, resident_id=resident.id, channel=resident.channel, kind=REMINDER,
                  payload={"event": event.id, "occurrence": occurrence.date, "offset": offset}, due_at=due,
                  key=reminder_key(event.id, occurrence.date, resident.id, offset, due), now=now)
    return True


async def remove_reminder(session: AsyncSession, event_id: int, occurrence: str, resident_id: int,
                          offset: int | None = None) -> None:
    """One reminder, or all of a resident for that occurrence (offset None)."""
    query = delete(EventReminder).where(EventReminder.event_id == event_id, EventReminder.occurrence == occurrence,
                                        EventReminder.resident_id == resident_id)
    if offset is not None:
        query = query.where(EventReminder.offset_minutes == offset)
    await session.execute(query)
    prefix = f"reminder:{event_id}:{occurrence}:{resident_id}:" + (f"{offset}:" if offset is not None else "")
    await cancel_pending(session, prefix, "the resident removed the reminder")


async def reschedule(session: AsyncSession, event: Event, old_date: str, new: Occurrence, now: dt.datetime,
                     zone: ZoneInfo) -> set[int]:
    """Move every reminder of an occurrence to its new start; the residents who had one."""
    wishes = (await session.scalars(select(EventReminder).where(
        EventReminder.event_id == event.id, EventReminder.occurrence == old_date))).all()
    await cancel_pending(session, f"reminder:{event.id}:{old_date}:", "the event was moved")
    residents = set()
    for wish in wishes:
        resident = await session.get(Resident, wish.resident_id)
        wish.occurrence = new.date
        residents.add(wish.resident_id)
        due = reminder_due(new.start, wish.offset_minutes, zone)
        if resident is not None and due > now:
            await enqueue(session, resident_id=resident.id, channel=resident.channel, kind=REMINDER,
                          payload={"event": event.id, "occurrence": new.date, "offset": wish.offset_minutes},
                          due_at=due, key=reminder_key(event.id, new.date, resident.id, wish.offset_minutes, due),
                          now=now)
    return residents
