"""The terminal, the CSV and the pages show the same figures: `quartiersbot queue stats` and `survey results`, the
questions' CSV and the figures pages are read back and compared, cell by cell, with the sections' own tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

from bot.clock import FixedClock
from bot.db.models import Resident
from bot.figures.labels import QUESTION_TOPIC_LABELS, label, language_label
from bot.figures.sections import survey_section, usage_section
from bot.figures.tables import Hours, Period, Share
from bot.figures.text import terminal_translator
from bot.questions.models import DONE
from bot.questions.store import answer, ask
from bot.queue.models import NO_SHOW, SERVED
from bot.web.rendering import staff_translator
from tests.support.cli import quartiersbot
from tests.support.databases import BERLIN, Database
from tests.support.figure_data import at, quarter_app, respond, sprechstunde, survey_of, table
from tests.support.figures import as_text, filled, header, page_tables, printed_tables
from tests.support.web import browser, make_account

PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
DATES = {"from": "2026-10-01", "to": "2026-11-30"}


async def test_the_terminal_the_csv_and_the_pages_show_the_sections_figures(database: Database, tmp_path: Path,
                                                                             clock: FixedClock) -> None:
    clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN))
    app = await quarter_app(database, tmp_path, clock)
    survey = await survey_of(app)
    for month, language, living, times in ((dt.date(2026, 10, 1), "de", "under_1_year", 6),
                                           (dt.date(2026, 11, 1), "ro", "over_10_years", 3),
                                           (dt.date(2026, 9, 1), "de", "1_to_3_years", 5)):
        await respond(app, survey, language, month, {"living_in_horst": living, "children": times,
                                                     "wanted_offers": ["meeting", "sport"][:times % 2 + 1]},
                      times=times)
    await sprechstunde(app, dt.date(2026, 11, 3), [{"status": SERVED, "wait": 12, "topic": "work"},
                                                   {"status": NO_SHOW, "wait": 3, "interpreter": "bg"},
                                                   {"status": SERVED, "wait": 40, "walk_in": True}])
    await sprechstunde(app, dt.date(2026, 9, 8), [{"status": SERVED, "wait": 7, "topic": "work"}])
    async with app.sessions() as session, session.begin():
        someone = Resident(channel="test", channel_user_id=uuid.uuid4().hex, language="de", created_at=clock.now(),
                           last_seen_at=clock.now())
        session.add(someone)
        await session.flush()
        for asked, language, hours in ((at(dt.date(2026, 10, 5), "09:00"), "ar", 3.5),
                                       (at(dt.date(2026, 11, 12), "18:00"), "de", 50),
                                       (at(dt.date(2026, 9, 1), "09:00"), "de", 1)):
            question = await ask(session, resident_id=someone.id, quarter=app.settings.quarter, channel="test",
                                 language=language, text="Frage", now=asked)
            await answer(session, question, account_id=None, text="Antwort", language=language,
                         now=asked + dt.timedelta(hours=hours))
            question.status, question.topic = DONE, "housing"
    async with app.sessions() as session:
        surveyed = await survey_section(session, app.settings.quarter, BERLIN, PERIOD, clock.now())
        used = await usage_section(session, app.settings.quarter, BERLIN, PERIOD, clock.now(),
                                   answer_days=app.settings.questions_answer_days)
    english = terminal_translator(BERLIN)

    # queue stats prints the Sprechstunde's tables of the page, number for number.
    printed = printed_tables(await quartiersbot(app, "queue", "stats", "--from", DATES["from"], "--to", DATES["to"]))
    queue = [found for found in used.tables if found.key.startswith("queue-")]
    assert [item.title for item in printed] == [english.gettext(found.title) for found in queue]
    for item, found in zip(printed, queue, strict=True):
        assert item.rows == filled(as_text(found, english)), found.key
    assert printed[0].rows[1] == ["Numbers taken", "3", "1", "+2"]

    # survey results prints the survey's tables.
    printed = printed_tables(await quartiersbot(app, "survey", "results", "bedarfsabfrage", "--from", DATES["from"],
                                                "--to", DATES["to"]))
    assert len(printed) == len(surveyed.tables) > 30
    for item, found in zip(printed, surveyed.tables, strict=True):
        assert item.header == header(found, english), found.key
        assert item.rows == filled(as_text(found, english)), found.key
    assert printed[0].rows[0] == ["Responses", "9", "5", "+4"]

    # The questions' CSV holds the figures of the questions' tables.
    account, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(account.name)
        download = await page.get("/questions/figures.csv", **DATES)
        rows = list(csv.reader(io.StringIO(download.text)))[1:]
        summary = table(used, "questions-summary")
        values = {(figure, key): value for figure, key, value in rows}
        assert int(values[("questions", "total")]) == summary.rows[0][1] == 2
        assert int(values[("questions", "answered")]) == summary.rows[1][1]
        median = summary.rows[2][1]
        assert isinstance(median, Hours) and float(values[("first_answer_hours", "median")]) == round(median, 1)
        share = summary.rows[4][1]
        assert isinstance(share, Share) and float(values[("answered_within_working_days", "2")]) == round(share, 3)
        weeks = [(key, int(value)) for figure, key, value in rows if figure == "week"]
        assert weeks == [(str(line[0]), line[1]) for line in table(used, "questions-weeks").rows if line[0]]
        topics = {label(QUESTION_TOPIC_LABELS, key): int(value) for figure, key, value in rows if figure == "topic"}
        assert topics == {line[0]: line[1] for line in table(used, "questions-topics").rows if line[1]}
        languages = {language_label(key): int(value) for figure, key, value in rows if figure == "language"}
        assert languages == {line[0]: line[1] for line in table(used, "questions-languages").rows if line[1]}

        # The pages show the same tables, in German.
        german = staff_translator("de", BERLIN)
        for path, section in (("/figures/usage", used), ("/figures/survey", surveyed)):
            shown = page_tables((await page.get(path, **DATES)).text)
            for found in section.tables:
                if not found.rows and found.total is None:
                    continue
                assert shown[found.key][0] == header(found, german), found.key
                assert shown[found.key][1:] == as_text(found, german), found.key

