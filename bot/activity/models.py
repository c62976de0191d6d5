"""Counts of what the bot did, without anybody in them: residents reached per month, messages sent per day."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class ActivityCount(Base):
    """One count of a measure on a day, per channel and language.

    Measures: "reached" (residents who wrote to the bot in a month; `day` is the first of that local month) and
    "sent:<kind>" (proactive messages of one kind sent on a local day, e.g. "sent:event_reminder", kept here when
    the outbox deletes its rows). No resident, no id, no time finer than the day, and (like `unmet_searches`) no
    hidden rowid on SQLite, so not even the order of the first counts of a day can be read from it.
    """

    __tablename__ = "activity_counts"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    quarter: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when not chosen yet
    count: Mapped[int] = mapped_column(Integer)
