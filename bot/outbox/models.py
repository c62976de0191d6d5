"""The outbox's table: messages waiting to be sent, replies and proactive messages alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class OutboxMessage(Base):
    """One proactive message. The database is the truth: sent once, retried, or given up with a reason.

    The text is rendered when it is sent, in the resident's language of that moment, from `kind`
    and `payload`; `idempotency_key` makes scheduling the same message twice impossible.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column()
    due_at: Mapped[dt.datetime]
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, sending, sent, failed, dropped, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    # The process sending it while "sending" (see outbox/owner.py), so that a crash's messages go out at once.
    claimed_by: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
