"""The Sachbericht's PDF and XLSX from sections made here: every page printed has something on it, the PDF's text
has every table's title and explanation, the workbook's figures are numbers with the sections' totals, "<5" is
text, and sheet names are what Excel accepts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from bot.figures.layout import cell, chart_view, table_view
from bot.figures.report import Report
from bot.figures.report_pdf import render_pdf, report_html
from bot.figures.report_xlsx import render_xlsx, sheet_names
from bot.figures.tables import HIDDEN, Chart, Delta, Hours, Literal, Minutes, Period, Section, Share, Table
from bot.web.rendering import staff_translator
from tests.support.pdf import INK, ink, pdf_text

BERLIN = ZoneInfo("Europe/Berlin")
GERMAN = staff_translator("de", BERLIN)
YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
CREATED = dt.datetime(2027, 1, 11, 8, 30, tzinfo=dt.UTC)  # 9:30 in Berlin



def sections() -> tuple[Section, ...]:
    """A year of weeks, a share chart with a hidden cell and a long label, a table without a chart, an empty one."""
    weeks = tuple((Literal(f"2026-W{week:02d}"), 300 + week, HIDDEN if week % 9 == 0 else 250 + week)
                  for week in range(1, 53))
    usage = Section("usage", "Sprechstunde", "Tickets taken and served.", (
        Table("usage-tickets-per-week", "Tickets per week", "Every waiting number taken, by calendar week.",
              ("Week", Literal("2026"), Literal("2025")), weeks, Chart(0, (1, 2)),
              total=(Literal("2026"), sum(row[1] for row in weeks), 9876)),
        Table("usage-served", "Served, by the resident's language", "The share of numbers whose holder was served.",
              ("Language", Literal("2026"), Literal("2025")),
              ((Literal("Română"), 0.81, 0.765), (Literal("Українська – " + "sehr lange Antwort " * 4), 0.5, HIDDEN),
               (Literal("العربية"), None, 0.2)), Chart(0, (1, 2), percent=True)),
        Table("usage-median", "Waiting time", "Minutes from taking a number to being called.",
              ("Figure", Literal("2026"), Literal("2025")),
              ((Literal("Median"), Minutes(12.25), Minutes(14.0)), (Literal("p90"), Minutes(31.5), None))),
    ))
    survey = Section("survey", "Bedarfsabfrage", "What residents told us.", (
        Table("survey-q1-a-question-key-longer-than-31", Literal("Was fehlt im Quartier?"), "Answers per option.",
              ("Answer", "Newcomers", "Old-established"), ((Literal("Spielplatz"), 12, HIDDEN),),
              total=(Literal("Σ"), 12, HIDDEN)),
        Table("survey-q1-a-question-key-longer-than-31-b", "Nothing yet", "Nothing to count.", ("A", "B"), (),
              note="No survey was open in this period."),
    ))
    return usage, survey


def report() -> Report:
    return Report(sections(), YEAR, "Horst", "Quartiersmanagement Horst", CREATED)


def every_table() -> list[Table]:
    return [table for section in sections() for table in section.tables]


def test_cells_in_german() -> None:
    assert cell(GERMAN, 12345) == "12.345"
    assert cell(GERMAN, 12.25) == "12,2"
    assert cell(GERMAN, 0.815, share=True) == "82 %"
    assert (cell(GERMAN, HIDDEN), cell(GERMAN, None)) == ("<5", "–")
    assert cell(GERMAN, Literal("Week")) == "Week"  # data, not translated
    assert cell(GERMAN, "Week") == "Woche"


def test_bars_scale_to_the_largest_figure_and_hidden_cells_draw_none() -> None:
    tickets, served, median = every_table()[:3]
    assert tickets.chart is not None and served.chart is not None
    bars = chart_view(GERMAN, tickets, tickets.chart, "t")
    assert bars.series == ("2026", "2025")
    assert bars.groups[-1].bars[0].fraction == 1.0  # 352, the largest
    assert bars.groups[8].bars[1].fraction is None and bars.groups[8].bars[1].text == "<5"
    shares = chart_view(GERMAN, served, served.chart, "s")
    assert [bar.fraction for bar in shares.groups[0].bars] == [0.81, 0.765]  # shares against 100 %
    assert shares.groups[1].label.endswith("…") and len(shares.groups[1].label) <= 40
    assert shares.groups[2].bars[0].text == "–"
    view = table_view(GERMAN, median)
    assert view.chart is None and view.numeric == (False, True, True)
    assert view.rows[1] == ("p90", "32 Min.", "–")
    ragged = table_view(GERMAN, Table("r", "R", "R.", (Literal("Week"), "all"), ((Literal("2026-11"), 5, None),)))
    assert ragged.columns == ("Week", "alle", "") and ragged.numeric == (False, True, False)


def test_the_pdf_has_every_title_and_no_empty_page() -> None:
    pdf = render_pdf(report(), GERMAN)
    text = pdf_text(pdf)
    assert "Sachbericht – Kennzahlen" in text and "Quartiersmanagement Horst" in text
    assert "1. Januar 2026 – 31. Dezember 2026" in text  # the period
    assert "1. Januar 2025 – 31. Dezember 2025" in text  # and the one compared with
    assert "11. Januar 2027, 09:30" in text  # made at 8:30 UTC, shown on Berlin's clock
    flat = " ".join(text.split())
    for table in every_table():
        assert GERMAN.gettext(table.title) in text, table.title
        assert GERMAN.gettext(table.explanation) in flat, table.explanation
    assert "No survey was open in this period." in text
    assert "<5" in text and "2026-W52" in text and "Spielplatz" in text and "Română" in text
    assert "Datenschutz" in text and "als „<5“" in text

    pages = ink(pdf)
    assert len(pages) >= 5  # cover, two sections (the weeks need more than one page), privacy
    assert all(count >= INK for count in pages), pages


def test_a_page_with_nothing_but_its_head_counts_as_empty() -> None:
    """The check itself: a section without tables prints a page with its title alone, and that is caught."""
    bare = Report((Section("usage", "Sprechstunde", "", ()),), YEAR, "Horst", "QM", CREATED)
    cover, title_only, privacy = ink(render_pdf(bare, GERMAN))
    assert cover >= INK and privacy >= INK
    assert title_only < INK


def test_the_pdf_shows_residents_words_as_text_not_markup() -> None:
    table = Table("free", "Free texts", "Answers residents allowed to be shown.", ("Answer",),
                  ((Literal("<b>fett</b> & <script>x</script>"),),))
    page = report_html(Report((Section("survey", "Bedarfsabfrage", "", (table,)),), YEAR, "Horst", "QM", CREATED),
                       GERMAN)
    assert "&lt;b&gt;fett&lt;/b&gt; &amp; &lt;script&gt;" in page and "<script>x" not in page


def test_the_workbook_keeps_figures_as_numbers_and_its_totals(tmp_path: Path) -> None:
    path = tmp_path / "sachbericht.xlsx"
    path.write_bytes(render_xlsx(report(), GERMAN))
    workbook = openpyxl.load_workbook(path)
    tables = every_table()
    assert workbook.sheetnames[0] == "Übersicht"
    assert len(workbook.sheetnames) == 1 + len(tables)
    overview = workbook["Übersicht"]
    column = [str(value) for row in overview.iter_rows(values_only=True) for value in row if value is not None]
    assert "1. Januar 2026 – 31. Dezember 2026" in column and "1. Januar 2025 – 31. Dezember 2025" in column
    for table in tables:
        assert GERMAN.gettext(table.explanation) in column
    for name, table in zip(workbook.sheetnames[1:], tables, strict=True):
        sheet = workbook[name]
        assert sheet["A1"].value == GERMAN.gettext(table.title)
        header = [cell.value for cell in sheet[4]]
        assert header == [GERMAN.gettext(column) for column in table.columns]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5, max_row=4 + len(table.rows))]
        expected = [[None if value is None else GERMAN.gettext(value) if isinstance(value, str) else value
                     for value in row] for row in table.rows]
        assert rows == expected
        if table.total is not None:
            total = [cell.value for cell in sheet[5 + len(table.rows)]]
            assert total == [GERMAN.gettext(value) if isinstance(value, str) else value for value in table.total]
            assert all(cell.font.bold for cell in sheet[5 + len(table.rows)])
    weeks = workbook[workbook.sheetnames[1]]
    assert weeks["B5"].data_type == "n" and weeks["C13"].value == "<5" and weeks["C13"].data_type == "s"
    assert weeks["B57"].value == sum(300 + week for week in range(1, 53))  # the total row
    served = workbook[workbook.sheetnames[2]]
    assert served["B5"].value == 0.81 and served["B5"].number_format == "0%"
    assert served["B7"].value is None  # no figure: an empty cell
    assert workbook[workbook.sheetnames[-1]]["A6"].value == "No survey was open in this period."


def test_sheet_names_are_short_unique_and_allowed() -> None:
    names = sheet_names(["usage-tickets", "survey-q1-a-question-key-longer-than-31",
                         "survey-q1-a-question-key-longer-than-31-b", "a/b:c*?[d]", "Übersicht", "USAGE-TICKETS",
                         ""], {"Übersicht"})
    assert names == ["usage-tickets", "survey-q1-a-question-key-longer", "survey-q1-a-question-key-long~2",
                     "abcd", "Übersicht~2", "USAGE-TICKETS~2", "table"]
    assert all(len(name) <= 31 for name in names)


def test_a_long_chart_is_drawn_in_parts_that_fit_a_page() -> None:
    rows = tuple((Literal(f"W{week}"), week, week) for week in range(53))
    table = Table("long", "Long", "Long.", ("Week", "This period", "Previous period"), rows, Chart(0, (1, 2)))
    page = report_html(Report((Section("usage", "Sprechstunde", "", (table,)),), YEAR, "Horst", "QM", CREATED),
                       GERMAN)
    assert page.count("<svg") == 3  # 24 + 24 + 5 weeks


def test_figures_keep_their_kind_in_the_workbook() -> None:
    """Shares, minutes, hours and changes are numbers in the workbook, shown as what they are."""
    row = (Literal("Sprechstunde"), Share(0.8125), Minutes(12.5), Hours(30.25), Delta(-3, ""), Delta(0.05, "share"),
           Delta(2.5, "minutes"), 7, 1.25)
    table = Table("kinds", "Kinds", "Every kind of figure.", tuple(f"c{index}" for index in range(len(row))), (row,))
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(
        Report((Section("usage", "Sprechstunde", "", (table,)),), YEAR, "Horst", "QM", CREATED), GERMAN)))
    cells = workbook["kinds"][5]
    assert [cell.value for cell in cells] == ["Sprechstunde", 0.8125, 12.5, 30.25, -3, 0.05, 2.5, 7, 1.25]
    assert all(cell.data_type == "n" for cell in cells[1:])
    assert [cell.number_format for cell in cells[1:]] == [
        "0%", '#,##0 "Min."', '#,##0.0 "Stunden"', "+#,##0;-#,##0;0", "+0%;-0%;0%",
        '+#,##0 "Min.";-#,##0 "Min.";0 "Min."', "#,##0", "#,##0.0"]
