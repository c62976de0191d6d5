"""The surveys' tables: versions of a survey, the anonymous responses and answers, who took part, sign-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.db.types import RandomId, random_id


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
