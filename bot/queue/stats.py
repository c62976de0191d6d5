"""The queue's figures for the city's controlling, without anybody in them: the figures pages' Sprechstunde
tables (bot/figures/queue.py) and `quartiersbot queue stats` both count here.

Waiting time is from taking the number to the first call; the no-show rate is of those called.
Only tickets and times are read, never who held them, so the figures survive the unlinking.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import epoch_seconds
from bot.queue.models import CANCELLED, NO_SHOW, SERVED, UNSERVED, Consultation, QueueSession, QueueTicket
from bot.queue.schema import TOPICS


@dataclass
class Figures:
    """One session's figures, or (with `day` None) all sessions together."""

    day: dt.date | None
    consultation: str
    start: str
    waits: list[float] = field(default_factory=list)  # minutes
    statuses: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    interpreters: Counter[str] = field(default_factory=Counter)
    walk_ins: int = 0

    @property
    def tickets(self) -> int:
        return sum(self.statuses.values())

    @property
    def no_show_rate(self) -> float | None:
        called = self.statuses[SERVED] + self.statuses[NO_SHOW]
        return self.statuses[NO_SHOW] / called if called else None

    @property
    def wait_median(self) -> float | None:
        return statistics.median(self.waits) if self.waits else None

    def merge(self, other: Figures) -> None:
        self.waits += other.waits
        self.statuses.update(other.statuses)
        self.topics.update(other.topics)
        self.interpreters.update(other.interpreters)
        self.walk_ins += other.walk_ins

    @property
    def wait_p90(self) -> float | None:
        if len(self.waits) < 2:
            return self.waits[0] if self.waits else None
        return statistics.quantiles(self.waits, n=10, method="inclusive")[8]

    def add(self, status: str, topic: str, interpreter: str, walk_in: bool, count: int) -> None:
        """`count` tickets alike (one group of the database's count)."""
        self.statuses[status] += count
        self.topics[topic] += count
        if interpreter:
            self.interpreters[interpreter] += count
        self.walk_ins += count if walk_in else 0


async def figures(db: AsyncSession, quarter: str, first: dt.date | None, last: dt.date | None,
                  zone: dt.tzinfo) -> tuple[list[Figures], Figures]:
    """Per session in date order, and the total.

    Counted in SQL (a year holds tens of thousands of tickets): one count per session and kind of ticket, and
    the waits as plain numbers, never a ticket as an object."""
    query = (select(QueueSession.id, QueueSession.day, QueueSession.starts_at, Consultation.key)
             .join(Consultation, Consultation.id == QueueSession.consultation_id)
             .where(Consultation.quarter == quarter).order_by(QueueSession.starts_at, QueueSession.id))
    if first is not None:
        query = query.where(QueueSession.day >= first)
    if last is not None:
        query = query.where(QueueSession.day <= last)
    sessions = (await db.execute(query)).all()
    per_session = {row.id: Figures(row.day, row.key, row.starts_at.astimezone(zone).strftime("%H:%M"))
                   for row in sessions}
    total = Figures(None, "", "")
    if not per_session:
        return [], total
    chosen = query.with_only_columns(QueueSession.id).order_by(None).scalar_subquery()
    connection = await db.connection()  # Core rows: a year holds tens of thousands of waits
    counts = await connection.execute(
        select(QueueTicket.session_id, QueueTicket.status, QueueTicket.topic, QueueTicket.interpreter,
               QueueTicket.walk_in, func.count())
        .where(QueueTicket.session_id.in_(chosen))
        .group_by(QueueTicket.session_id, QueueTicket.status, QueueTicket.topic, QueueTicket.interpreter,
                  QueueTicket.walk_in))
    for session_id, status, topic, interpreter, walk_in, count in counts.all():
        per_session[session_id].add(status, topic, interpreter, walk_in, count)
        total.add(status, topic, interpreter, walk_in, count)
    wait = epoch_seconds(db, QueueTicket.called_at) - epoch_seconds(db, QueueTicket.created_at)
    waits = await connection.execute(select(QueueTicket.session_id, wait).where(
        QueueTicket.session_id.in_(chosen), QueueTicket.called_at.is_not(None)))
    for session_id, seconds in waits.all():
        minutes = round(float(seconds)) / 60  # whole seconds: the float arithmetic of SQLite's dates aside
        per_session[session_id].waits.append(minutes)
        total.waits.append(minutes)
    return list(per_session.values()), total


async def session_days(db: AsyncSession, quarter: str) -> tuple[dt.date | None, dt.date | None]:
    """The first and the last day with a session: the whole period there are figures for."""
    first, last = (await db.execute(
        select(func.min(QueueSession.day), func.max(QueueSession.day))
        .join(Consultation, Consultation.id == QueueSession.consultation_id)
        .where(Consultation.quarter == quarter))).one()
    return first, last


def per_week(rows: list[Figures]) -> dict[dt.date, Figures]:
    """The sessions' figures added up by the Monday of their week."""
    weeks: dict[dt.date, Figures] = {}
    for row in rows:
        assert row.day is not None
        monday = row.day - dt.timedelta(days=row.day.weekday())
        week = weeks.setdefault(monday, Figures(monday, "", ""))
        week.merge(row)
    return dict(sorted(weeks.items()))


STATUS_COLUMNS = (SERVED, NO_SHOW, CANCELLED, UNSERVED)


def as_csv(rows: list[Figures], total: Figures) -> str:
    """One row per session (and one for all), with a column per topic and interpreter language."""
    languages = sorted(total.interpreters)
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["date", "start", "consultation", "tickets", *STATUS_COLUMNS, "walk_ins", "no_show_rate",
                     "wait_median_minutes", "wait_p90_minutes", *(f"topic_{topic}" for topic in TOPICS),
                     *(f"interpreter_{code}" for code in languages)])
    for row in [*rows, total]:
        writer.writerow([row.day.isoformat() if row.day else "all", row.start, row.consultation, row.tickets,
                         *(row.statuses[status] for status in STATUS_COLUMNS), row.walk_ins,
                         _number(row.no_show_rate, 3), _number(row.wait_median, 1), _number(row.wait_p90, 1),
                         *(row.topics[topic] for topic in TOPICS), *(row.interpreters[code] for code in languages)])
    return output.getvalue()


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
