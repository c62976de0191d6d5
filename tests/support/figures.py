"""Reading the figures back in tests: the tables `quartiersbot queue stats` and `survey results` print, and the
tables of the figures pages, as lists of cells to compare with the sections' own tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.figures.display import text
from bot.figures.tables import Table
from bot.i18n import Translator

_GAP = re.compile(r"\s{2,}")


@dataclass
class Printed:
    title: str
    header: list[str]
    rows: list[list[str]]  # the total last, if there is one


def printed_tables(output: str) -> list[Printed]:
    """The tables of a CLI output (bot/figures/text.py): a title, a rule, the header, a rule, rows, maybe a rule
    and the total, then an empty line."""
    lines = output.splitlines()
    found, index = [], 0
    while index < len(lines) - 3:
        if lines[index].strip() and lines[index + 1].startswith("---") and lines[index + 3].startswith("---"):
            rows, position = [], index + 4
            while position < len(lines) and lines[position].strip():
                if not lines[position].startswith("---"):
                    rows.append(_GAP.split(lines[position].strip()))
                position += 1
            found.append(Printed(lines[index], _GAP.split(lines[index + 2].strip()), rows))
            index = position
        else:
            index += 1
    return found


def printed(output: str, title: str, occurrence: int = 0) -> Printed:
    return [table for table in printed_tables(output) if table.title == title][occurrence]


def filled(rows: list[list[str]]) -> list[list[str]]:
    """Without empty cells, which the terminal's columns show as blanks."""
    return [[cell for cell in row if cell] for row in rows]


def header(table: Table, translator: Translator) -> list[str]:
    return [text(column, translator) for column in table.columns]


def as_text(table: Table, translator: Translator) -> list[list[str]]:
    """The rows (and the total) of a section's table as the renderers show them."""
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    return [[text(value, translator) for value in row] for row in rows]


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table" and values.get("data-key"):
            self._table = values["data-key"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """The tables of a figures page by their key (data-key), header row first, cells as text."""
    parser = _Cells()
    parser.feed(html)
    return parser.tables
