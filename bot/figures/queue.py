"""The Sprechstunde's figures as tables: the same counts `quartiersbot queue stats` prints (bot/queue/stats.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.figures.common import CHANGE, PREVIOUS, compared, delta, paired, week_label, weeks_touched
from bot.figures.labels import QUEUE_TOPIC_LABELS, label, language_label, language_order
from bot.figures.tables import Chart, Literal, Minutes, Period, Share, Table, Value
from bot.i18n import N_
from bot.queue.models import CANCELLED, NO_SHOW, SERVED, UNSERVED
from bot.queue.schema import TOPICS
from bot.queue.stats import Figures, figures, per_week

THIS = N_("this period")


def _minutes(value: float | None) -> Minutes | None:
    return None if value is None else Minutes(value)


def _share(value: float | None) -> Share | None:
    return None if value is None else Share(value)


def _summary_rows(rows: list[Figures], total: Figures) -> list[tuple[str, Value]]:
    return [
        (N_("Sessions held"), len(rows)),
        (N_("Numbers taken"), total.tickets),
        (N_("Served"), total.statuses[SERVED]),
        (N_("Did not come when called"), total.statuses[NO_SHOW]),
        (N_("Did not come, share of those called"), _share(total.no_show_rate)),
        (N_("Given up by residents"), total.statuses[CANCELLED]),
        (N_("Still waiting when the session closed"), total.statuses[UNSERVED]),
        (N_("Walk-ins (number without a phone)"), total.walk_ins),
        (N_("Interpreter requested"), sum(total.interpreters.values())),
        (N_("Waiting time, median"), _minutes(total.wait_median)),
        (N_("Waiting time, 90th percentile"), _minutes(total.wait_p90)),
    ]


def _unit(value: Value) -> str:
    return "minutes" if isinstance(value, Minutes) else "share" if isinstance(value, Share) else ""


def summary_table(rows: list[Figures], total: Figures, before: list[Figures], before_total: Figures) -> Table:
    now, then = _summary_rows(rows, total), _summary_rows(before, before_total)
    return Table(
        "queue-summary", N_("Sprechstunde at a glance"),
        N_("Waiting numbers of the Sprechstunde, counted by the day of their session. The waiting time runs from "
           "taking the number to the first call; \"did not come\" is counted of those called. Walk-ins got a "
           "number at the desk without a phone."),
        (N_("Figure"), THIS, PREVIOUS, CHANGE),
        tuple((name, value, old, delta(value, old, _unit(value)))
              for (name, value), (_, old) in zip(now, then, strict=True)))


def _week_row(week: dt.date, found: dict[dt.date, Figures]) -> tuple[Value, ...]:
    figures_of_week = found.get(week)
    if figures_of_week is None:
        return (week_label(week), 0, 0, 0, 0, None)
    return (week_label(week), figures_of_week.tickets, figures_of_week.statuses[SERVED],
            figures_of_week.statuses[NO_SHOW], figures_of_week.walk_ins, _minutes(figures_of_week.wait_median))


def weeks_table(rows: list[Figures], before: list[Figures], period: Period) -> Table:
    this_weeks, previous_weeks = per_week(rows), per_week(before)
    this = [_week_row(week, this_weeks) for week in weeks_touched(period)]
    previous = [(week_label(week), _week_row(week, previous_weeks)[1])
                for week in weeks_touched(period.previous())]
    return Table(
        "queue-weeks", N_("Sprechstunde per week"),
        N_("Numbers taken, served, not come and walk-ins per calendar week, with the median waiting time; beside "
           "them the numbers taken in the matching week of the previous period. The first and last week may be "
           "partial."),
        (N_("Week"), N_("Numbers taken"), N_("Served"), N_("Did not come"), N_("Walk-ins"),
         N_("Waiting time, median"), N_("Week of the previous period"), N_("Numbers taken (previous period)")),
        tuple(paired(this, previous, 8)), chart=Chart(0, (1, 7)))


def sessions_table(rows: list[Figures], total: Figures) -> Table:
    def line(item: Figures, day: Value) -> tuple[Value, ...]:
        return (day, Literal(item.start), Literal(item.consultation), item.tickets, item.statuses[SERVED],
                item.statuses[NO_SHOW], _share(item.no_show_rate), _minutes(item.wait_median),
                _minutes(item.wait_p90), item.walk_ins)

    return Table(
        "queue-sessions", N_("Sprechstunde per session"),
        N_("Every session of the period with its figures; sessions are not compared with the previous period one "
           "by one (see the tables above for that)."),
        (N_("Date"), N_("Start"), N_("Consultation"), N_("Numbers taken"), N_("Served"), N_("Did not come"),
         N_("Did not come, share of those called"), N_("Waiting time, median"), N_("Waiting time, 90th percentile"),
         N_("Walk-ins")),
        tuple(line(item, Literal(item.day.isoformat() if item.day else "")) for item in rows),
        total=line(total, N_("all")) if rows else None,
        note="" if rows else N_("No Sprechstunde sessions in this period."))


def _breakdown(key: str, title: str, explanation: str, heading: str, this: Counter[str], previous: Counter[str],
               keys: list[str], names: dict[str, str] | None) -> Table:
    rows = tuple(compared(label(names, item) if names is not None else language_label(item), this, previous, item)
                 for item in keys)
    return Table(key, title, explanation, (heading, THIS, PREVIOUS, CHANGE), rows, chart=Chart(0, (1, 2)),
                 total=compared(N_("all"), sum(this.values()), sum(previous.values())),
                 note="" if keys else N_("Nothing to count in either period."))


async def queue_tables(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period) -> list[Table]:
    previous = period.previous()
    rows, total = await figures(db, quarter, period.first, period.last, zone)
    before, before_total = await figures(db, quarter, previous.first, previous.last, zone)
    topics = [topic for topic in TOPICS if total.topics[topic] or before_total.topics[topic]]
    topics += sorted({*total.topics, *before_total.topics} - set(TOPICS))
    languages = language_order({*total.interpreters, *before_total.interpreters})
    return [
        summary_table(rows, total, before, before_total),
        weeks_table(rows, before, period),
        sessions_table(rows, total),
        _breakdown("queue-topics", N_("Sprechstunde topics"),
                   N_("The topic residents chose when they took a number (walk-ins: the topic staff chose)."),
                   N_("Topic"), total.topics, before_total.topics, topics, QUEUE_TOPIC_LABELS),
        _breakdown("queue-interpreters", N_("Interpreter languages requested"),
                   N_("Numbers taken with a wish for an interpreter, by language; a language not offered that day is "
                      "counted too."),
                   N_("Language"), total.interpreters, before_total.interpreters, languages, None),
    ]
