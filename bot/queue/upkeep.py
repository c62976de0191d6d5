"""What the queue does on its own: no-shows after their time, closing after the hours, forgetting who.

Run every few seconds by the scheduler (and the privacy part daily); each session in a short
transaction of its own, so a desk is never kept waiting by the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.models import OutboxMessage
from bot.outbox.store import SENDING
from bot.queue.desk import close_session, expire_calls
from bot.queue.models import CALLED, Consultation, QueueSession, QueueTicket
from bot.queue.notify import KINDS
from bot.queue.schedule import lock_session


@dataclass
class UpkeepReport:
    no_shows: int = 0
    closed: list[int] = field(default_factory=list)


async def run_upkeep(sessions: async_sessionmaker[AsyncSession], now: dt.datetime, zone: ZoneInfo) -> UpkeepReport:
    report = UpkeepReport()
    since = now.astimezone(zone).date() - dt.timedelta(days=1)
    someone_called = exists().where(QueueTicket.session_id == QueueSession.id, QueueTicket.status == CALLED)
    async with sessions() as db:
        candidates = (await db.execute(
            select(QueueSession.id, QueueSession.ends_at, Consultation.id, Consultation.late_minutes, someone_called)
            .join(Consultation, Consultation.id == QueueSession.consultation_id)
            .where(QueueSession.closed_at.is_(None), QueueSession.day >= since))).all()
    for session_id, ends_at, consultation_id, late_minutes, called in candidates:
        if not called and now < ends_at + dt.timedelta(minutes=late_minutes):
            continue  # nothing to expire or close: no write transaction for it
        async with sessions() as db, db.begin():
            no_shows, closed = await upkeep_session(db, session_id, consultation_id, now, zone)
        report.no_shows += no_shows
        if closed:
            report.closed.append(session_id)
    return report


async def upkeep_session(db: AsyncSession, session_id: int, consultation_id: int, now: dt.datetime,
                         zone: ZoneInfo) -> tuple[int, bool]:
    """Expire late calls and close a session past its hours: (no-shows, closed); the caller commits."""
    consultation = await db.get(Consultation, consultation_id)
    queue_session = await lock_session(db, session_id)
    if consultation is None or queue_session.closed_at is not None:
        return 0, False
    expired = await expire_calls(db, consultation, queue_session, now)
    if now < queue_session.ends_at + dt.timedelta(minutes=consultation.late_minutes):
        return len(expired), False
    same_day = now.astimezone(zone).date() == queue_session.day
    await close_session(db, session_id, now, tell_waiting=same_day)  # not a message in the night
    return len(expired), True


async def remove_links(db: AsyncSession, now: dt.datetime, zone: ZoneInfo, keep_days: int) -> int:
    """Once a session day is over (plus `keep_days`), no ticket says whose it was; figures stay.

    The queue's messages go too: their rows name the resident and the ticket together.
    Returns the number of tickets unlinked.
    """
    cutoff = now.astimezone(zone).date() - dt.timedelta(days=keep_days)
    session_ids = list(await db.scalars(select(QueueSession.id).where(
        QueueSession.day < cutoff, QueueSession.links_removed_at.is_(None))))
    if not session_ids:
        return 0
    for session_id in session_ids:
        await close_session(db, session_id, now, tell_waiting=False)
    result = await db.execute(
        update(QueueTicket).where(QueueTicket.session_id.in_(session_ids), QueueTicket.resident_id.is_not(None))
        .values(resident_id=None).execution_options(synchronize_session=False))
    start_of_cutoff = dt.datetime.combine(cutoff, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    await db.execute(delete(OutboxMessage).where(OutboxMessage.kind.in_(KINDS), OutboxMessage.status != SENDING,
                                                 OutboxMessage.created_at < start_of_cutoff))
    await db.execute(update(QueueSession).where(QueueSession.id.in_(session_ids)).values(links_removed_at=now)
                     .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
