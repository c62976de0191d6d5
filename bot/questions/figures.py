"""Figures on residents' questions for the city's controlling: how many, on what, in which languages, and how
quickly the team answered. Counts and durations only: no text, no resident.

"Working days" are Monday to Friday without the public holidays of North Rhine-Westphalia, counted from the day
a question came in: with two working days, a question asked on Friday or Saturday has until Tuesday evening.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import epoch_seconds
from bot.questions.models import Question

STATE = "NW"


@dataclass
class QuestionFigures:
    total: int = 0
    per_week: dict[str, int] = field(default_factory=dict)  # ISO week "2026-W49" → questions asked
    by_topic: dict[str, int] = field(default_factory=dict)  # done questions by staff's topic
    by_language: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    median_hours: float | None = None  # time to the first answer
    p90_hours: float | None = None
    within_days: int = 2
    share_within: float | None = None  # of the answered and the overdue unanswered ones


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.Germany(subdiv=STATE, years=year)


def working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def deadline(asked: dt.datetime, days: int, zone: ZoneInfo) -> dt.datetime:
    """The end (local midnight) of the `days`-th working day after the day a question was asked."""
    return _deadline_of_day(asked.astimezone(zone).date(), days, zone)


@lru_cache(maxsize=4096)
def _deadline_of_day(day: dt.date, days: int, zone: ZoneInfo) -> dt.datetime:
    """Per local day, so tens of thousands of questions cost a few hundred counts (the figures page)."""
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += working_day(day)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)


@lru_cache(maxsize=4096)
def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def question_figures(session: AsyncSession, quarter: str, start: dt.datetime, end: dt.datetime,
                           now: dt.datetime, zone: ZoneInfo, within_days: int = 2) -> QuestionFigures:
    """Questions asked in [start, end).

    Languages and topics are counted in SQL; for the weeks and answer times each question is read as two
    numbers (seconds since 1970 of asking and of the first answer), never as an object, so a year's questions
    are read quickly."""
    period = (Question.quarter == quarter, Question.created_at >= start, Question.created_at < end)
    languages = (await session.execute(select(Question.language, func.count()).where(*period)
                                       .group_by(Question.language))).all()
    topics = (await session.execute(select(Question.topic, func.count()).where(*period, Question.status == "done")
                                    .group_by(Question.topic))).all()
    connection = await session.connection()  # Core rows: a year holds thousands of questions
    rows = (await connection.execute(
        select(epoch_seconds(session, Question.created_at), epoch_seconds(session, Question.first_answer_at),
               Question.status == "withdrawn").where(*period))).all()
    figures = QuestionFigures(total=len(rows), within_days=within_days)
    weeks: Counter[str] = Counter()
    hours: list[float] = []
    in_time = judged = 0
    moment = now.timestamp()
    for created, first_answer, withdrawn in rows:
        local_day = _local_day(int(created // 3600), zone)
        weeks[_week(local_day)] += 1
        limit = _deadline_of_day(local_day, within_days, zone).timestamp()
        if first_answer is not None:
            seconds = round(first_answer - created, 3)  # SQLite's date arithmetic is a float
            hours.append(seconds / 3600)
            judged += 1
            in_time += round(first_answer, 3) <= limit
        elif moment > limit and not withdrawn:
            judged += 1  # unanswered past the deadline counts as late
    figures.per_week = dict(sorted(weeks.items()))
    figures.by_topic = dict(Counter({topic or "-": count for topic, count in _merged(topics)}).most_common())
    figures.by_language = dict(Counter(dict(languages)).most_common())
    figures.answered = len(hours)
    if hours:
        figures.median_hours = statistics.median(hours)
        figures.p90_hours = statistics.quantiles(hours, n=10, method="inclusive")[-1] if len(hours) > 1 else hours[0]
    figures.share_within = in_time / judged if judged else None
    return figures


def _merged(topics: list[Any]) -> list[tuple[str, int]]:
    """No topic ("" or none) is one topic."""
    merged: Counter[str] = Counter()
    for topic, count in topics:
        merged[topic or ""] += count
    return list(merged.items())


@lru_cache(maxsize=65536)
def _local_day(hour: int, zone: ZoneInfo) -> dt.date:
    """The local day of an hour since 1970 (UTC): a local day is made of whole hours in Europe/Berlin."""
    return dt.datetime.fromtimestamp(hour * 3600, dt.UTC).astimezone(zone).date()


def every_week(figures: QuestionFigures, first_day: dt.date, last_day: dt.date) -> list[tuple[str, int]]:
    """Each ISO week the period touches, with its questions: weeks without any show as 0, not as a gap."""
    weeks: dict[str, int] = {}
    day = first_day - dt.timedelta(days=first_day.weekday())
    while day <= last_day:
        year, week, _ = day.isocalendar()
        label = f"{year}-W{week:02d}"
        weeks[label] = figures.per_week.get(label, 0)
        day += dt.timedelta(days=7)
    return list(weeks.items())


def as_csv(figures: QuestionFigures, first_day: dt.date, last_day: dt.date) -> str:
    """The figures as rows of (figure, key, value), so every part fits one table: the period, the totals, then
    one row per week, topic and language. Durations in hours, the share as a fraction."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["figure", "key", "value"])
    writer.writerow(["period", "from", first_day.isoformat()])
    writer.writerow(["period", "to", last_day.isoformat()])
    writer.writerow(["questions", "total", figures.total])
    writer.writerow(["questions", "answered", figures.answered])
    writer.writerow(["first_answer_hours", "median", _number(figures.median_hours, 1)])
    writer.writerow(["first_answer_hours", "p90", _number(figures.p90_hours, 1)])
    writer.writerow(["answered_within_working_days", figures.within_days, _number(figures.share_within, 3)])
    writer.writerows(["week", week, count] for week, count in every_week(figures, first_day, last_day))
    writer.writerows(["topic", topic, count] for topic, count in figures.by_topic.items())
    writer.writerows(["language", language, count] for language, count in figures.by_language.items())
    return output.getvalue()


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
