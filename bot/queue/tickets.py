"""Taking a number, and where it stands: first come, first served within one session.

Every change to a session's queue locks the session row first, so numbers are handed out one
at a time (gapless: the counter rolls back with a failed ticket) and positions never race.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.queue.models import (
    ACTIVE,
    CALLED,
    CANCELLED,
    NO_SHOW,
    SERVED,
    WAITING,
    Consultation,
    QueueSession,
    QueueTicket,
)
from bot.queue.notify import SOON_BEFORE, tell_soon
from bot.queue.schedule import is_running, lock_session, next_number, takes_numbers

RECENT_SERVICES = 30  # how many recent services the estimate looks at
ROUND_TO_MINUTES = 5


class QueueClosed(Exception):
    """No numbers now: the session has ended, was closed, or is not open yet."""


@dataclass(frozen=True)
class Standing:
    ticket: QueueTicket
    queue_session: QueueSession
    consultation: Consultation
    before: int  # people waiting before this ticket
    wait_minutes: int  # estimated, rounded up to ROUND_TO_MINUTES; 0 once called


async def active_ticket(db: AsyncSession, resident_id: int) -> tuple[QueueTicket, QueueSession, Consultation] | None:
    row = (await db.execute(
        select(QueueTicket, QueueSession, Consultation)
        .join(QueueSession, QueueSession.id == QueueTicket.session_id)
        .join(Consultation, Consultation.id == QueueSession.consultation_id)
        .where(QueueTicket.resident_id == resident_id, QueueTicket.status.in_(ACTIVE))
        .order_by(QueueTicket.id.desc()).limit(1))).first()
    return (row[0], row[1], row[2]) if row else None


async def ticket_with_session(db: AsyncSession, ticket_id: int
                              ) -> tuple[QueueTicket, QueueSession, Consultation] | None:
    """A ticket with its session and consultation, as a notice about it needs them; None once gone."""
    row = (await db.execute(
        select(QueueTicket, QueueSession, Consultation)
        .join(QueueSession, QueueSession.id == QueueTicket.session_id)
        .join(Consultation, Consultation.id == QueueSession.consultation_id)
        .where(QueueTicket.id == ticket_id))).first()
    return (row[0], row[1], row[2]) if row else None


async def take_ticket(db: AsyncSession, *, session_id: int, resident_id: int | None, topic: str, interpreter: str,
                      now: dt.datetime, walk_in: bool = False, key: str | None = None) -> tuple[QueueTicket, bool]:
    """A new ticket, or the resident's active one (one at a time): (ticket, created).

    A walk-in's `key` comes with the form that asked for it: the same form sent twice (a double tap)
    gets the ticket the first one made instead of a second number.
    """
    if resident_id is not None:
        existing = await active_ticket(db, resident_id)
        if existing is not None:
            return existing[0], False
    queue_session = await lock_session(db, session_id)
    if key is not None:
        made = await db.scalar(select(QueueTicket).where(QueueTicket.session_id == session_id,
                                                         QueueTicket.walk_in_key == key))
        if made is not None:
            return made, False
    consultation = await db.get(Consultation, queue_session.consultation_id)
    assert consultation is not None
    open_for_this = is_running if walk_in else takes_numbers  # staff may still add walk-ins near the end
    if not open_for_this(consultation, queue_session, now):
        raise QueueClosed(session_id)
    if topic not in consultation.topics:
        raise ValueError(f"topic {topic!r} is not offered")
    number = await next_number(db, queue_session)
    before = await waiting_before(db, session_id, number)
    ticket = QueueTicket(session_id=session_id, number=number, resident_id=resident_id, walk_in=walk_in, topic=topic,
                         interpreter=interpreter, status=WAITING, created_at=now, soon_notified=before <= SOON_BEFORE,
                         walk_in_key=key)
    db.add(ticket)
    await db.flush()
    return ticket, True


def ticket_label(consultation: Consultation, ticket: QueueTicket) -> str:
    """ "A-017": short enough to read out, and the same on paper, on the screen and in the chat."""
    return f"{consultation.ticket_prefix}-{ticket.number:03d}"


async def cancel_ticket(db: AsyncSession, ticket: QueueTicket, now: dt.datetime) -> bool:
    """The resident gives up their number; those behind move up (and may be told so)."""
    queue_session = await lock_session(db, ticket.session_id)
    await db.refresh(ticket)
    if ticket.status not in ACTIVE:
        return False
    ticket.status, ticket.finished_at = CANCELLED, now
    await tell_soon(db, queue_session, now)
    return True


async def waiting_before(db: AsyncSession, session_id: int, number: int | None = None) -> int:
    """How many wait before `number` (all who wait, without one)."""
    query = select(func.count()).select_from(QueueTicket).where(
        QueueTicket.session_id == session_id, QueueTicket.status == WAITING)
    if number is not None:
        query = query.where(QueueTicket.number < number)
    return int(await db.scalar(query) or 0)


async def standing(db: AsyncSession, ticket: QueueTicket, queue_session: QueueSession, consultation: Consultation,
                   now: dt.datetime) -> Standing:
    if ticket.status != WAITING:
        return Standing(ticket, queue_session, consultation, 0, 0)
    before = await waiting_before(db, queue_session.id, ticket.number)
    per_person = await minutes_per_person(db, consultation)
    desks = await active_desks(db, queue_session, now) or consultation.desks
    minutes = (before + 1) * per_person / desks
    wait = max(ROUND_TO_MINUTES, math.ceil(minutes / ROUND_TO_MINUTES) * ROUND_TO_MINUTES)
    return Standing(ticket, queue_session, consultation, before, wait)


async def minutes_per_person(db: AsyncSession, consultation: Consultation) -> float:
    """The median of recent services (call to the next call at that desk), else the file's guess."""
    rows = (await db.execute(
        select(QueueTicket.called_at, QueueTicket.finished_at)
        .join(QueueSession, QueueSession.id == QueueTicket.session_id)
        .where(QueueSession.consultation_id == consultation.id, QueueTicket.status == SERVED,
               QueueTicket.finished_at.is_not(None))
        .order_by(QueueTicket.finished_at.desc()).limit(RECENT_SERVICES))).all()
    durations = [(finished - called).total_seconds() / 60 for called, finished in rows if called and finished]
    durations = [minutes for minutes in durations if 0.5 <= minutes <= 180]
    return statistics.median(durations) if len(durations) >= 3 else float(consultation.minutes_per_person)


async def active_desks(db: AsyncSession, queue_session: QueueSession, now: dt.datetime) -> int:
    """Desks that called someone in the last hour: the queue moves as fast as they work."""
    count = await db.scalar(select(func.count(func.distinct(QueueTicket.desk))).where(
        QueueTicket.session_id == queue_session.id, QueueTicket.called_at >= now - dt.timedelta(hours=1),
        QueueTicket.status.in_((CALLED, SERVED, NO_SHOW))))
    return int(count or 0)
