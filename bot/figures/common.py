"""What every section needs: weeks and months of a period, the change against the previous period, small cells
hidden."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.figures.tables import HIDDEN, SMALL, Delta, Literal, Period, Value
from bot.i18n import N_

PREVIOUS = N_("previous period")
CHANGE = N_("change")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_label(day: dt.date) -> Literal:
    year, week, _ = day.isocalendar()
    return Literal(f"{year}-W{week:02d}")


def weeks_touched(period: Period) -> list[dt.date]:
    """The Mondays of every calendar week the period touches (the first and last may be partial)."""
    found, day = [], monday(period.first)
    while day <= period.last:
        found.append(day)
        day += dt.timedelta(days=7)
    return found


def _mostly_within(period: Period, first: dt.date, last: dt.date) -> bool:
    """Whether more than half of the days first..last lie in the period."""
    inside = (min(last, period.last) - max(first, period.first)).days + 1
    return inside * 2 > (last - first).days + 1


def mondays_within(period: Period) -> list[dt.date]:
    """The weeks (their Mondays) of figures kept by week that belong to the period: those with most of their days
    in it, so a period and the one of equal length before it hold as many weeks, and no week is in both."""
    return [day for day in weeks_touched(period) if _mostly_within(period, day, day + dt.timedelta(days=6))]


def months_within(period: Period) -> list[dt.date]:
    """The months (their first days) of figures kept by month that belong to the period: those with most of their
    days in it (so the last 12 weeks hold three months, and a period of a few days none)."""
    found, day = [], period.first.replace(day=1)
    while day <= period.last:
        following = (day + dt.timedelta(days=32)).replace(day=1)
        if _mostly_within(period, day, following - dt.timedelta(days=1)):
            found.append(day)
        day = following
    return found


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def span(months: list[dt.date]) -> tuple[dt.date, dt.date] | None:
    """The first and the last day of consecutive months; None for none."""
    return (months[0], month_end(months[-1])) if months else None


def month_label(day: dt.date) -> Literal:
    return Literal(day.strftime("%Y-%m"))


def delta(this: Value, previous: Value, unit: str = "") -> Delta | None:
    """This period's figure minus the previous one's; None where either is missing or hidden."""
    if not isinstance(this, int | float) or not isinstance(previous, int | float):
        return None
    return Delta(float(this) - float(previous), unit)


def small(count: int) -> Value:
    """A count of residents in a split: "<5" from 1 to 4, so nobody can be singled out."""
    return HIDDEN if 0 < count < SMALL else count


def compared(label: Value, this: Mapping[str, int] | int, previous: Mapping[str, int] | int,
             key: str | None = None) -> tuple[Value, Value, Value, Value]:
    """(label, this period, previous period, change) for a count."""
    now = this.get(key, 0) if isinstance(this, Mapping) and key is not None else this
    before = previous.get(key, 0) if isinstance(previous, Mapping) and key is not None else previous
    assert isinstance(now, int) and isinstance(before, int)
    return (label, now, before, delta(now, before))


def paired(this: Sequence[tuple[Value, ...]], previous: Sequence[tuple[Value, ...]], columns: int,
           previous_width: int = 2) -> list[tuple[Value, ...]]:
    """Rows of a period's weeks or months beside the previous period's, by position (its first week beside the
    previous period's first week …); the shorter side is filled with empty cells. The widths come from the
    table's columns, not from the rows, so a side without rows is filled to its own width."""
    width_this = columns - previous_width
    rows = []
    for index in range(max(len(this), len(previous))):
        left = this[index] if index < len(this) else (None,) * width_this
        right = previous[index] if index < len(previous) else (None,) * previous_width
        rows.append((*left, *right))
    return rows
