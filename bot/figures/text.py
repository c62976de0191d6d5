"""A table as plain text for the terminal: what `quartiersbot queue stats` and `survey results` print, made
from the same tables as the figures pages, so the terminal and the page cannot disagree."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.figures.display import text
from bot.figures.tables import Table
from bot.i18n import Translator
from bot.languages import BY_CODE

STAFF_DOMAIN = "staff"


def terminal_translator(zone: ZoneInfo) -> Translator:
    """English, the msgids themselves: the terminal speaks English, as the rest of the CLI does."""
    return Translator(BY_CODE["en"], zone, STAFF_DOMAIN)


def lines(table: Table, translator: Translator) -> list[str]:
    """The title, the columns aligned (the first to the left, figures to the right), the total, a note."""
    header = [text(column, translator) for column in table.columns]
    body = [[text(value, translator) for value in row] for row in table.rows]
    if table.total is not None:
        body.append([text(value, translator) for value in table.total])
    grid = [header, *body]
    widths = [max(len(row[column]) for row in grid) for column in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(widths[index]) if index == 0 else cell.rjust(widths[index])
                         for index, cell in enumerate(row)).rstrip()

    rule = "-" * len(line(header))
    result = [text(table.title, translator), rule, line(header), rule, *(line(row) for row in body[:len(table.rows)])]
    if table.total is not None:
        result += [rule, line(body[-1])]
    if table.note:
        result += ["", text(table.note, translator)]
    return [*result, ""]
