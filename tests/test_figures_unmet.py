"""Unmet needs in figures: searches that found nothing, grouped by meaning across languages (the needs vocabulary,
the search's stems, typos of words that are no words), by week and beside the previous period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.app import App
from bot.clock import FixedClock
from bot.figures.sections import unmet_section
from bot.figures.tables import Delta, Literal, Period, Section
from bot.offers.unmet import record_unmet
from tests.support.databases import BERLIN, Database
from tests.support.figure_data import quarter_app, row, table

PERIOD = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 29))  # weeks 45 to 48; before: weeks 41 to 44
W45, W47, W42 = dt.date(2026, 11, 3), dt.date(2026, 11, 18), dt.date(2026, 10, 14)


async def searched(app: App, day: dt.date, language: str, text: str, times: int = 1) -> None:
    async with app.sessions() as session, session.begin():
        for _ in range(times):
            await record_unmet(session, app.settings.quarter, language, text, day)


async def section_of(app: App, period: Period = PERIOD) -> Section:
    async with app.sessions() as session:
        return await unmet_section(session, app.settings.quarter, BERLIN, period, app.clock.now())


async def test_searches_are_grouped_by_meaning_across_languages(database: Database, tmp_path: Path,
                                                                clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)  # with Horst's needs vocabulary
    for day, language, text, times in ((W45, "de", "Auto", 3), (W45, "tr", "araba", 2), (W47, "ru", "машина", 1),
                                       (W47, "de", "Autowerkstat", 1),  # a typo of a word of the vocabulary
                                       (W45, "de", "Zahnarzt", 3), (W47, "en", "dentist", 1),
                                       (W45, "de", "Trampolinhalle", 2), (W47, "de", "Trampolinhale", 1),
                                       (W47, "de", "Ich heiße Anna und wohne in der Essener Straße 7", 1),
                                       (W42, "de", "Auto", 4), (W42, "pl", "samochód", 1),
                                       (dt.date(2026, 9, 1), "de", "Zahnarzt", 9)):  # before both periods
        await searched(app, day, language, text, times)
    section = await section_of(app)
    needs = table(section, "unmet-needs")
    car = row(needs, Literal("Auto"))
    assert car[0] == Literal("de, pl, ru, tr")  # the languages of both periods
    assert car[1] == Literal("auto, araba, autowerkstat, samochód")  # the most searched of both periods
    assert car[2:] == (7, 5, Delta(2))
    assert row(needs, Literal("Zahnarzt"))[2:] == (4, 0, Delta(4))
    # No need of the vocabulary: grouped by the search's own words, the typo with the word.
    assert row(needs, Literal("trampolinhalle"))[2:] == (3, 0, Delta(3))
    assert row(needs, "personal text, not stored")[1:] == (Literal(""), 1, 0, Delta(1))
    assert [line[0] for line in needs.rows][:2] == [Literal("Auto"), Literal("Zahnarzt")]
    assert not any("Anna" in str(value) for found in section.tables for line in found.rows for value in line)

    summary = table(section, "unmet-summary")
    assert row(summary, "Searches that found nothing") == (15, 5, Delta(10))
    assert row(summary, "Needs (searches grouped by meaning)") == (3, 1, Delta(2))
    assert row(summary, "Personal texts (counted, not stored)") == (1, 0, Delta(1))

    weeks = table(section, "unmet-weeks")
    assert [line[0] for line in weeks.rows] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert weeks.rows[0] == (Literal("2026-W45"), 10, 3, Literal("Auto (5), Zahnarzt (3), trampolinhalle (2)"),
                             Literal("2026-W41"), 0)
    assert weeks.rows[2][:3] == (Literal("2026-W47"), 5, 3) and weeks.rows[1][5] == 5  # W42 beside W46


async def test_real_words_are_not_read_as_typos_of_each_other(database: Database, tmp_path: Path,
                                                              clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock, content=False)  # no vocabulary: the words alone
    for language, text in (("de", "Schwimmbad"), ("de", "Schwimbad"), ("de", "schwimmen"), ("de", "schlimm")):
        await searched(app, W45, language, text)
    needs = table(await section_of(app), "unmet-needs")
    labels = sorted(str(line[0]) for line in needs.rows)
    assert labels == ["schlimm", "schwimmbad", "schwimmen"]
    examples, count = row(needs, Literal("schwimmbad"))[1:3]
    assert set(str(examples).split(", ")) == {"schwimmbad", "schwimbad"} and count == 2


async def test_an_empty_period(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock, content=False)
    section = await section_of(app)
    assert table(section, "unmet-needs").note == "Every search found something in both periods."
    assert row(table(section, "unmet-summary"), "Searches that found nothing") == (0, 0, Delta(0))
