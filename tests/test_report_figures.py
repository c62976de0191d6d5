"""The Sachbericht of real figures: a Sprechstunde morning taken through the chat and worked at the desk, then the
XLSX downloaded from the back office has the totals `quartiersbot queue stats` prints for the same days, and the
PDF of every section prints every table's title on pages that are not empty."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from bot.clock import FixedClock
from bot.figures.report import Report
from bot.figures.report_pdf import render_pdf
from bot.figures.sections import figure_sections
from bot.figures.tables import Period
from bot.web.rendering import staff_translator
from tests.support.databases import Database
from tests.support.pdf import INK, ink, pdf_text
from tests.support.web import browser, make_account
from tests.test_queue_data import queue_stats, run_a_morning

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def sheet_rows(sheet: Worksheet) -> list[list[object]]:
    """The table's rows under its header (row 4), total included, up to the first empty row."""
    rows = []
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if all(value is None for value in row):
            break
        rows.append(list(row))
    return rows


async def test_the_workbook_has_the_totals_of_queue_stats(database: Database, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    quarter, people = await run_a_morning(database, tmp_path, clock)  # 5 numbers, 3 served, 1 did not come
    app = people[0].app
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        await page.get("/figures/report")
        download = await page.post("/figures/report.xlsx", NOVEMBER, token=page.token())
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))

    output = tmp_path / "sessions.csv"
    cli = queue_stats(database, tmp_path, quarter, "--from", NOVEMBER["from"], "--to", NOVEMBER["to"], "--csv",
                      str(output))
    assert cli.returncode == 0, cli.stderr
    [session_row, all_row] = list(csv.DictReader(output.open(encoding="utf-8")))
    assert all_row["date"] == "all"

    def printed(label: str) -> int:
        found = re.search(rf"^{re.escape(label)} +(\d+) ", cli.stdout, re.MULTILINE)
        assert found, label
        return int(found.group(1))

    german = staff_translator("de", app.settings.zone).gettext
    summary = {row[0]: row[1] for row in sheet_rows(workbook["queue-summary"])}
    for label, csv_column, expected in (("Numbers taken", "tickets", 5), ("Served", "served", 3),
                                        ("Did not come when called", "no_show", 1)):
        assert summary[german(label)] == printed(label) == int(all_row[csv_column]) == expected, label

    sessions = sheet_rows(workbook["queue-sessions"])
    header = [cell.value for cell in workbook["queue-sessions"][4]]
    total = dict(zip(header, sessions[-1], strict=True))
    assert len(sessions) == 2 and total[german("Date")] == german("all")
    assert (total[german("Numbers taken")], total[german("Served")], total[german("Did not come")]) == (
        int(all_row["tickets"]), int(all_row["served"]), int(all_row["no_show"]))
    assert total[german("Did not come, share of those called")] == float(session_row["no_show_rate"])
    assert workbook["queue-sessions"].cell(row=5 + len(sessions) - 1, column=4).font.bold  # the total row


async def test_the_pdf_of_every_section(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    _quarter, people = await run_a_morning(database, tmp_path, clock)
    app = people[0].app
    period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    async with app.sessions() as session:
        sections = await figure_sections(session, app.settings.quarter, app.settings.zone, period, clock.now(),
                                         answer_days=app.settings.questions_answer_days)
    german = staff_translator("de", app.settings.zone)
    pdf = render_pdf(Report(tuple(sections), period, "Horst", "Quartiersmanagement Horst", clock.now()), german)
    text = " ".join(pdf_text(pdf).split())
    titles = [german.gettext(table.title) for section in sections for table in section.tables]
    assert len(titles) >= 10
    for title in [*(german.gettext(section.title) for section in sections), *titles]:
        assert " ".join(title.split()) in text, title
    pages = ink(pdf)
    assert all(count >= INK for count in pages), pages
