"""The Sprechstunde queue: consultation hours as imported, their sessions, and the tickets taken.

A ticket keeps its figures (topic, interpreter language, times) for the city's controlling,
but its link to the resident is removed once the session day is over; walk-ins never have one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

WAITING, CALLED, SERVED, NO_SHOW = "waiting", "called", "served", "no_show"
CANCELLED, UNSERVED = "cancelled", "unserved"  # given up by the resident; still waiting when the session closed
ACTIVE = (WAITING, CALLED)


class Consultation(Base):
    """One kind of walk-in consultation hours (e.g. the Quartiersladen's), from sprechstunden.yaml."""

    __tablename__ = "consultations"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    titles: Mapped[dict[str, Any]] = mapped_column()  # language code → title
    # language code → fingerprint of the German title each title was made from (bot/content/texts.py); the
    # German title keeps its own. Null for titles from before this was kept: they count as current.
    title_sources: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Languages whose title was made with machine help or not by a native speaker: one should still check it.
    unreviewed: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    place: Mapped[str] = mapped_column(String(300))
    ticket_prefix: Mapped[str] = mapped_column(String(3))
    desks: Mapped[int] = mapped_column(Integer)
    numbers_before_minutes: Mapped[int] = mapped_column(Integer)
    no_show_minutes: Mapped[int] = mapped_column(Integer)
    late_minutes: Mapped[int] = mapped_column(Integer)
    minutes_per_person: Mapped[int] = mapped_column(Integer)
    topics: Mapped[list[str]] = mapped_column()
    # [{"weekday": 1, "start": "10:00", "end": "13:00", "languages": ["de", "tr"]}, …], Monday is 0
    weekly: Mapped[list[Any]] = mapped_column(JSON)
    closed_dates: Mapped[list[str]] = mapped_column()  # ISO dates
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


class QueueSession(Base):
    """One day's consultation hours, scheduled or opened ad hoc; it numbers its tickets without gaps."""

    __tablename__ = "queue_sessions"
    __table_args__ = (UniqueConstraint("consultation_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(index=True)  # the local date, for figures and for privacy
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    ad_hoc: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[dt.datetime | None]  # staff opened it before its time (or ad hoc)
    closed_at: Mapped[dt.datetime | None]
    languages: Mapped[list[str]] = mapped_column()  # interpreter languages offered that day
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    links_removed_at: Mapped[dt.datetime | None]


class QueueTicket(Base):
    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("session_id", "number"),
        UniqueConstraint("session_id", "walk_in_key"),
        Index("ix_queue_tickets_resident_status", "resident_id", "status"),
        Index("ix_queue_tickets_session_status", "session_id", "status", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("queue_sessions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    topic: Mapped[str] = mapped_column(String(30))
    interpreter: Mapped[str] = mapped_column(String(16), default="")  # a language code, or "" for none
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime]
    called_at: Mapped[dt.datetime | None]  # first call: the end of the wait
    last_called_at: Mapped[dt.datetime | None]  # the no-show time runs from the latest call
    desk: Mapped[int | None] = mapped_column(Integer)
    served_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    soon_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    # A random key of the back-office form that gave a walk-in its number: the same form sent twice gives one.
    walk_in_key: Mapped[str | None] = mapped_column(String(32))


class WaitingRoomScreen(Base):
    """The link that shows a quarter's queue on the waiting room's screen, without a login.

    Only the SHA-256 of its random token is kept: the database (or a backup) does not hold a working link.
    Renewing replaces the hash, so the old link stops at once.
    """

    __tablename__ = "waiting_room_screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime]  # noted at most hourly; a link unused for long is deleted
