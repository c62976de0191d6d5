"""Writing proactive messages to the outbox and reading its state; the dispatcher sends them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_insert
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage

PENDING, SENDING, SENT, FAILED, DROPPED, CANCELLED = "pending", "sending", "sent", "failed", "dropped", "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, DROPPED, CANCELLED)


async def enqueue(session: AsyncSession, *, resident_id: int, channel: str, kind: str, payload: dict[str, Any],
                  due_at: dt.datetime, key: str, now: dt.datetime) -> bool:
    """Schedule a message; False when one with the same key exists (scheduled twice is scheduled once)."""
    result = await session.execute(
        dialect_insert(session, OutboxMessage).values(
            resident_id=resident_id, channel=channel, kind=kind, payload=payload, due_at=due_at,
            idempotency_key=key[:200], status=PENDING, attempts=0, next_attempt_at=due_at, last_error="",
            created_at=now,
        ).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_pending(session: AsyncSession, key_prefix: str, reason: str) -> int:
    """Withdraw messages not yet sent, e.g. the reminders of an event that was moved or cancelled."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.idempotency_key.startswith(key_prefix, autoescape=True))
        .values(status=CANCELLED, last_error=reason[:300])
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = (await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


async def reasons(session: AsyncSession, status: str) -> list[tuple[str, str, int]]:
    """(kind, reason, count) of failed or dropped messages, for staff."""
    rows = (await session.execute(
        select(OutboxMessage.kind, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.status == status)
        .group_by(OutboxMessage.kind, OutboxMessage.last_error)
        .order_by(func.count().desc())
    )).all()
    return [(kind, reason, count) for kind, reason, count in rows]


async def keep_reply(session: AsyncSession, *, resident_id: int, channel: str, key: str, payload: dict[str, Any],
                     now: dt.datetime, lease: dt.timedelta, owner: int | None = None) -> int:
    """The answer to a message, claimed at once by the process that sends it live (see conversation/durable)."""
    row = OutboxMessage(resident_id=resident_id, channel=channel, kind="reply", payload=payload, due_at=now,
                        idempotency_key=key[:200], status=SENDING, attempts=1, next_attempt_at=now + lease,
                        last_error="", created_at=now, claimed_by=owner)
    session.add(row)
    await session.flush()
    return row.id


async def mark_delivered(session: AsyncSession, message_id: int, values: dict[str, Any], *, delete: bool = False,
                         resident_id: int | None = None, screen: str | None = None) -> None:
    """Record how a send ended (`delete`: a sent reply, which is not kept), and the resident's newest message
    from the bot where the channel reported one."""
    if delete:
        await session.execute(sql_delete(OutboxMessage).where(OutboxMessage.id == message_id))
    else:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                              .values(**values, claimed_by=None))
    if screen is not None and resident_id is not None:
        await session.execute(update(Resident).where(Resident.id == resident_id).values(screen_message=screen))


async def overdue(session: AsyncSession, now: dt.datetime, late: dt.timedelta) -> int:
    """Messages that should have gone out more than `late` ago and are still waiting: a channel in trouble."""
    count = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.due_at < now - late))
    return int(count or 0)
