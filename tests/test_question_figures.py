"""Figures on questions: per week, topic and language, time to the first answer, the share answered within the
working days (weekends and NRW holidays do not count); the figures page, its CSV, and the Leitung's export of
the conversations themselves (audited; Team refused)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import App, create_app
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.questions.figures import deadline, every_week, question_figures
from bot.questions.models import DONE, NEW, WAITING, WITHDRAWN, Question
from bot.questions.store import answer, ask, note
from tests.support.databases import Database, settings_for
from tests.support.web import browser, make_account

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 14, 12, 0, tzinfo=BERLIN)


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BERLIN)


@pytest.mark.parametrize(("asked", "due"), [
    (at("2026-12-01"), at("2026-12-04", "00:00")),  # Tuesday: Wednesday and Thursday
    (at("2026-12-04", "15:00"), at("2026-12-09", "00:00")),  # Friday: Monday and Tuesday
    (at("2026-12-05"), at("2026-12-09", "00:00")),  # Saturday: the same
    (at("2026-12-23"), at("2026-12-29", "00:00")),  # Wednesday: 24th, (25th, 26th holidays), Monday 28th
    (at("2026-12-24"), at("2026-12-30", "00:00")),  # Christmas Eve is a working day; 25th and 26th are not
    (at("2026-12-31"), at("2027-01-06", "00:00")),  # New Year's Day: Monday 4th and Tuesday 5th
])
def test_the_deadline_counts_working_days_in_north_rhine_westphalia(asked: dt.datetime, due: dt.datetime) -> None:
    assert deadline(asked, 2, BERLIN) == due
    assert deadline(asked.astimezone(dt.UTC), 2, BERLIN) == due  # stored in UTC, counted in local days


async def resident(app: App) -> int:
    async with app.sessions() as session, session.begin():
        row = Resident(channel="test", channel_user_id=uuid.uuid4().hex, language="de", created_at=NOW,
                       last_seen_at=NOW)
        session.add(row)
        await session.flush()
        return row.id


async def add(app: App, quarter: str, resident_id: int, created: dt.datetime, language: str = "de", *,
              after_hours: float | None = None, answered: dt.datetime | None = None, status: str = NEW,
              topic: str = "") -> None:
    async with app.sessions() as session, session.begin():
        question = await ask(session, resident_id=resident_id, quarter=quarter, channel="telegram",
                             language=language, text="Frage", now=created)
        if after_hours is not None or answered is not None:
            await answer(session, question, account_id=None, text="Antwort", language=language,
                         now=answered or created + dt.timedelta(hours=after_hours or 0))
        question.status, question.topic = status, topic


async def a_fortnight(app: App, quarter: str) -> None:
    """Two weeks of questions (W49: 4, W50: 4), and one on either side of the period."""
    someone = await resident(app)
    await add(app, quarter, someone, at("2026-11-29", "23:00"), after_hours=1)  # Sunday before: outside
    await add(app, quarter, someone, at("2026-11-30", "09:00"), after_hours=1, status=DONE, topic="Jobcenter")
    await add(app, quarter, someone, at("2026-11-30"), "tr", after_hours=2, status=DONE, topic="Jobcenter")
    await add(app, quarter, someone, at("2026-12-02"), "ar", after_hours=3, status=WAITING)
    # Friday afternoon, answered Wednesday morning: after Tuesday's end, so late.
    await add(app, quarter, someone, at("2026-12-04", "15:00"), answered=at("2026-12-09", "08:00"))
    await add(app, quarter, someone, at("2026-12-07", "09:00"), "uk", after_hours=10, status=DONE, topic="Wohnung")
    await add(app, quarter, someone, at("2026-12-08", "09:00"))  # unanswered past its deadline: late
    await add(app, quarter, someone, at("2026-12-11", "09:00"), "ru")  # unanswered, not due yet
    await add(app, quarter, someone, at("2026-12-10"), "pl", status=WITHDRAWN)  # withdrawn: not judged
    await add(app, quarter, someone, at("2026-12-12"), after_hours=1)  # Saturday after: outside


async def test_figures_of_a_period(app: App) -> None:
    quarter = f"q-{uuid.uuid4().hex[:12]}"
    await a_fortnight(app, quarter)
    async with app.sessions() as session:
        figures = await question_figures(session, quarter, at("2026-11-30", "00:00"), at("2026-12-12", "00:00"),
                                         NOW, BERLIN, 2)
    assert figures.total == 8
    assert figures.per_week == {"2026-W49": 4, "2026-W50": 4}
    assert figures.by_topic == {"Jobcenter": 2, "Wohnung": 1}
    assert figures.by_language == {"de": 3, "tr": 1, "ar": 1, "uk": 1, "ru": 1, "pl": 1}
    assert figures.answered == 5
    # First answers after 1, 2, 3, 10 and 113 hours: the median is 3; the 90th percentile lies 60 % of the
    # way from 10 to 113.
    assert figures.median_hours == pytest.approx(3)
    assert figures.p90_hours == pytest.approx(10 + 0.6 * 103)
    # Judged: the five answered (one late) and the unanswered one past its deadline.
    assert figures.share_within == pytest.approx(4 / 6)
    assert every_week(figures, dt.date(2026, 11, 30), dt.date(2026, 12, 20)) == [
        ("2026-W49", 4), ("2026-W50", 4), ("2026-W51", 0)]


async def test_no_questions_no_figures(app: App) -> None:
    async with app.sessions() as session:
        figures = await question_figures(session, "nowhere", at("2026-11-30"), at("2026-12-12"), NOW, BERLIN)
    assert (figures.total, figures.median_hours, figures.p90_hours, figures.share_within) == (0, None, None, None)


@pytest_asyncio.fixture
async def office(database: Database, tmp_path: Path) -> AsyncIterator[App]:
    """An app of a quarter of its own on the shared database, on the Monday after the fortnight."""
    settings = settings_for(database, tmp_path, quarter=f"q-{uuid.uuid4().hex[:12]}")
    yield await create_app(settings, clock=FixedClock(NOW), migrate=False, engine=database.engine)


async def test_the_figures_page_and_its_csv(office: App) -> None:
    await a_fortnight(office, office.settings.quarter)
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        default = await page.get("/questions/figures")
        assert default.status_code == 200
        assert 'name="from" type="date" value="2026-09-22"' in default.text  # 12 weeks up to today
        assert 'name="to" type="date" value="2026-12-14"' in default.text
        assert "Kennzahlen zu Fragen" in default.text and "<dd>10</dd>" in default.text
        shown = await page.get("/questions/figures", **{"from": "2026-11-30", "to": "2026-12-11"})
        assert "<dt>Gestellte Fragen</dt><dd>8</dd>" in shown.text
        assert "<dt>Beantwortet</dt><dd>5</dd>" in shown.text
        assert "Zeit bis zur ersten Antwort, Median</dt><dd>3 Stunden</dd>" in shown.text
        assert "90. Perzentil</dt><dd>3 Tage</dd>" in shown.text  # 71.8 hours
        assert "Beantwortet innerhalb von 2 Werktagen</dt><dd>67 %</dd>" in shown.text
        assert "<tr><td>2026-W49</td><td>4</td></tr>" in shown.text
        assert "<tr><td>Jobcenter</td><td>2</td></tr>" in shown.text
        assert "<tr><td>Türkisch</td><td>1</td></tr>" in shown.text
        assert "<tr><td>Deutsch</td><td>3</td></tr>" in shown.text
        assert "Gespräche exportieren" not in shown.text  # Team has no personal exports

        download = await page.get("/questions/figures.csv", **{"from": "2026-11-30", "to": "2026-12-11"})
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        assert download.headers["content-disposition"] == \
            'attachment; filename="fragen-kennzahlen-2026-11-30-2026-12-11.csv"'
        rows = list(csv.reader(io.StringIO(download.text)))
        assert rows[0] == ["figure", "key", "value"]
        assert ["questions", "total", "8"] in rows and ["first_answer_hours", "median", "3.0"] in rows
        assert ["first_answer_hours", "p90", "71.8"] in rows
        assert ["answered_within_working_days", "2", "0.667"] in rows
        assert ["week", "2026-W50", "4"] in rows and ["topic", "Wohnung", "1"] in rows
        assert ["language", "uk", "1"] in rows

        for wrong in ({"from": "30.11.2026", "to": "2026-12-11"}, {"from": "2026-12-11", "to": "2026-11-30"},
                      {"from": "2020-01-01", "to": "2026-12-11"}):
            refused = await page.get("/questions/figures", **wrong)
            assert refused.status_code == 400 and 'class="error"' in refused.text
            assert f'value="{wrong["from"]}"' in refused.text  # as typed
            assert (await page.get("/questions/figures.csv", **wrong)).status_code == 400


async def test_leitung_exports_the_conversations_and_the_export_is_audited(office: App) -> None:
    quarter = office.settings.quarter
    leitung, secret = await make_account(office, "leitung")
    someone = await resident(office)
    async with office.sessions() as session, session.begin():
        question = await ask(session, resident_id=someone, quarter=quarter, channel="telegram", language="ar",
                             text="وصلتني رسالة من مركز العمل", now=at("2026-12-07"))
        await answer(session, question, account_id=leitung.id, text="أحضر الرسالة يوم الثلاثاء", language="ar",
                     now=at("2026-12-07", "14:00"), machine_translated=True)
        question.messages[-1].german = "Bringen Sie den Brief am Dienstag mit."
        await note(session, question, account_id=leitung.id, text="Termin Dienstag", now=at("2026-12-07", "14:05"))
        reference = question.reference
    await add(office, quarter, someone, at("2026-11-01"))  # outside the period
    async with browser(office) as page:
        await page.login(leitung.name, secret=secret, now=NOW)
        figures = await page.get("/questions/figures")
        assert 'href="/questions/export?from=2026-09-22&amp;to=2026-12-14"' in figures.text
        form = await page.get("/questions/export", **{"from": "2026-12-01", "to": "2026-12-14"})
        assert form.status_code == 200 and "personenbezogene Daten" in form.text
        token = page.token()
        download = await page.post("/questions/export", {"from": "2026-12-01", "to": "2026-12-14"}, token=token)
        assert download.status_code == 200 and download.headers["content-type"] == "application/json"
        assert download.headers["content-disposition"] == 'attachment; filename="fragen-2026-12-01-2026-12-14.json"'
        document = json.loads(download.text)
        assert document["count"] == 1 and document["period"]["from"].startswith("2026-11-30T23:00")
        [exported] = document["questions"]
        assert exported["reference"] == reference and exported["language"] == "ar" and exported["status"] == WAITING
        assert exported["channel"] == "telegram" and exported["first_answer_at"] is not None
        assert [(m["author"], m["staff"], m["machine_translated"]) for m in exported["messages"]] == [
            ("resident", None, False), ("staff", leitung.name, True)]
        assert exported["messages"][0]["text"] == "وصلتني رسالة من مركز العمل"
        assert exported["messages"][1]["german"] == "Bringen Sie den Brief am Dienstag mit."
        assert exported["notes"] == [{"staff": leitung.name, "at": "2026-12-07T13:05:00+00:00",
                                      "text": "Termin Dienstag"}]
        refused = await page.post("/questions/export", {"from": "2026-12-14", "to": "2026-12-01"}, token=token)
        assert refused.status_code == 400 and 'value="2026-12-14"' in refused.text
    async with office.sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "questions.export",
                                                                      AuditEntry.account_id == leitung.id)))
    assert [(entry.actor, entry.after) for entry in entries] == [
        (leitung.name, {"from": "2026-12-01", "to": "2026-12-14", "questions": 1})]

    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        assert (await page.get("/questions/export")).status_code == 403
        await page.get("/questions/figures")
        refused = await page.post("/questions/export", {"from": "2026-12-01", "to": "2026-12-14"},
                                  token=page.token())
        assert refused.status_code == 403 and "Antwort" not in refused.text and reference not in refused.text
    redaktion, _ = await make_account(office, "redaktion")
    async with browser(office) as page:
        await page.login(redaktion.name)
        assert (await page.get("/questions/figures")).status_code == 403
        assert (await page.get("/questions/figures.csv")).status_code == 403


async def test_questions_done_count_under_the_topic_they_were_closed_with(app: App) -> None:
    quarter = f"q-{uuid.uuid4().hex[:12]}"
    someone = await resident(app)
    await add(app, quarter, someone, at("2026-12-01"), after_hours=1, status=DONE)
    async with app.sessions() as session:
        figures = await question_figures(session, quarter, at("2026-11-30", "00:00"), at("2026-12-07", "00:00"),
                                         NOW, BERLIN)
        stored = await session.scalar(select(Question.topic).where(Question.quarter == quarter))
    assert stored == "" and figures.by_topic == {"-": 1}
