"""The questions' tables: one conversation per question, its messages both ways, and staff's internal notes.

A question is personal data: it hangs off the resident with a cascading delete (erasing a person erases
their questions) and is deleted a stated time after it is done (bot/questions/retention.py). Staff notes
are never shown to residents. Timestamps are UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base

NEW, OPEN, WAITING, DONE, WITHDRAWN = "new", "open", "waiting", "done", "withdrawn"
STATUSES = (NEW, OPEN, WAITING, DONE, WITHDRAWN)
ACTIVE = (NEW, OPEN, WAITING)
RESIDENT, STAFF = "resident", "staff"


class Question(Base):
    """A resident's question and where it stands: new (nobody has answered), open (staff work on it, or the
    resident wrote again), waiting (for the resident), done, or withdrawn by the resident."""

    __tablename__ = "questions"
    # The inbox pages by status and age, or over every status by age (bot/questions/inbox.py).
    __table_args__ = (Index("ix_questions_quarter_status", "quarter", "status", "updated_at"),
                      Index("ix_questions_quarter_updated", "quarter", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # short, for the resident and staff chats
    quarter: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(16))  # the resident's language when they asked
    status: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str] = mapped_column(String(40), default="")  # set by staff when done, for the figures
    assigned_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    first_answer_at: Mapped[dt.datetime | None]  # for "time to first answer"
    closed_at: Mapped[dt.datetime | None]  # done or withdrawn: the keeping time runs from here

    messages: Mapped[list[QuestionMessage]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin", order_by="QuestionMessage.id")


class QuestionMessage(Base):
    """One message of the conversation: the resident's words or a staff answer, with its language."""

    __tablename__ = "question_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))  # resident or staff
    account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False)  # shown as such to the resident
    # German beside the text for staff: a resident's words machine-translated (kept, so it is asked once), or
    # the German a staff member wrote before it was machine-translated into `text`.
    german: Mapped[str | None] = mapped_column(Text)
    # The language a detector reads in a resident's text, where it differs from `language` (staff see it).
    detected_language: Mapped[str | None] = mapped_column(String(16))
    # An offer (by key) or event (by id) sent with a staff answer ("offer:sozialberatung-horst", "event:5"): its
    # card goes out in the resident's language when the answer is sent.
    card: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime]


class QuestionNote(Base):
    """Staff's internal note on a question; residents never see it, and it goes with the question."""

    __tablename__ = "question_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class PreparedAnswer(Base):
    """A text module staff send with one click, written once in every language (`texts`: code → text), so a
    resident gets a human-written answer in their language from staff who do not speak it."""

    __tablename__ = "prepared_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(120))  # staff's name for it, in German
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
