"""The core's tables: residents, where they stand in a conversation, and the platform events answered.

Everything personal hangs off `Resident` with a cascading delete, so erasing a person is one delete;
timestamps are UTC. Each capability keeps its own tables in `bot/<capability>/models.py`; `bot.db.schema`
loads them all for the app and for Alembic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base


class Resident(Base):
    """A person writing to the bot on one channel; holds no name, only the channel's id."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # Set when the channel refuses delivery (the resident blocked the bot); cleared when they write.
    unreachable_since: Mapped[dt.datetime | None]
    # Where on their channel the resident last wrote from (a Matrix room id), so that proactive messages
    # follow the conversation into that chat, across restarts and processes. Erased with the resident.
    address: Mapped[str | None] = mapped_column(String(255))
    # The channel's id of the newest message the resident has from the bot (Telegram), so that the screen a
    # button leads to replaces it, whichever process answers and after a restart.
    screen_message: Mapped[str | None] = mapped_column(String(64))

    states: Mapped[list[ConversationState]] = relationship(
        back_populates="resident", cascade="all, delete-orphan", passive_deletes=True
    )


class ConversationState(Base):
    """Where a resident stands in one flow; a restart resumes from here."""

    __tablename__ = "conversation_states"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime]

    resident: Mapped[Resident] = relationship(back_populates="states")


class ProcessedEvent(Base):
    """Platform events already answered (e.g. Matrix event ids), so a replay is never answered twice.

    Written in the same transaction as the answer; holds no link to the resident.
    """

    __tablename__ = "processed_events"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(index=True)
