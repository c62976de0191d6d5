"""The shared database: residents and their conversations, content, and what staff review.

Rules that keep it safe to grow: everything personal hangs off `Resident` with a cascading
delete, so erasing a person is one delete; content rows carry a `quarter` so several quarters
can share one deployment; timestamps are UTC. The Sprechstunde queue's tables are in `queue_models`, loaded with these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.db.types import RandomId, random_id


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


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), default="horst", index=True)
    key: Mapped[str] = mapped_column(String(40))
    icon: Mapped[str] = mapped_column(String(8), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]

    texts: Mapped[list[CategoryText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class CategoryText(Base):
    __tablename__ = "category_texts"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    synonyms: Mapped[list[str]] = mapped_column(default=list)


class Offer(Base):
    """A local offer; opening hours are structured so "open now" can be computed."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), default="horst", index=True)
    key: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    by_appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    temporarily_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_dates: Mapped[list[str]] = mapped_column(default=list)
    barrier_free: Mapped[str] = mapped_column(String(8), default="unknown")
    languages: Mapped[list[str]] = mapped_column(default=list)
    target_groups: Mapped[list[str]] = mapped_column(default=list)
    cost: Mapped[str] = mapped_column(String(10), default="free")
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    texts: Mapped[list[OfferText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    slots: Mapped[list[OpeningSlot]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="(OpeningSlot.weekday, OpeningSlot.opens_minute)",
    )


class OfferText(Base):
    __tablename__ = "offer_texts"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    cost_note: Mapped[str] = mapped_column(String(200), default="")
    hours_note: Mapped[str] = mapped_column(String(200), default="")
    keywords: Mapped[list[str]] = mapped_column(default=list)


class OpeningSlot(Base):
    """One opening period on a weekday (0 = Monday), in minutes after local midnight (1440 = 24:00)."""

    __tablename__ = "opening_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens_minute: Mapped[int] = mapped_column(Integer)
    closes_minute: Mapped[int] = mapped_column(Integer)


class ProcessedEvent(Base):
    """Platform events already answered (e.g. Matrix event ids), so a replay is never answered twice.

    Written in the same transaction as the answer; holds no link to the resident.
    """

    __tablename__ = "processed_events"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(index=True)


class UnmetSearch(Base):
    """Searches that found nothing, counted per week, words and language: what staff need, no person.

    No row id, no time finer than the week and no link to anyone: a search is only a count
    added to the row of its words (see bot/offers/unmet.py, which also keeps personal-looking
    text out). SQLite keeps the table without a hidden rowid, so not even the order of the
    first searches of the week can be read from it.
    """

    __tablename__ = "unmet_searches"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    quarter: Mapped[str] = mapped_column(String(40), primary_key=True)
    week: Mapped[dt.date] = mapped_column(primary_key=True)  # the Monday of the week, local time
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    text: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class Survey(Base):
    """One version of a survey definition; a changed file after answers exist makes a new version."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("quarter", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column()
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime]


class SurveyResponse(Base):
    """One resident's answers to one survey version; linked to the resident only while in progress.

    While the resident answers, `resident_id` lets them continue. On completion (or when the
    response is abandoned) the link is removed and the dates are coarsened to the first day of
    their month; the id is random, so neither ids nor dates nor row order tell whose answers
    these are or when they were given. That the resident took part is kept apart, in
    `SurveyParticipation`, which does not point at the response.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "resident_id"),)

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[dt.date]
    updated_on: Mapped[dt.date] = mapped_column(index=True)
    completed_on: Mapped[dt.date | None]

    answers: Mapped[list[SurveyAnswer]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class SurveyAnswer(Base):
    """The answer to one question: an option key, a list of them, a number or a text.

    `status` is "answered", "skipped", or "picking" while a multiple choice is not yet done.
    Without a hidden rowid on SQLite, so the order in which answers were given is not kept.
    """

    __tablename__ = "survey_answers"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    response_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(24), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    text_language: Mapped[str | None] = mapped_column(String(16))


class SurveyParticipation(Base):
    """That a resident completed a survey version: all that one-answer-per-resident needs.

    Deliberately nothing else: no response id, no date, no language, and no hidden rowid on
    SQLite, so it cannot be joined to the anonymous answers. Erased with the resident.
    """

    __tablename__ = "survey_participations"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class SurveySignup(Base):
    """Someone who would help organise something: contact details with their own consent.

    Kept apart from the answers on purpose; nothing links a sign-up to a response. The resident
    link lets them see, withdraw and erase it in the chat; it goes with the resident.
    """

    __tablename__ = "survey_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    contact: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(16))
    consent_version: Mapped[int] = mapped_column(Integer)
    consented_at: Mapped[dt.datetime]


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


class EventText(Base):
    __tablename__ = "event_texts"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)


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


# The queue's tables join the same metadata whenever the models are loaded.
from bot.db.queue_models import Consultation, QueueSession, QueueTicket  # noqa: E402, F401
