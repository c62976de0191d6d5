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

from sqlalchemy import case, func, literal, select, union_all
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
    _sorted: list[float] | None = field(default=None, repr=False, compare=False)

    @property
    def tickets(self) -> int:
        return sum(self.statuses.values())

    @property
    def no_show_rate(self) -> float | None:
        called = self.statuses[SERVED] + self.statuses[NO_SHOW]
        return self.statuses[NO_SHOW] / called if called else None

    @property
    def wait_median(self) -> float | None:
        return statistics.median(self._ordered()) if self.waits else None

    @property
    def wait_p90(self) -> float | None:
        ordered = self._ordered()
        if len(ordered) < 2:
            return ordered[0] if ordered else None
        return statistics.quantiles(ordered, n=10, method="inclusive")[8]

    def _ordered(self) -> list[float]:
        """The waits sorted, once (a year's total holds tens of thousands)."""
        if self._sorted is None or len(self._sorted) != len(self.waits):
            self._sorted = sorted(self.waits)
        return self._sorted

    def merge(self, other: Figures) -> None:
        self.waits += other.waits
        self.statuses.update(other.statuses)
        self.topics.update(other.topics)
        self.interpreters.update(other.interpreters)
        self.walk_ins += other.walk_ins

    def add(self, kind: str, key: str, count: int, walk_ins: int) -> None:
        """One count of the database's: tickets of a status (and the walk-ins among them), of a topic, of an
        interpreter language."""
        if kind == "status":
            self.statuses[key] += count
            self.walk_ins += walk_ins
        elif kind == "topic":
            self.topics[key] += count
        else:
            self.interpreters[key] += count


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
    ticket = QueueTicket
    walk_ins = func.sum(case((ticket.walk_in, 1), else_=0))
    counts = await connection.execute(union_all(  # three small counts rather than one of every combination
        select(ticket.session_id, literal("status"), ticket.status, func.count(), walk_ins)
        .where(ticket.session_id.in_(chosen)).group_by(ticket.session_id, ticket.status),
        select(ticket.session_id, literal("topic"), ticket.topic, func.count(), literal(0))
        .where(ticket.session_id.in_(chosen)).group_by(ticket.session_id, ticket.topic),
        select(ticket.session_id, literal("interpreter"), ticket.interpreter, func.count(), literal(0))
        .where(ticket.session_id.in_(chosen), ticket.interpreter != "").group_by(ticket.session_id,
                                                                                 ticket.interpreter)))
    for session_id, kind, key, count, walked_in in counts.all():
        per_session[session_id].add(kind, key, count, int(walked_in or 0))
        total.add(kind, key, count, int(walked_in or 0))
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
