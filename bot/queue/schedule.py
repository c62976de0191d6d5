"""When numbers can be taken: weekly hours in local time, closed dates, and staff opening ad hoc.

A scheduled session's row is created the first time someone needs it (a resident asks, staff
look), so nothing has to run at opening time; the unique (consultation, start) makes two
processes creating it at once harmless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_insert
from bot.languages import FALLBACK_CONTENT_LANGUAGE
from bot.queue.models import Consultation, QueueSession

AD_HOC_LENGTH = dt.timedelta(hours=2)
LOOK_AHEAD_DAYS = 35


@dataclass(frozen=True)
class Slot:
    """One date of a consultation's weekly hours."""

    day: dt.date
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime
    languages: tuple[str, ...]


def slots_on(consultation: Consultation, day: dt.date, zone: ZoneInfo) -> list[Slot]:
    if day.isoformat() in consultation.closed_dates:
        return []
    slots = []
    for hours in consultation.weekly:
        if hours["weekday"] != day.weekday():
            continue
        start = dt.datetime.combine(day, dt.time.fromisoformat(hours["start"]), tzinfo=zone)
        end = dt.datetime.combine(day, dt.time.fromisoformat(hours["end"]), tzinfo=zone)
        slots.append(Slot(day, start.astimezone(dt.UTC), end.astimezone(dt.UTC), tuple(hours["languages"])))
    return sorted(slots, key=lambda slot: slot.starts_at)


def next_slots(consultation: Consultation, now: dt.datetime, zone: ZoneInfo, count: int = 3) -> list[Slot]:
    """The coming dates that have not started yet, for "come back on …"."""
    today = now.astimezone(zone).date()
    found: list[Slot] = []
    for offset in range(LOOK_AHEAD_DAYS):
        found += [slot for slot in slots_on(consultation, today + dt.timedelta(days=offset), zone)
                  if slot.starts_at > now]
        if len(found) >= count:
            break
    return found[:count]


def opens_for_numbers(consultation: Consultation, queue_session: QueueSession) -> dt.datetime:
    before = queue_session.starts_at - dt.timedelta(minutes=consultation.numbers_before_minutes)
    return min(before, queue_session.opened_at) if queue_session.opened_at else before


def is_running(consultation: Consultation, queue_session: QueueSession, now: dt.datetime) -> bool:
    """Staff can call numbers: not closed, opened or near its time, and not long past its end."""
    late = dt.timedelta(minutes=consultation.late_minutes)
    return (queue_session.closed_at is None and opens_for_numbers(consultation, queue_session) <= now
            and now < queue_session.ends_at + late)


def takes_numbers(consultation: Consultation, queue_session: QueueSession, now: dt.datetime) -> bool:
    """Residents can take a number: running, and its end not yet reached."""
    return is_running(consultation, queue_session, now) and now < queue_session.ends_at


def in_window(consultation: Consultation, slot: Slot, now: dt.datetime) -> bool:
    """A scheduled date is due: from when numbers can be taken until those waiting have been served."""
    window_opens = slot.starts_at - dt.timedelta(minutes=consultation.numbers_before_minutes)
    return window_opens <= now < slot.ends_at + dt.timedelta(minutes=consultation.late_minutes)


async def running_sessions(db: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo
                           ) -> list[tuple[Consultation, QueueSession]]:
    """Sessions of the quarter staff can work in now, creating today's scheduled ones when due."""
    consultations = await quarter_consultations(db, quarter)
    if not consultations:
        return []
    today = now.astimezone(zone).date()
    by_id = {consultation.id: consultation for consultation in consultations}
    rows = list(await db.scalars(select(QueueSession).where(
        QueueSession.consultation_id.in_(by_id), QueueSession.day >= today - dt.timedelta(days=1))))
    known = {(row.consultation_id, row.starts_at) for row in rows}
    for consultation in consultations:
        for slot in slots_on(consultation, today, zone):
            if in_window(consultation, slot, now) and (consultation.id, slot.starts_at) not in known:
                session_id = await _session_at(db, consultation.id, slot, ad_hoc=False, opened_at=None)
                created = await db.get(QueueSession, session_id)
                assert created is not None
                rows.append(created)
    running = [(by_id[row.consultation_id], row) for row in rows if is_running(by_id[row.consultation_id], row, now)]
    return sorted(running, key=lambda pair: (pair[1].starts_at, pair[0].id))


async def open_now(db: AsyncSession, consultation: Consultation, now: dt.datetime, zone: ZoneInfo) -> QueueSession:
    """Staff open the hours now: today's next scheduled session early (or again), else an ad hoc one."""
    today = now.astimezone(zone).date()
    for slot in slots_on(consultation, today, zone):
        if now < slot.ends_at:
            queue_session = await lock_session(
                db, await _session_at(db, consultation.id, slot, ad_hoc=False, opened_at=None))
            if queue_session.opened_at is None and now < opens_for_numbers(consultation, queue_session):
                queue_session.opened_at = now
            queue_session.closed_at = None
            return queue_session
    # One ad hoc session at a time: "open now" tapped twice (or by two colleagues) opens it once.
    await db.execute(select(Consultation.id).where(Consultation.id == consultation.id).with_for_update())
    ad_hoc = await db.scalar(select(QueueSession.id).where(
        QueueSession.consultation_id == consultation.id, QueueSession.ad_hoc, QueueSession.day == today,
        QueueSession.closed_at.is_(None), QueueSession.ends_at > now).order_by(QueueSession.starts_at.desc()).limit(1))
    if ad_hoc is not None:
        return await lock_session(db, ad_hoc)
    languages = sorted({code for hours in consultation.weekly if hours["weekday"] == today.weekday()
                        for code in hours["languages"]}) or ["de"]
    slot = Slot(today, now, now + AD_HOC_LENGTH, tuple(languages))
    return await lock_session(db, await _session_at(db, consultation.id, slot, ad_hoc=True, opened_at=now))


def title_in(consultation: Consultation, language: str) -> str:
    """The consultation's title in `language`, else in German, else in any language it has."""
    titles = consultation.titles
    return titles.get(language) or titles.get(FALLBACK_CONTENT_LANGUAGE) or next(iter(titles.values()), "")


async def quarter_consultations(db: AsyncSession, quarter: str) -> list[Consultation]:
    """The consultations the quarter offers now (not those removed from its file)."""
    return list(await db.scalars(
        select(Consultation).where(Consultation.quarter == quarter, Consultation.active).order_by(Consultation.id)))


async def consultation_in_quarter(db: AsyncSession, consultation_id: int, quarter: str) -> Consultation | None:
    """A consultation named by a button, if it exists, belongs to this bot's quarter and is still offered."""
    consultation = await db.get(Consultation, consultation_id)
    if consultation is None or consultation.quarter != quarter or not consultation.active:
        return None
    return consultation


async def session_in_quarter(db: AsyncSession, session_id: int, quarter: str
                             ) -> tuple[Consultation, QueueSession] | None:
    """A session named by a button, if it exists and belongs to this bot's quarter."""
    queue_session = await db.get(QueueSession, session_id)
    consultation = await db.get(Consultation, queue_session.consultation_id) if queue_session else None
    if queue_session is None or consultation is None or consultation.quarter != quarter:
        return None
    return consultation, queue_session


async def lock_session(db: AsyncSession, session_id: int) -> QueueSession:
    """The session row, locked until commit: numbers, calls and closing happen one at a time."""
    queue_session = await db.scalar(
        select(QueueSession).where(QueueSession.id == session_id).with_for_update()
        .execution_options(populate_existing=True))
    if queue_session is None:
        raise LookupError(f"queue session {session_id} does not exist")
    return queue_session


async def next_number(db: AsyncSession, queue_session: QueueSession) -> int:
    """The next ticket number; it rolls back with the ticket, so numbers have no gaps."""
    number = await db.scalar(
        update(QueueSession).where(QueueSession.id == queue_session.id)
        .values(last_number=QueueSession.last_number + 1).returning(QueueSession.last_number)
        .execution_options(synchronize_session=False))
    assert number is not None
    queue_session.last_number = number
    return number


async def _session_at(db: AsyncSession, consultation_id: int, slot: Slot, *, ad_hoc: bool,
                      opened_at: dt.datetime | None) -> int:
    """The id of the consultation's session starting at the slot, created if it does not exist yet."""
    await db.execute(
        dialect_insert(db, QueueSession).values(
            consultation_id=consultation_id, day=slot.day, starts_at=slot.starts_at, ends_at=slot.ends_at,
            ad_hoc=ad_hoc, opened_at=opened_at, languages=list(slot.languages), last_number=0,
        ).on_conflict_do_nothing(index_elements=["consultation_id", "starts_at"]))
    session_id = await db.scalar(select(QueueSession.id).where(
        QueueSession.consultation_id == consultation_id, QueueSession.starts_at == slot.starts_at))
    assert session_id is not None
    return session_id
