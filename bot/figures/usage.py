"""Inanspruchnahme as tables: events, residents reached and questions to the team (the Sprechstunde's tables are
in bot/figures/queue.py). Each is counted by its capability's own function, for the period and the one before."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.activity.counts import reached_per_month, sent_per_day
from bot.events.figures import EventFigures, event_figures
from bot.events.reminders import REMINDER
from bot.figures.common import CHANGE, PREVIOUS, compared, delta, month_label, months_within, paired, small
from bot.figures.labels import (
    CHANNEL_LABELS,
    QUESTION_TOPIC_LABELS,
    label,
    language_label,
    language_order,
)
from bot.figures.queue import THIS
from bot.figures.tables import Chart, Hours, Literal, Period, Share, Table, Value
from bot.i18n import N_
from bot.questions.figures import QuestionFigures, every_week, question_figures

CHANNEL_ORDER = ("telegram", "matrix", "console")


def _event_totals(figures: list[EventFigures], reminders: int) -> list[tuple[str, int]]:
    return [(N_("Dates held"), sum(item.held for item in figures)),
            (N_("Dates cancelled"), sum(item.cancelled for item in figures)),
            (N_("Seats taken"), sum(item.registered for item in figures)),
            (N_("On a waiting list"), sum(item.waiting for item in figures)),
            (N_("Reminders sent"), reminders)]


async def event_tables(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period,
                       now: dt.datetime) -> list[Table]:
    previous = period.previous()
    this = await event_figures(db, quarter, period.first, period.last, now, zone)
    before = await event_figures(db, quarter, previous.first, previous.last, now, zone)
    reminders = sum((await sent_per_day(db, quarter, REMINDER, period.first, period.last, zone)).values())
    reminders_before = sum((await sent_per_day(db, quarter, REMINDER, previous.first, previous.last, zone)).values())
    summary = Table(
        "events-summary", N_("Events at a glance"),
        N_("Dates of events in the period: held (started and not cancelled) and cancelled (a cancelled event counts "
           "all its dates as cancelled); seats taken and places on a waiting list as they stand for those dates "
           "(a registration given back is not counted); reminders the bot sent to residents."),
        (N_("Figure"), THIS, PREVIOUS, CHANGE),
        tuple(compared(name, value, old) for (name, value), (_, old)
              in zip(_event_totals(this, reminders), _event_totals(before, reminders_before), strict=True)))
    by_key_before = {item.key: item for item in before}
    keys = sorted({item.key for item in this} | set(by_key_before))
    by_key = {item.key: item for item in this}
    rows = []
    for key in keys:
        now_figures = by_key.get(key) or EventFigures(key, by_key_before[key].title)
        old = by_key_before.get(key) or EventFigures(key, now_figures.title)
        rows.append((Literal(now_figures.title), now_figures.held, now_figures.cancelled, now_figures.registered,
                     now_figures.waiting, old.registered, delta(now_figures.registered, old.registered)))
    per_event = Table(
        "events-per-event", N_("Events"),
        N_("Each event with a date in either period, by its German title: dates held and cancelled, seats taken and "
           "the waiting list in this period, and the seats taken in the previous period."),
        (N_("Event"), N_("Dates held"), N_("Dates cancelled"), N_("Seats taken"), N_("On a waiting list"),
         N_("Seats taken (previous period)"), CHANGE),
        tuple(rows), chart=Chart(0, (3, 5)), note="" if rows else N_("No event dates in either period."))
    return [summary, per_event]


def _reach_rows(counts: list[tuple[dt.date, str, str, int]], months: list[dt.date], index: int,
                keys: list[str]) -> list[tuple[Value, ...]]:
    """One row per month: a column per key (the channel or the language), small cells hidden, then all."""
    cells: Counter[tuple[dt.date, str]] = Counter()
    totals: Counter[dt.date] = Counter()
    for month, channel, language, count in counts:
        cells[(month, (channel, language)[index])] += count
        totals[month] += count
    return [(month_label(month), *(small(cells[(month, key)]) for key in keys), totals[month]) for month in months]


async def reach_tables(db: AsyncSession, quarter: str, period: Period) -> list[Table]:
    previous = period.previous()
    months, months_before = months_within(period), months_within(previous)
    this = await reached_per_month(db, quarter, months[0], months[-1]) if months else []
    before = await reached_per_month(db, quarter, months_before[0], months_before[-1]) if months_before else []
    explanation = N_(
        "Residents who wrote to the bot (a message or a button) in a calendar month, each counted once a month, "
        "under the channel they wrote on and the language they had chosen at their first message of the month. A "
        "month belongs to the period when most of its days lie in it. Cells of 1 to 4 residents show \"<5\"; the "
        "column \"all\" is exact. Counted since the version of the bot that brought this figure; months before it "
        "show nothing.")
    tables = []
    for key, title, index, names, order in (
            ("reach-channels", N_("Residents reached per month, by channel"), 0, CHANNEL_LABELS, CHANNEL_ORDER),
            ("reach-languages", N_("Residents reached per month, by language"), 1, None, ())):
        found = {row[1 + index] for row in [*this, *before]}
        keys = [*(item for item in order if item in found), *sorted(found - set(order))] if order \
            else language_order(found)
        heads = [label(names, item) if names is not None else language_label(item) for item in keys]
        now_rows = _reach_rows(this, months, index, keys)
        old_rows = [(row[0], row[-1]) for row in _reach_rows(before, months_before, index, keys)]
        tables.append(Table(
            key, title, explanation,
            (N_("Month"), *heads, N_("all"), N_("Month of the previous period"), N_("all (previous period)")),
            tuple(paired(now_rows, old_rows, len(keys) + 4)), chart=Chart(0, (len(keys) + 1, len(keys) + 3)),
            note="" if months else N_("No month has most of its days in this period.")))
    return tables


def _question_totals(figures: QuestionFigures) -> list[tuple[str, Value, str]]:
    hours = (None if figures.median_hours is None else Hours(figures.median_hours),
             None if figures.p90_hours is None else Hours(figures.p90_hours))
    return [(N_("Questions asked"), figures.total, ""), (N_("Answered"), figures.answered, ""),
            (N_("Time to the first answer, median"), hours[0], "hours"),
            (N_("Time to the first answer, 90th percentile"), hours[1], "hours"),
            (N_("Answered in time (within the working days promised)"),
             None if figures.share_within is None else Share(figures.share_within), "share")]


async def question_tables(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period, now: dt.datetime,
                          answer_days: int) -> list[Table]:
    previous = period.previous()
    this = await question_figures(db, quarter, *period.bounds(zone), now, zone, answer_days)
    before = await question_figures(db, quarter, *previous.bounds(zone), now, zone, answer_days)
    summary = Table(
        "questions-summary", N_("Questions to the team at a glance"),
        N_("Residents' questions to the team, counted by the day they were asked: no texts, no residents. The time "
           "to the first answer is in real hours, nights and weekends included. \"In time\" means within the "
           "working days promised to residents (QB_QUESTIONS_ANSWER_DAYS; Monday to Friday without the public "
           "holidays of North Rhine-Westphalia), of the answered questions and those still unanswered past that "
           "time."),
        (N_("Figure"), THIS, PREVIOUS, CHANGE),
        tuple((name, value, old, delta(value, old, unit)) for (name, value, unit), (_, old, _)
              in zip(_question_totals(this), _question_totals(before), strict=True)))
    weeks = Table(
        "questions-weeks", N_("Questions per week"),
        N_("Questions asked per calendar week, beside the matching week of the previous period."),
        (N_("Week"), N_("Questions"), N_("Week of the previous period"), N_("Questions (previous period)")),
        tuple(paired([(Literal(week), count) for week, count in every_week(this, period.first, period.last)],
                     [(Literal(week), count) for week, count in every_week(before, previous.first, previous.last)], 4)),
        chart=Chart(0, (1, 3)))
    topics = list(dict.fromkeys([*this.by_topic, *before.by_topic]))
    by_topic = Table(
        "questions-topics", N_("Done questions by topic"),
        N_("Questions done in the period by the topic staff gave them when closing them (a free topic as written)."),
        (N_("Topic"), THIS, PREVIOUS, CHANGE),
        tuple(compared(N_("no topic") if topic == "-" else label(QUESTION_TOPIC_LABELS, topic), this.by_topic,
                       before.by_topic, topic) for topic in topics),
        chart=Chart(0, (1, 2)), total=compared(N_("all"), sum(this.by_topic.values()), sum(before.by_topic.values())),
        note="" if topics else N_("No question of either period is done yet."))
    languages = language_order([*this.by_language, *before.by_language])
    by_language = Table(
        "questions-languages", N_("Questions by language"),
        N_("Questions by the language the resident uses with the bot."),
        (N_("Language"), THIS, PREVIOUS, CHANGE),
        tuple(compared(language_label(code), this.by_language, before.by_language, code) for code in languages),
        chart=Chart(0, (1, 2)), total=compared(N_("all"), this.total, before.total),
        note="" if languages else N_("No questions in either period."))
    return [summary, weeks, by_topic, by_language]
