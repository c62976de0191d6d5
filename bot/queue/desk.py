"""What staff do at the desk: call the next number, mark served or no-show, close the session.

Each action locks the session row, so two desks calling at the same moment get two different
people, and a resident cancelling meanwhile is never called.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.queue.models import (
    ACTIVE,
    CALLED,
    NO_SHOW,
    SERVED,
    UNSERVED,
    WAITING,
    Consultation,
    QueueSession,
    QueueTicket,
)
from bot.queue.notify import CLOSED, tell, tell_soon, tell_turn
from bot.queue.notify import NO_SHOW as NO_SHOW_NOTICE
from bot.queue.schedule import lock_session
from bot.queue.tickets import QueueClosed

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

@dataclass(frozen=True)
class CallOutcome:
    called: QueueTicket | None = None
    unmarked: QueueTicket | None = None  # still "called" at this desk: served or no-show first
    changed: bool = False  # the desk is no longer as the staff member saw it: someone (or a double tap) was quicker


async def call_next(db: AsyncSession, session_id: int, desk: int, now: dt.datetime, *,
                    seen: frozenset[int] | None = None) -> CallOutcome:
    """Finish the one served at this desk and call the first waiting number to it.

    `seen` is who the staff member saw at their desk when they tapped (the tickets' ids; empty: nobody).
    If the desk has changed since, nothing happens: a second tap, or a colleague at the same desk,
    must neither call a second number nor end a service they did not see.
    """
    queue_session = await lock_session(db, session_id)
    if queue_session.closed_at is not None:
        raise QueueClosed(session_id)
    here = await at_desk(db, session_id, desk)
    if seen is not None and {ticket.id for ticket in here} != seen:
        return CallOutcome(changed=True)
    for ticket in here:
        if ticket.status == CALLED:
            return CallOutcome(unmarked=ticket)
        ticket.finished_at = now  # the one served here is done
    return CallOutcome(called=await _call_first_waiting(db, queue_session, desk, now))


async def _call_first_waiting(db: AsyncSession, queue_session: QueueSession, desk: int, now: dt.datetime
                              ) -> QueueTicket | None:
    ticket = await db.scalar(
        select(QueueTicket).where(QueueTicket.session_id == queue_session.id, QueueTicket.status == WAITING)
        .order_by(QueueTicket.number).limit(1))
    if ticket is None:
        return None
    ticket.status, ticket.desk = CALLED, desk
    ticket.called_at = ticket.last_called_at = now
    await tell_turn(db, ticket, now)
    await tell_soon(db, queue_session, now)
    return ticket


async def at_desk(db: AsyncSession, session_id: int, desk: int) -> list[QueueTicket]:
    """Who is at this desk now: called and not yet marked, or served and not yet done."""
    return list(await db.scalars(select(QueueTicket).where(
        QueueTicket.session_id == session_id, QueueTicket.desk == desk, QueueTicket.finished_at.is_(None),
        QueueTicket.status.in_((CALLED, SERVED)))))


async def _still_called(db: AsyncSession, ticket_id: int) -> QueueTicket | None:
    """The ticket, under its session's lock, if it is still called (not marked by another tap)."""
    ticket = await db.get(QueueTicket, ticket_id)
    if ticket is None:
        return None
    await lock_session(db, ticket.session_id)
    await db.refresh(ticket)
    return ticket if ticket.status == CALLED else None


async def ticket_by_id(db: AsyncSession, ticket_id: int) -> QueueTicket | None:
    return await db.get(QueueTicket, ticket_id)


def call_stamp(ticket: QueueTicket) -> int:
    """The ticket's latest call as whole microseconds since 1970: what a "call again" button saw."""
    assert ticket.last_called_at is not None
    return (ticket.last_called_at - EPOCH) // dt.timedelta(microseconds=1)


async def call_again(db: AsyncSession, ticket_id: int, now: dt.datetime, *,
                     seen: int | None = None) -> QueueTicket | None:
    """Call the same number once more; the no-show time starts again.

    With `seen` (its `call_stamp` when the button was shown), a second tap finds the number already
    called again and does nothing, so the resident is not written to twice.
    """
    ticket = await _still_called(db, ticket_id)
    if ticket is not None and seen is not None and call_stamp(ticket) != seen:
        return None
    if ticket is not None:
        ticket.last_called_at = now
        await tell_turn(db, ticket, now)
    return ticket


async def mark_served(db: AsyncSession, ticket_id: int, now: dt.datetime) -> QueueTicket | None:
    ticket = await _still_called(db, ticket_id)
    if ticket is not None:
        ticket.status, ticket.served_at = SERVED, now
    return ticket


async def mark_no_show(db: AsyncSession, ticket_id: int, now: dt.datetime) -> QueueTicket | None:
    ticket = await _still_called(db, ticket_id)
    if ticket is not None:
        await _no_show(db, ticket, now)
    return ticket


async def _no_show(db: AsyncSession, ticket: QueueTicket, now: dt.datetime) -> None:
    ticket.status, ticket.finished_at = NO_SHOW, now
    await tell(db, ticket, NO_SHOW_NOTICE, f"noshow:{ticket.id}", now)


async def expire_calls(db: AsyncSession, consultation: Consultation, queue_session: QueueSession,
                       now: dt.datetime) -> list[QueueTicket]:
    """Called residents who did not come in time become no-shows, and their desk calls the next.

    The caller holds the session lock.
    """
    deadline = now - dt.timedelta(minutes=consultation.no_show_minutes)
    late = list(await db.scalars(select(QueueTicket).where(
        QueueTicket.session_id == queue_session.id, QueueTicket.status == CALLED,
        QueueTicket.last_called_at <= deadline).order_by(QueueTicket.number)))
    for ticket in late:
        await _no_show(db, ticket, now)
        if queue_session.closed_at is None and ticket.desk is not None:
            await _call_first_waiting(db, queue_session, ticket.desk, now)
    return late


async def close_session(db: AsyncSession, session_id: int, now: dt.datetime, *, tell_waiting: bool = True) -> int:
    """Close: nobody new can take a number; those still waiting are told politely. Returns how many waited."""
    queue_session = await lock_session(db, session_id)
    if queue_session.closed_at is None:
        queue_session.closed_at = now
    left = list(await db.scalars(select(QueueTicket).where(
        QueueTicket.session_id == session_id, QueueTicket.finished_at.is_(None),
        QueueTicket.status.in_((*ACTIVE, SERVED)))))
    waited = 0
    for ticket in left:
        ticket.finished_at = now
        if ticket.status in ACTIVE:
            ticket.status = UNSERVED
            waited += 1
            if tell_waiting:
                await tell(db, ticket, CLOSED, f"closed:{ticket.id}", now, session=session_id)
    return waited


async def queue_of(db: AsyncSession, session_id: int) -> list[QueueTicket]:
    """Waiting and at a desk, in order: what staff see (numbers, topics, interpreters; no names)."""
    return list(await db.scalars(select(QueueTicket).where(
        QueueTicket.session_id == session_id, QueueTicket.finished_at.is_(None),
        QueueTicket.status.in_((*ACTIVE, SERVED))).order_by(QueueTicket.number)))
