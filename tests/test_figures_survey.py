"""The Bedarfsabfrage's figures: counts and shares per question beside the previous period, the split by group and
language with small cells hidden, months as the only dates, no free text, and versions counted together."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import App
from bot.clock import FixedClock
from bot.figures.sections import survey_section
from bot.figures.survey import NO_FREE_TEXT, NOT_IN_EVERY_VERSION
from bot.figures.tables import HIDDEN, Delta, Literal, Period, Section, Share
from bot.surveys.models import Survey
from tests.support.databases import BERLIN, Database
from tests.support.figure_data import SURVEY, quarter_app, respond, row, survey_of, table

PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))  # the 61 days before: 1 August to 30 September
OCTOBER, NOVEMBER, SEPTEMBER, JULY = (dt.date(2026, month, 1) for month in (10, 11, 9, 7))
Q1 = "1. Wie lange wohnen Sie schon in Horst?"


async def a_survey(app: App) -> None:
    """This period: 8 German newcomers, 3 Turkish old-established residents, one Arabic response not finished.
    The period before: 5 German newcomers; July is outside both."""
    survey = await survey_of(app)
    await respond(app, survey, "de", OCTOBER, {"living_in_horst": "under_1_year", "age_group": "30_to_49",
                                               "children": 2, "wanted_offers": ["meeting", "sport"],
                                               "ideas": "Ein Grillfest im Stadtgarten"}, times=5)
    await respond(app, survey, "de", NOVEMBER, {"living_in_horst": "1_to_3_years", "age_group": "18_to_29",
                                                "children": 0, "wanted_offers": ["meeting"]}, times=3,
                  skipped=("ideas",))
    await respond(app, survey, "tr", NOVEMBER, {"living_in_horst": "over_10_years", "age_group": "65_plus",
                                                "wanted_offers": ["seniors"]}, times=3)
    await respond(app, survey, "ar", dt.date(2026, 11, 20), {"living_in_horst": "over_10_years"}, complete=False)
    await respond(app, survey, "de", SEPTEMBER, {"living_in_horst": "under_1_year",
                                                 "wanted_offers": ["language_courses"]}, times=5)
    await respond(app, survey, "de", JULY, {"living_in_horst": "under_1_year"}, times=2)


async def section_of(app: App, period: Period = PERIOD) -> Section:
    async with app.sessions() as session:
        return await survey_section(session, app.settings.quarter, BERLIN, period, app.clock.now())


def cells(section: Section) -> list[object]:
    return [value for found in section.tables for line in (*found.rows, found.total or ())
            for value in (found.title, *line)]


async def test_counts_and_shares_beside_the_previous_period(database: Database, tmp_path: Path,
                                                            clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    section = await section_of(app)
    responses = table(section, "survey-responses")
    assert row(responses, "Responses") == (12, 5, Delta(7))
    assert row(responses, "of them completed") == (11, 5, Delta(6))
    assert row(responses, Literal("Version 1")) == (12, 5, Delta(7))
    assert row(responses, "Newcomers") == (8, 5, Delta(3))
    assert row(responses, "Old-established residents") == (HIDDEN, 0, None)  # 4: hidden, and no change shown
    assert row(responses, "German") == (8, 5, Delta(3))
    assert row(responses, "Turkish") == (HIDDEN, 0, None) and row(responses, "Arabic") == (HIDDEN, 0, None)

    living = table(section, "survey-q01")
    assert living.title == Q1
    count, share, before, share_before, change = row(living, Literal("Weniger als 1 Jahr"))
    assert (count, before) == (5, 5) and share == pytest.approx(5 / 12) and share_before == 1.0
    assert isinstance(share, Share) and isinstance(change, Delta) and change.unit == "share"
    assert change == pytest.approx(5 / 12 - 1)
    assert row(living, Literal("Mehr als 10 Jahre"))[:2] == (4, pytest.approx(4 / 12))
    assert living.total == ("answered", 12, None, 5, None, Delta(7))

    wanted = table(section, "survey-q10")  # multiple choice: shares of those who answered, more than 100 % in all
    assert row(wanted, Literal("Treffpunkte und Begegnung, z. B. ein Café"))[:2] == (8, pytest.approx(8 / 11))
    assert row(wanted, Literal("Sport und Bewegung"))[:2] == (5, pytest.approx(5 / 11))
    assert row(wanted, Literal("Sprachkurse"))[:4] == (0, Share(0), 5, Share(1))
    assert "more than 100 %" in wanted.explanation

    questions = table(section, "survey-questions")  # shown only to newcomers: the condition is followed
    assert row(questions, Literal("2. " + "Was hat Ihnen beim Ankommen in Horst geholfen, oder was hätte Ihnen "
                                  "geholfen? Sie können mehreres wählen."))[:3] == (8, 0, 0)
    assert row(questions, Literal(Q1))[:3] == (12, 12, 0)

    children = table(section, "survey-q07-summary")
    assert row(children, "Median") == (2.0, None, None)
    assert row(children, "Mean") == (pytest.approx(10 / 8), None, None)


async def test_split_cells_under_five_are_hidden_as_the_cli_does(database: Database, tmp_path: Path,
                                                                 clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    split = table(await section_of(app), "survey-q01-split")
    assert split.columns == ("Answer option", "Newcomers", "Old-established residents", "Other or no answer", "German",
                             "Turkish", "Arabic")
    assert row(split, "answered") == (8, HIDDEN, 0, 8, HIDDEN, HIDDEN)
    assert row(split, Literal("Weniger als 1 Jahr")) == (5, HIDDEN, 0, 5, HIDDEN, HIDDEN)
    assert row(split, Literal("1 bis 3 Jahre")) == (HIDDEN, HIDDEN, 0, HIDDEN, HIDDEN, HIDDEN)  # 3 people
    assert row(split, Literal("3 bis 10 Jahre")) == (0, HIDDEN, 0, 0, HIDDEN, HIDDEN)  # a small column hides 0 too


async def test_free_texts_are_never_shown(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    section = await section_of(app)
    ideas = table(section, "survey-q13")
    assert ideas.note == NO_FREE_TEXT
    assert row(ideas, "Answers written") == (5, 0, Delta(5)) and row(ideas, "Skipped") == (3, 0, Delta(3))
    assert not any("Grillfest" in str(value) for value in cells(section))
    assert "survey-q13-split" not in {found.key for found in section.tables}  # not even by language


async def test_an_empty_period_has_zeros_and_says_so(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    section = await section_of(app, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    responses = table(section, "survey-responses")
    assert row(responses, "Responses") == (0, 0, Delta(0)) and responses.note.startswith("No responses in either")
    living = table(section, "survey-q01")
    assert row(living, Literal("Weniger als 1 Jahr")) == (0, None, 0, None, None)
    assert row(table(section, "survey-q07-summary"), "Median") == (None, None, None)


async def test_a_period_in_which_the_survey_changed_its_version(database: Database, tmp_path: Path,
                                                                clock: FixedClock) -> None:
    """Version 2 asks one more question; answers of both versions are counted together by question key."""
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    first = await survey_of(app)
    definition = dict(first.definition)
    extra = {"key": "garden", "kind": "yes_no",
             "text": {code: "Hätten Sie gern einen Gemeinschaftsgarten?" for code in first.definition["title"]}}
    definition["questions"] = [*first.definition["questions"], extra]
    async with app.sessions() as session, session.begin():
        await session.execute(update(Survey).where(Survey.id == first.id).values(active=False))
        session.add(Survey(quarter=app.settings.quarter, key=SURVEY, version=2, active=True, definition=definition,
                           content_hash="v2", imported_at=app.clock.now()))
    await respond(app, await survey_of(app, 2), "de", NOVEMBER, {"living_in_horst": "under_1_year",
                                                                  "garden": "yes"}, times=2)
    section = await section_of(app)
    responses = table(section, "survey-responses")
    assert row(responses, Literal("Version 1")) == (12, 5, Delta(7))
    assert row(responses, Literal("Version 2")) == (2, 0, Delta(2))
    assert row(responses, "Responses") == (14, 5, Delta(9))
    assert row(table(section, "survey-q01"), Literal("Weniger als 1 Jahr"))[0] == 7
    garden = next(found for found in section.tables if found.title == "15. Hätten Sie gern einen Gemeinschaftsgarten?")
    assert garden.note == NOT_IN_EVERY_VERSION
    assert row(garden, "yes")[:2] == (2, Share(1)) and garden.total is not None and garden.total[1] == 2
    assert table(section, "survey-q01").note == ""


async def shown_ideas(app: App) -> None:
    """Version 2 of the survey says its free texts ("ideas") may be shown; version 1 does not."""
    first = await survey_of(app)
    definition = dict(first.definition)
    definition["questions"] = [{**question, "show_answers": True} if question["key"] == "ideas" else question
                               for question in first.definition["questions"]]
    async with app.sessions() as session, session.begin():
        await session.execute(update(Survey).where(Survey.id == first.id).values(active=False))
        session.add(Survey(quarter=app.settings.quarter, key=SURVEY, version=2, active=True, definition=definition,
                           content_hash="v2", imported_at=app.clock.now()))


async def test_free_texts_a_survey_may_show_are_listed_in_alphabetical_order(database: Database, tmp_path: Path,
                                                                              clock: FixedClock) -> None:
    """Only the texts written to a version that says so, only from five on, sorted, with nothing beside them;
    version 1's "Grillfest" (written when the survey said texts are not shown) stays unlisted."""
    app = await quarter_app(database, tmp_path, clock)
    await a_survey(app)
    await shown_ideas(app)
    second = await survey_of(app, 2)
    for text in ("  zweites Café ", "Bolzplatz", "ein Chor", "Bänke am Markt"):
        await respond(app, second, "de", NOVEMBER, {"living_in_horst": "under_1_year", "ideas": text})
    few = table(await section_of(app), "survey-q13-texts")
    assert few.rows == () and few.note.startswith("Fewer than 5")  # four: not listed
    await respond(app, second, "tr", NOVEMBER, {"living_in_horst": "under_1_year", "ideas": "Ana dili kursu"})
    await respond(app, second, "de", SEPTEMBER, {"living_in_horst": "under_1_year", "ideas": "Im Vorzeitraum"})
    section = await section_of(app)
    texts = table(section, "survey-q13-texts")
    assert texts.rows == ((Literal("Ana dili kursu"),), (Literal("Bänke am Markt"),), (Literal("Bolzplatz"),),
                          (Literal("ein Chor"),), (Literal("zweites Café"),))
    assert texts.columns == ("Answer as written",) and texts.note == ""
    assert table(section, "survey-q13").note == ""  # the count's note no longer says "not listed"
    assert not any("Grillfest" in str(value) or "Vorzeitraum" in str(value) for value in cells(section))
