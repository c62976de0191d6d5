"""The events' tables: dates with their texts per language, registrations, reminders and topic followers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base


class Event(Base):
    """An event or a series; occurrences are computed from the local start and the recurrence."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20), default="meeting")
    start_local: Mapped[str] = mapped_column(String(16))  # wall-clock time in the bot's zone: 2026-12-01T18:00
    duration_minutes: Mapped[int] = mapped_column(Integer)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    place_name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    organiser: Mapped[str] = mapped_column(String(120))
    languages: Mapped[list[str]] = mapped_column(default=list)
    target_groups: Mapped[list[str]] = mapped_column(default=list)
    cost: Mapped[str] = mapped_column(String(10), default="free")
    barrier_free: Mapped[str] = mapped_column(String(8), default="unknown")
    registration_required: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_dates: Mapped[list[str]] = mapped_column(default=list)  # single dates of a series that do not happen
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    texts: Mapped[list[EventText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


EVENT_TEXT_FIELDS = ("title", "description")  # an event's words in one language


class EventText(Base):
    __tablename__ = "event_texts"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    # The German text this translation was made from (bot/content/texts.py): outdated when that changes.
    source_fingerprint: Mapped[str | None] = mapped_column(String(16))
    # False: made with machine help or not by a native speaker; a native speaker should still check it.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class EventRegistration(Base):
    """A seat (or a place on the waiting list) for one occurrence, identified by its local date.

    After the event the resident link is removed (retention); the row stays for the figures.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "occurrence", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(10))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # "registered" or "waiting"
    created_at: Mapped[dt.datetime]


class EventReminder(Base):
    """A resident's wish to be reminded `offset_minutes` before one occurrence."""

    __tablename__ = "event_reminders"
    __table_args__ = (UniqueConstraint("event_id", "occurrence", "resident_id", "offset_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(10))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    offset_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]


class TopicSubscription(Base):
    """"Tell me about new events for families / for seniors / in my language": a consent, with the
    version of the text the resident agreed to and when (`created_at`)."""

    __tablename__ = "topic_subscriptions"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    consent_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime]
