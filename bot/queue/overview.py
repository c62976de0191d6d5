"""Today's Sprechstunde at a glance, for the back office's start page: counts only, nobody in them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.queue.models import CALLED, NO_SHOW, SERVED, WAITING, Consultation, QueueSession, QueueTicket
from bot.queue.schedule import quarter_consultations, slots_on


@dataclass(frozen=True)
class SessionToday:
    """One of today's consultation hours: held or still to come, and how far the queue is."""

    consultation: Consultation
    starts_at: dt.datetime
    ends_at: dt.datetime
    opened: bool  # numbers are or were being given out (a session exists)
    closed: bool
    waiting: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0


async def today(db: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo) -> list[SessionToday]:
    """Today's sessions: those that exist (scheduled, opened early or ad hoc) and the scheduled slots still to
    come, in order of time. Reading creates nothing: the chat's desk does that when it is time."""
    consultations = {consultation.id: consultation for consultation in await quarter_consultations(db, quarter)}
    if not consultations:
        return []
    day = now.astimezone(zone).date()
    sessions = list(await db.scalars(select(QueueSession).where(
        QueueSession.consultation_id.in_(consultations), QueueSession.day == day)))
    counts: dict[int, Counter[str]] = {row.id: Counter() for row in sessions}
    if sessions:
        for session_id, status, count in (await db.execute(
                select(QueueTicket.session_id, QueueTicket.status, func.count())
                .where(QueueTicket.session_id.in_(counts)).group_by(QueueTicket.session_id, QueueTicket.status))).all():
            counts[session_id][status] = count
    found = [SessionToday(consultations[row.consultation_id], row.starts_at, row.ends_at, True,
                          row.closed_at is not None, counts[row.id][WAITING], counts[row.id][CALLED],
                          counts[row.id][SERVED], counts[row.id][NO_SHOW]) for row in sessions]
    held = {(row.consultation_id, row.starts_at) for row in sessions}
    for consultation in consultations.values():
        for slot in slots_on(consultation, day, zone):
            if (consultation.id, slot.starts_at) not in held:
                found.append(SessionToday(consultation, slot.starts_at, slot.ends_at, False, slot.ends_at <= now))
    return sorted(found, key=lambda item: (item.starts_at, item.consultation.id))
