"""The figures pages over HTTP: who may open them, the period (the last 12 weeks unless chosen; bad dates refused
in German), the charts drawn as SVG with their numbers as text and a table under each, and residents' words
shown as text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.offers.unmet import record_unmet
from bot.queue.models import SERVED
from tests.support.databases import Database
from tests.support.figure_data import quarter_app, respond, sprechstunde, survey_of
from tests.support.figures import page_tables
from tests.support.web import browser, make_account

PAGES = ("/figures", "/figures/survey", "/figures/usage", "/figures/unmet")


async def test_login_is_required_and_redaktion_is_refused(database: Database, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock, content=False)
    editor, _ = await make_account(app, "redaktion")
    async with browser(app) as anonymous:
        for path in PAGES:
            response = await anonymous.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login", path
    async with browser(app) as page:
        await page.login(editor.name)
        start = await page.get("/")
        assert 'href="/figures"' not in start.text
        for path in PAGES:
            assert (await page.get(path)).status_code == 403, path


@pytest.mark.parametrize("role", ["team", "leitung"])
async def test_team_and_leitung_see_every_page_for_the_last_twelve_weeks(database: Database, tmp_path: Path,
                                                                         clock: FixedClock, role: str) -> None:
    app = await quarter_app(database, tmp_path, clock)
    account, secret = await make_account(app, role)
    async with browser(app) as page:
        await page.login(account.name, secret=secret, now=clock.now())
        start = await page.get("/")
        assert start.text.count('href="/figures"') == 2  # the menu and the start page
        overview = await page.get("/figures")
        assert overview.status_code == 200
        # Today is 24 November 2026: the 12 weeks from 2 September, beside the 84 days before.
        assert 'value="2026-09-02"' in overview.text and 'value="2026-11-24"' in overview.text
        assert "02.09.2026" in overview.text and "10.06.2026" in overview.text
        assert 'href="/figures/report?from=2026-09-02&amp;to=2026-11-24"' in overview.text
        assert "Sachbericht (PDF, Excel)" in overview.text
        for path in PAGES[1:]:
            assert f'href="{path}?from=2026-09-02&amp;to=2026-11-24"' in overview.text
            response = await page.get(path)
            assert response.status_code == 200, path
            assert "Zeitraum" in response.text and page_tables(response.text), path


@pytest.mark.parametrize("path", PAGES)
async def test_dates_that_make_no_period_are_refused_in_german(database: Database, tmp_path: Path,
                                                               clock: FixedClock, path: str) -> None:
    app = await quarter_app(database, tmp_path, clock, content=False)
    account, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(account.name)
        for dates, message in ((
                {"from": "2026-13-01", "to": "2026-11-30"}, "Bitte geben Sie beide Daten als JJJJ-MM-TT ein."),
                ({"from": "gestern", "to": ""}, "Bitte geben Sie beide Daten als JJJJ-MM-TT ein."),
                ({"from": "2026-11-30", "to": "2026-11-01"}, "Der erste Tag darf nicht nach dem letzten liegen."),
                ({"from": "2020-01-01", "to": "2026-11-30"}, "Bitte wählen Sie einen Zeitraum von höchstens drei "
                                                             "Jahren.")):
            response = await page.get(path, **dates)
            assert response.status_code == 400, (path, dates)
            assert message in response.text and 'role="alert"' in response.text
            assert 'aria-invalid="true"' in response.text and "<table" not in response.text
            assert f'value="{dates["from"]}"' in response.text  # what was typed stays


async def test_a_chart_is_svg_with_its_numbers_and_a_table_under_it(database: Database, tmp_path: Path,
                                                                    clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    await sprechstunde(app, dt.date(2026, 11, 3), [{"status": SERVED, "wait": 10, "topic": "letters"}] * 7)
    await sprechstunde(app, dt.date(2026, 10, 1), [{"status": SERVED, "wait": 10, "topic": "letters"}] * 2)
    account, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(account.name)
        html = (await page.get("/figures/usage", **{"from": "2026-10-27", "to": "2026-11-23"})).text
    chart = re.search(r'<svg[^>]*aria-labelledby="chart-queue-topics-title".*?</svg>', html, re.DOTALL)
    assert chart is not None
    svg = chart.group(0)
    assert '<title id="chart-queue-topics-title">Diagramm: Themen der Sprechstunde</title>' in svg
    assert '<pattern id="hatch-queue-topics"' in svg  # the previous period hatched, readable without colour
    bars = re.findall(r'<rect x="0" y="\d+" width="([\d.]+)" height="16" class="(bar-this|bar-previous)"', svg)
    assert bars == [("500.0", "bar-this"), ("142.9", "bar-previous")]  # 7 numbers, and 2 in the 28 days before
    assert '<title>Briefe von Ämtern oder vom Jobcenter: dieser Zeitraum 7, vorheriger Zeitraum 2</title>' in svg
    assert re.search(r'class="chart-number">7</text>', svg) and re.search(r'class="chart-number">2</text>', svg)
    assert html.index(svg) < html.index('<table data-key="queue-topics">')  # the numbers under the chart
    assert page_tables(html)["queue-topics"][1] == ["Briefe von Ämtern oder vom Jobcenter", "7", "2", "+5"]
    assert "style=" not in html  # the Content-Security-Policy allows no inline style


async def test_residents_words_are_shown_as_text(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    async with app.sessions() as session, session.begin():
        await record_unmet(session, app.settings.quarter, "de", "<script>alert(1)</script>", dt.date(2026, 11, 16))
    await respond(app, await survey_of(app), "de", dt.date(2026, 11, 1),
                  {"living_in_horst": "under_1_year", "ideas": "<b>Ein Fest</b> für alle"}, times=6)
    account, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(account.name)
        unmet = (await page.get("/figures/unmet")).text
        survey = (await page.get("/figures/survey")).text
    assert "<script>alert" not in unmet and "&lt;script&gt;alert(1)&lt;/script&gt;" in unmet
    assert "Ein Fest" not in survey  # free texts are not shown at all
    assert "Freitext-Antworten werden nicht aufgeführt" in survey
