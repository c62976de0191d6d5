"""A table's chart laid out for an inline SVG (templates/_figures.html draws it): horizontal bars, one group per
row, this period filled and the previous period hatched with an outline, so the two read apart without colour;
every bar carries its number as text. No script and no inline style: the strict Content-Security-Policy holds."""

from __future__ import annotations

from dataclasses import dataclass

from bot.figures.display import text
from bot.figures.tables import Table
from bot.i18n import Translator

WIDTH = 640
LONGEST = 500  # the longest bar; the rest of the width is for its number
LABEL = 20  # a row's label above its bars
BAR = 16
GAP = 4
AFTER = 12  # space under a group
LEGEND = 30


@dataclass(frozen=True)
class Bar:
    y: int
    length: float  # 0 draws no bar (no figure, a hidden cell or zero); the number is still written
    label: str  # the number as text
    previous: bool


@dataclass(frozen=True)
class Group:
    y: int
    label: str
    title: str  # "label: this period 12, previous period 9" for assistive technology
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Layout:
    key: str
    width: int
    height: int
    series: tuple[str, ...]  # the value columns' headings, for the legend
    groups: tuple[Group, ...]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def layout(table: Table, translator: Translator) -> Layout | None:
    """None for a table without a chart or without a row to draw."""
    chart = table.chart
    if chart is None or not table.rows:
        return None
    numbers = [_number(row[column]) for row in table.rows for column in chart.value_columns]
    top = max([1.0] if chart.percent else [number for number in numbers if number is not None] or [1.0])
    top = top or 1.0
    groups = []
    y = LEGEND
    for row in table.rows:
        bars = []
        bar_y = y + LABEL
        for position, column in enumerate(chart.value_columns):
            value = _number(row[column])
            length = 0.0 if value is None or value <= 0 else LONGEST * min(value / top, 1.0)
            bars.append(Bar(bar_y, round(length, 1), text(row[column], translator), position > 0))
            bar_y += BAR + GAP
        label = text(row[chart.label_column], translator)
        described = ", ".join(f"{text(table.columns[column], translator)} {bar.label}"
                              for column, bar in zip(chart.value_columns, bars, strict=True))
        groups.append(Group(y, label, f"{label}: {described}", tuple(bars)))
        y = bar_y + AFTER
    return Layout(table.key, WIDTH, y, tuple(text(table.columns[column], translator)
                                              for column in chart.value_columns), tuple(groups))
