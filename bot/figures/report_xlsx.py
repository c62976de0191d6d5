"""The Sachbericht as an XLSX workbook (openpyxl): a first sheet "Übersicht" with the period and what each table
counts, then one sheet per table.

Figures stay numbers, so the city can sum and chart them again; shares are numbers with a percent format; a hidden
small count is the text "<5" (never a number: a formula over it must not treat it as 0 or 4); a cell without a
figure is empty. A table's total is its last row, in bold.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.figures.layout import is_number, share_columns, text
from bot.figures.report import TITLE, Report, created_text, period_text
from bot.figures.tables import Delta, Hours, Minutes, Share, Table, Value
from bot.i18n import N_, Translator

SHEET_NAME = 31  # Excel's limit on a sheet's name
NOT_IN_NAME = re.compile(r"[\[\]:*?/\\']")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ROW = 4  # title, explanation, an empty row, then the columns


def sheet_names(keys: list[str], taken: set[str]) -> list[str]:
    """A sheet name per table key: Excel's forbidden characters left out, at most 31 characters, unique without
    regard to case (as Excel compares them), a number appended where two would be the same."""
    names: list[str] = []
    seen = {name.casefold() for name in taken}
    for key in keys:
        base = NOT_IN_NAME.sub("", key).strip() or "table"
        name, number = base[:SHEET_NAME], 1
        while name.casefold() in seen:
            number += 1
            suffix = f"~{number}"
            name = base[:SHEET_NAME - len(suffix)] + suffix
        seen.add(name.casefold())
        names.append(name)
    return names


def _value(translator: Translator, value: Value) -> str | int | float | None:
    """Plain Python types: a `Share` or a `Minutes` is a float to the workbook, shown by its number format."""
    if value is None:
        return None
    if isinstance(value, str):
        return text(translator, value)
    if isinstance(value, int):
        return int(value)
    return float(value)


def _unit(translator: Translator, message: str) -> str:
    """The unit the figures pages write after a number ("Min.", "Stunden"), quoted for an Excel number format."""
    unit = (translator.gettext(message) % {"number": ""}).strip().replace('"', "")
    return f' "{unit}"' if unit else ""


def number_format(value: int | float, translator: Translator, share: bool = False) -> str:
    """Excel's format for a figure, after what it is (bot/figures/tables.py): 82 %, 12 Min., 5,5 Stunden, +3, -4 %;
    the units are the figures pages' own."""
    minutes, hours = _unit(translator, N_("%(number)s min")), _unit(translator, N_("%(number)s hours"))
    if isinstance(value, Delta):
        if value.unit == "share":
            return "+0%;-0%;0%"
        unit = {"minutes": minutes, "hours": hours}.get(value.unit, "")
        figure = "#,##0" if value.unit == "minutes" or float(value).is_integer() else "#,##0.0"
        return f"+{figure}{unit};-{figure}{unit};0{unit}"
    if share or isinstance(value, Share):
        return "0%"
    if isinstance(value, Minutes):
        return f"#,##0{minutes}"
    if isinstance(value, Hours):
        return f"#,##0.0{hours}"
    return "#,##0" if isinstance(value, int) else "#,##0.0"


def _row(sheet: Worksheet, row: int, values: tuple[Value, ...], translator: Translator, shares: frozenset[int],
         bold: bool = False) -> None:
    for index, value in enumerate(values):
        target = sheet.cell(row=row, column=index + 1, value=_value(translator, value))
        if is_number(value):
            target.number_format = number_format(value, translator, index in shares)  # type: ignore[arg-type]
        if bold:
            target.font = BOLD


def _table_sheet(sheet: Worksheet, table: Table, translator: Translator) -> None:
    shares = share_columns(table)
    sheet["A1"] = text(translator, table.title)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = text(translator, table.explanation)
    for index, column in enumerate(table.columns):
        sheet.cell(row=HEADER_ROW, column=index + 1, value=text(translator, column)).font = BOLD
    row = HEADER_ROW
    for values in table.rows:
        row += 1
        _row(sheet, row, values, translator, shares)
    if table.total is not None:
        row += 1
        _row(sheet, row, table.total, translator, shares, bold=True)
    if table.note or not table.rows:
        sheet.cell(row=row + 2, column=1, value=text(translator, table.note or N_("No figures in this period.")))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    for index, column in enumerate(table.columns):
        longest = max([len(text(translator, column)),
                       *(len(str(_value(translator, values[index]) or "")) for values in table.rows
                         if index < len(values))])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, max(10, longest + 2))


def _overview(sheet: Worksheet, report: Report, translator: Translator, names: list[str]) -> None:
    _ = translator.gettext
    sheet["A1"] = _(TITLE)
    sheet["A1"].font = Font(bold=True, size=14)
    facts = [(N_("Office"), report.office), (N_("Quarter"), report.quarter),
             (N_("Period"), period_text(translator, report.period)),
             (N_("Compared with"), period_text(translator, report.period.previous())),
             (N_("Created on"), created_text(translator, report.created))]
    for row, (label, value) in enumerate(facts, start=3):
        sheet.cell(row=row, column=1, value=_(label)).font = BOLD
        sheet.cell(row=row, column=2, value=value)
    row = len(facts) + 4
    sheet.cell(row=row, column=1, value=_(N_("Privacy"))).font = BOLD
    sheet.cell(row=row, column=2, value=_(N_("Counts of residents under 5 are shown as “<5”, so that nobody can be "
                                            "singled out by a small number."))).alignment = WRAP
    row += 2
    for column, heading in enumerate((N_("Sheet"), N_("Part"), N_("Table"), N_("What it counts")), start=1):
        sheet.cell(row=row, column=column, value=_(heading)).font = BOLD
    tables = [(section, table) for section in report.sections for table in section.tables]
    for (section, table), name in zip(tables, names, strict=True):
        row += 1
        link = sheet.cell(row=row, column=1, value=name)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
        sheet.cell(row=row, column=2, value=_(section.title))
        sheet.cell(row=row, column=3, value=text(translator, table.title)).alignment = WRAP
        sheet.cell(row=row, column=4, value=text(translator, table.explanation)).alignment = WRAP
    for letter, width in zip("ABCD", (28, 26, 40, 80), strict=True):
        sheet.column_dimensions[letter].width = width


def render_xlsx(report: Report, translator: Translator) -> bytes:
    workbook = Workbook()
    overview = workbook.active
    assert overview is not None
    overview.title = translator.gettext(N_("Overview of the report"))[:SHEET_NAME]
    tables = [table for section in report.sections for table in section.tables]
    names = sheet_names([table.key for table in tables], {overview.title})
    _overview(overview, report, translator, names)
    for table, name in zip(tables, names, strict=True):
        _table_sheet(workbook.create_sheet(name), table, translator)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
