"""The figures for the city as plain tables: made once, shown on the back-office pages, in the PDF and the XLSX.

A producer (`bot/figures/sections.py`) counts; the renderers (the figures pages, the Sachbericht's PDF and
XLSX) only lay out. So the page, the report and the workbook can never disagree, and none of them counts.

Texts are English msgids (marked with `N_` where they are written) and are translated by the renderer for
the staff member who looks; data that must not be translated (an answer option as the survey states it, a
searched word, a date) is wrapped in `Literal`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SMALL = 5  # counts of residents under this are shown as "<5", so a small group cannot be singled out
HIDDEN = "<5"

Value = int | float | str | None  # None: no figure (shown as "–"); HIDDEN for a small cell


class Literal(str):
    """Text shown as it is (data, not a msgid)."""


# A number says what it is by its type, so every renderer formats it alike (bot/figures/display.py): a plain
# int is a count, a plain float a number with one decimal. They are still ints and floats, so a renderer that
# does not know them (a spreadsheet cell) writes the plain number.
class Share(float):
    """A share between 0 and 1, shown as a percentage."""


class Minutes(float):
    """A duration in minutes."""


class Hours(float):
    """A duration in hours (shown in days from two days on)."""


class Delta(float):
    """A change against the previous period, shown with its sign, in the unit of what it compares: "" (a count
    or number), "share" (percentage points), "minutes" or "hours"."""

    unit: str

    def __new__(cls, value: float, unit: str = "") -> Delta:
        made = super().__new__(cls, value)
        made.unit = unit
        return made

    def __reduce__(self) -> tuple[object, tuple[float, str]]:
        return (Delta, (float(self), self.unit))


@dataclass(frozen=True)
class Chart:
    """Horizontal bars: one bar group per row, labelled by `label_column`, one bar per column in `value_columns`
    (this period first, then the previous one). Rows whose values are not numbers draw no bar."""

    label_column: int
    value_columns: tuple[int, ...]
    percent: bool = False  # values are shares 0..1


@dataclass(frozen=True)
class Table:
    key: str  # stable and unique in a report: the XLSX sheet's name comes from it
    title: str  # msgid or Literal
    explanation: str  # msgid: what the figure counts, in a sentence or two (printed in the report)
    columns: tuple[str, ...]  # msgids or Literals
    rows: tuple[tuple[Value, ...], ...]
    chart: Chart | None = None
    total: tuple[Value, ...] | None = None  # a last row "all", kept apart so XLSX totals can be checked
    note: str = ""  # msgid: e.g. why the table is empty


@dataclass(frozen=True)
class Section:
    key: str  # "survey", "usage", "unmet", … (also the page's path /figures/<key>)
    title: str  # msgid
    introduction: str  # msgid
    tables: tuple[Table, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before, to compare with."""
        last = self.first - dt.timedelta(days=1)
        return Period(last - dt.timedelta(days=self.days - 1), last)

    def bounds(self, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as local midnights."""
        return (dt.datetime.combine(self.first, dt.time(), zone),
                dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), zone))
