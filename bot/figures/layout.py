"""A `Table` laid out for the printed Sachbericht: texts translated, cells as text (`bot/figures/display.py`, as on the
figures pages and in the terminal), the chart as bars to draw.

The PDF draws from this; the XLSX takes only the translated texts and keeps the figures as numbers. Nothing here
counts: a figure is shown as the producer made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.figures import display
from bot.figures.tables import HIDDEN, Chart, Share, Table, Value
from bot.i18n import Translator

LABEL_CHARACTERS = 40  # a longer bar label is cut with "…" (the table beside the chart has it in full)


def text(translator: Translator, message: str) -> str:
    """A msgid translated, a `Literal` (data: an answer option, a searched word) as it is; "" stays empty."""
    return display.text(message, translator) if message else ""


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def share_columns(table: Table) -> frozenset[int]:
    """The columns whose figures are shares 0..1 (those the chart draws as percentages)."""
    return frozenset(table.chart.value_columns) if table.chart is not None and table.chart.percent else frozenset()


def cell(translator: Translator, value: Value, share: bool = False) -> str:
    """ "1.234", "12,5", "45 %", "12 min", "+3", "<5" or "–" in the staff member's locale; `share`: a plain number
    in a column the chart draws as percentages."""
    if share and is_number(value) and not isinstance(value, Share):
        value = Share(value)  # type: ignore[arg-type]
    return display.text(value, translator)


@dataclass(frozen=True)
class TableView:
    key: str
    title: str
    explanation: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]  # per column: right-aligned, because its cells are figures
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None
    note: str
    chart: ChartView | None


@dataclass(frozen=True)
class Bar:
    text: str  # the figure as shown
    fraction: float | None  # of the longest bar; None: no bar (no figure, or a hidden one)


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: tuple[Bar, ...]  # one per series


@dataclass(frozen=True)
class ChartView:
    title: str
    series: tuple[str, ...]  # the value columns' names: this period first, then the previous one
    groups: tuple[BarGroup, ...]


def table_view(translator: Translator, table: Table) -> TableView:
    shares = share_columns(table)

    def row(values: tuple[Value, ...]) -> tuple[str, ...]:
        return tuple(cell(translator, value, index in shares) for index, value in enumerate(values))

    every_row = (*table.rows, *((table.total,) if table.total is not None else ()))
    # A row wider than the columns (a producer's mistake) still prints, under an empty heading.
    width = max([len(table.columns), *(len(values) for values in every_row)])
    numeric = tuple(any(index < len(values) and (is_number(values[index]) or values[index] == HIDDEN)
                        for values in every_row)
                    for index in range(width))
    columns = tuple(text(translator, column) for column in table.columns) + ("",) * (width - len(table.columns))
    title = text(translator, table.title)
    return TableView(key=table.key, title=title, explanation=text(translator, table.explanation),
                     columns=columns, numeric=numeric,
                     rows=tuple(row(values) for values in table.rows),
                     total=row(table.total) if table.total is not None else None, note=text(translator, table.note),
                     chart=chart_view(translator, table, table.chart, title) if table.chart is not None else None)


def chart_view(translator: Translator, table: Table, chart: Chart, title: str) -> ChartView:
    """Bars scaled to the largest figure (shares to 100 %), so this period and the previous one compare by length."""
    figures = [value for values in table.rows for index in chart.value_columns
               if is_number(value := values[index])]
    longest = 1.0 if chart.percent else max((float(value) for value in figures), default=0.0)

    def bar(value: Value) -> Bar:
        shown = cell(translator, value, chart.percent)
        if not is_number(value) or longest <= 0:
            return Bar(shown, None)
        return Bar(shown, min(1.0, max(0.0, float(value) / longest)))  # type: ignore[arg-type]

    def label(value: Value) -> str:
        shown = cell(translator, value)
        return shown if len(shown) <= LABEL_CHARACTERS else shown[:LABEL_CHARACTERS - 1].rstrip() + "…"

    return ChartView(title=title, series=tuple(text(translator, table.columns[index]) for index in chart.value_columns),
                     groups=tuple(BarGroup(label(values[chart.label_column]),
                                           tuple(bar(values[index]) for index in chart.value_columns))
                                  for values in table.rows))
