"""Unerfüllte Bedarfe as tables: what residents searched for and did not find, grouped by meaning across
languages (bot/offers/meaning.py), by week; input for the next year's goals."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from bot.figures.common import CHANGE, PREVIOUS, compared, delta, mondays_within, paired, week_label
from bot.figures.tables import Chart, Literal, Period, Table, Value
from bot.i18n import N_
from bot.offers.meaning import PERSONAL, Need, group, meanings_of
from bot.offers.unmet import unmet_between

THIS = N_("this period")
LISTED = 40  # needs in the table; the rest are counted in the summary
EXAMPLES = 4
TOP_OF_WEEK = 3


def _label(need: Need) -> Value:
    return N_("personal text, not stored") if need.key == PERSONAL else Literal(need.label)


async def unmet_tables(db: AsyncSession, quarter: str, period: Period) -> list[Table]:
    previous = period.previous()
    this_weeks, previous_weeks = mondays_within(period), mondays_within(previous)
    weeks = [*previous_weeks, *this_weeks]
    searches = await unmet_between(db, quarter, weeks[0], weeks[-1]) if weeks else []
    needs = group(await meanings_of(db, quarter), searches)
    in_period = set(this_weeks)
    counts = {key: (sum(count for week, count in need.weeks.items() if week in in_period), need.total)
              for key, need in needs.items()}
    counts = {key: (this, total - this) for key, (this, total) in counts.items()}
    names = (N_("Searches that found nothing"), N_("Different searched words"),
             N_("Needs (searches grouped by meaning)"), N_("Personal texts (counted, not stored)"))
    figures = []
    for index, weeks in enumerate((in_period, set(previous_weeks))):
        chosen = [row for row in searches if row[0] in weeks]
        figures.append([sum(row[3] for row in chosen), len({(row[1], row[2]) for row in chosen}),
                        sum(1 for key, both in counts.items() if key != PERSONAL and both[index]),
                        counts[PERSONAL][index] if PERSONAL in counts else 0])
    now_figures, old_figures = figures
    summary = Table(
        "unmet-summary", N_("Unmet needs at a glance"),
        N_("Searches in the chat that found no offer, counted by week (a week belongs to the period when most of "
           "its days lie in it); no resident is stored with them. A text that looked personal (a long sentence, a "
           "phone number, an address) was counted but not stored."),
        (N_("Figure"), THIS, PREVIOUS, CHANGE),
        tuple(compared(name, now, old) for name, now, old in zip(names, now_figures, old_figures, strict=True)))
    ranked = sorted(needs.values(), key=lambda need: (-counts[need.key][0], -counts[need.key][1], need.label))
    rows = []
    for need in ranked[:LISTED]:
        now, old = counts[need.key]
        examples = [] if need.key == PERSONAL else sorted(need.texts, key=lambda text: (-need.texts[text], text))[
            :EXAMPLES]
        rows.append((_label(need), Literal(", ".join(sorted(need.languages))), Literal(", ".join(examples)),
                     now, old, delta(now, old)))
    by_need = Table(
        "unmet-needs", N_("What residents looked for and did not find"),
        N_("Searches grouped by meaning across languages: by the needs vocabulary of the search (\"Auto\", "
           "\"araba\" and \"машина\" are one need, named by its first German word), else by the same words as the "
           "search reads them (stem or normal form, typos of a word that is no real word joined). The most frequent "
           "needs of the period, with the languages searched in and the most frequent searches."),
        (N_("Need"), N_("Languages"), N_("Searched as"), THIS, PREVIOUS, CHANGE), tuple(rows),
        chart=Chart(0, (3, 4)),
        note=N_("Only the 40 most frequent needs are listed.") if len(ranked) > LISTED else
        ("" if rows else N_("Every search found something in both periods.")))
    return [summary, by_need, _weeks_table(needs, this_weeks, previous_weeks)]


def _weeks_table(needs: dict[str, Need], this_weeks: list[dt.date], previous_weeks: list[dt.date]) -> Table:
    totals: Counter[object] = Counter()
    per_week: dict[object, Counter[str]] = {}
    for need in needs.values():
        for week, count in need.weeks.items():
            totals[week] += count
            if need.key != PERSONAL:
                per_week.setdefault(week, Counter())[need.key] += count

    def rows(weeks: list[dt.date], detailed: bool) -> list[tuple[Value, ...]]:
        found: list[tuple[Value, ...]] = []
        for week in weeks:
            if not detailed:
                found.append((week_label(week), totals[week]))
                continue
            of_week = per_week.get(week, Counter())
            top = ", ".join(f"{needs[key].label} ({of_week[key]})"
                            for key in sorted(of_week, key=lambda key: (-of_week[key], needs[key].label))[:TOP_OF_WEEK])
            found.append((week_label(week), totals[week], len(of_week), Literal(top)))
        return found

    return Table(
        "unmet-weeks", N_("Unmet needs per week"),
        N_("Searches that found nothing per calendar week, how many different needs they were about and the most "
           "frequent ones; beside them the matching week of the previous period."),
        (N_("Week"), N_("Searches that found nothing"), N_("Needs"), N_("Most frequent"),
         N_("Week of the previous period"), N_("Searches (previous period)")),
        tuple(paired(rows(this_weeks, True), rows(previous_weeks, False), 6)), chart=Chart(0, (1, 5)))
