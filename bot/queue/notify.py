"""The queue's proactive messages, scheduled in the same transaction as the change behind them.

Texts are written when sent (handlers/queue_notices.py); here only who gets which kind, once:
the idempotency keys make a repeated call or a retried transaction schedule nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Resident
from bot.outbox.store import enqueue
from bot.queue.models import WAITING, QueueSession, QueueTicket

SOON, TURN, CLOSED, NO_SHOW = "queue.soon", "queue.turn", "queue.closed", "queue.no_show"
KINDS = (SOON, TURN, CLOSED, NO_SHOW)
SOON_BEFORE = 2  # "2 people before you"


async def tell(db: AsyncSession, ticket: QueueTicket, kind: str, key: str, now: dt.datetime,
               **payload: Any) -> bool:
    """Schedule one message about a ticket to its resident; walk-ins (no resident) get none."""
    if ticket.resident_id is None:
        return False
    channel = await db.scalar(select(Resident.channel).where(Resident.id == ticket.resident_id))
    if channel is None:
        return False
    return await enqueue(db, resident_id=ticket.resident_id, channel=channel, kind=kind,
                         payload={"ticket": ticket.id, **payload}, due_at=now, key=f"queue:{key}", now=now)


async def tell_turn(db: AsyncSession, ticket: QueueTicket, now: dt.datetime) -> None:
    assert ticket.last_called_at is not None
    await tell(db, ticket, TURN, f"turn:{ticket.id}:{ticket.last_called_at.isoformat()}", now, desk=ticket.desk)


async def tell_soon(db: AsyncSession, queue_session: QueueSession, now: dt.datetime) -> int:
    """Tell those who have moved up to SOON_BEFORE people or fewer before them, each once."""
    waiting = list(await db.scalars(
        select(QueueTicket).where(QueueTicket.session_id == queue_session.id, QueueTicket.status == WAITING)
        .order_by(QueueTicket.number).limit(SOON_BEFORE + 1)))
    told = 0
    for before, ticket in enumerate(waiting):
        if not ticket.soon_notified:
            ticket.soon_notified = True
            told += await tell(db, ticket, SOON, f"soon:{ticket.id}", now, before=before)
    return told
