"""The Sachbericht's downloads over HTTP: Team and Leitung get the PDF and the XLSX of a period (German file names,
the right content types), each download is in the audit log with the period and the format; Redaktion is refused,
a form without its CSRF token is refused, dates that make no period get 400 with a German message."""

from __future__ import annotations

import datetime as dt
import io
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import pytest_asyncio

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.web.figures_export import last_twelve_months, last_year
from tests.support.databases import Database, settings_for
from tests.support.web import audit, browser, make_account

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest_asyncio.fixture
async def office(database: Database, tmp_path: Path) -> AsyncIterator[App]:
    """An app of a quarter of its own on the shared database, in January after the year to report on."""
    settings = settings_for(database, tmp_path, quarter=f"q-{uuid.uuid4().hex[:12]}")
    yield await create_app(settings, clock=FixedClock(NOW), migrate=False, engine=database.engine)


def test_the_periods_offered() -> None:
    assert (last_year(dt.date(2027, 1, 11)).first, last_year(dt.date(2027, 1, 11)).last) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    twelve = last_twelve_months(dt.date(2027, 1, 11))
    assert (twelve.first, twelve.last) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    twelve = last_twelve_months(dt.date(2026, 3, 31))
    assert (twelve.first, twelve.last) == (dt.date(2025, 3, 1), dt.date(2026, 2, 28))


async def exports(app: App, account_id: int) -> list[dict[str, str] | None]:
    return [entry.after for entry in await audit(app, "figures.export") if entry.account_id == account_id]


@pytest.mark.parametrize("role", ["team", "leitung"])
async def test_the_pdf_and_the_workbook_are_downloaded_and_audited(office: App, role: str) -> None:
    staff, secret = await make_account(office, role)
    async with browser(office) as page:
        await page.login(staff.name, secret=secret, now=NOW)
        form = await page.get("/figures/report")
        assert form.status_code == 200 and "<h1>Sachbericht</h1>" in form.text
        assert '<a href="/figures">Kennzahlen</a>' in form.text
        assert 'name="from" type="date" value="2026-01-01"' in form.text  # the last full year
        assert 'name="to" type="date" value="2026-12-31"' in form.text
        assert 'formaction="/figures/report.xlsx"' in form.text
        assert 'href="/figures/report?from=2026-01-01&amp;to=2026-12-31">das Jahr 2026</a>' in form.text
        chosen = await page.get("/figures/report", **{"from": "2026-07-01", "to": "2026-12-31"})
        assert 'name="from" type="date" value="2026-07-01"' in chosen.text
        token = page.token()

        pdf = await page.post("/figures/report.pdf", YEAR, token=token)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == 'attachment; filename="sachbericht-2026-01-01-2026-12-31.pdf"'
        assert pdf.content.startswith(b"%PDF-")

        xlsx = await page.post("/figures/report.xlsx", {"from": "2026-07-01", "to": "2026-12-31"}, token=token)
        assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
        assert xlsx.headers["content-disposition"] == \
            'attachment; filename="sachbericht-2026-07-01-2026-12-31.xlsx"'
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        overview = workbook[workbook.sheetnames[0]]
        assert workbook.sheetnames[0] == "Übersicht" and overview["A1"].value == "Sachbericht – Kennzahlen"
        facts = {row[0]: row[1] for row in overview.iter_rows(min_row=3, max_row=7, values_only=True)}
        assert facts["Zeitraum"] == "1. Juli 2026 – 31. Dezember 2026"
        assert facts["Verglichen mit"] == "29. Dezember 2025 – 30. Juni 2026"  # as many days, just before
        assert facts["Erstellt am"] == "11. Januar 2027, 09:30 Uhr"
    assert await exports(office, staff.id) == [{"from": "2026-01-01", "to": "2026-12-31", "format": "pdf"},
                                               {"from": "2026-07-01", "to": "2026-12-31", "format": "xlsx"}]


async def test_redaktion_is_refused(office: App) -> None:
    redaktion, _ = await make_account(office, "redaktion")
    async with browser(office) as page:
        await page.login(redaktion.name)
        assert (await page.get("/figures/report")).status_code == 403
        await page.get("/")
        token = page.token()
        for path in ("/figures/report.pdf", "/figures/report.xlsx"):
            refused = await page.post(path, YEAR, token=token)
            assert refused.status_code == 403 and not refused.content.startswith(b"%PDF")
    assert await exports(office, redaktion.id) == []


async def test_a_download_without_its_form_token_is_refused(office: App) -> None:
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        await page.get("/figures/report")
        for path in ("/figures/report.pdf", "/figures/report.xlsx"):
            assert (await page.client.post(path, data=YEAR)).status_code == 403
            assert (await page.post(path, YEAR, token="forged")).status_code == 403
    assert await exports(office, team.id) == []


@pytest.mark.parametrize(("typed", "message"), [
    ({"from": "01.01.2026", "to": "2026-12-31"}, "Bitte geben Sie beide Daten als JJJJ-MM-TT ein."),
    ({"from": "2026-01-01", "to": ""}, "Bitte geben Sie beide Daten als JJJJ-MM-TT ein."),
    ({"from": "2026-02-30", "to": "2026-12-31"}, "Bitte geben Sie beide Daten als JJJJ-MM-TT ein."),
    ({"from": "2026-12-31", "to": "2026-01-01"}, "Der erste Tag darf nicht nach dem letzten liegen."),
    ({"from": "2020-01-01", "to": "2026-12-31"}, "Bitte wählen Sie einen Zeitraum von höchstens drei Jahren."),
])
async def test_dates_that_make_no_period_are_refused_in_german(office: App, typed: dict[str, str],
                                                                message: str) -> None:
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        await page.get("/figures/report")
        token = page.token()
        for path in ("/figures/report.pdf", "/figures/report.xlsx"):
            refused = await page.post(path, typed, token=token)
            assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
            assert message in refused.text and 'role="alert"' in refused.text
            assert f'name="from" type="date" value="{typed["from"]}"' in refused.text  # as typed, to be corrected
            assert f'name="to" type="date" value="{typed["to"]}"' in refused.text
        if typed["to"]:
            shown = await page.get("/figures/report", **typed)
            assert shown.status_code == 400 and message in shown.text
    assert await exports(office, team.id) == []


async def test_without_the_pdf_libraries_the_form_says_so_and_the_workbook_still_works(
        office: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server without pango: WeasyPrint cannot be imported. The back office still runs, the PDF download says
    why in German (503, nothing audited), and the XLSX is made."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what a failed import leaves: `import` raises
    staff, secret = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(staff.name, secret=secret, now=NOW)
        await page.get("/figures/report")
        token = page.token()
        refused = await page.post("/figures/report.pdf", YEAR, token=token)
        assert refused.status_code == 503 and "Systembibliotheken" in refused.text
        assert 'value="2026-01-01"' in refused.text  # the dates stay
        workbook = await page.post("/figures/report.xlsx", YEAR, token=token)
        assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
    assert await exports(office, staff.id) == [{"from": "2026-01-01", "to": "2026-12-31", "format": "xlsx"}]
