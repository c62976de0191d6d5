"""Data with a known answer for the figures' tests: a quarter of the test's own on the shared database, survey
responses as the chat stores them once completed, Sprechstunde sessions with their tickets, and a way to read a
section's tables by key and label."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.content.importer import import_folder
from bot.db.types import random_id
from bot.figures.tables import Section, Table, Value
from bot.queue.models import Consultation, QueueSession, QueueTicket
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse
from tests.support.databases import BERLIN, HORST, Database, settings_for

SURVEY = "bedarfsabfrage"


async def quarter_app(database: Database, tmp_path: Path, clock: FixedClock, *, content: bool = True,
                      **overrides: Any) -> App:
    """An app of a quarter of its own on the shared test database, with Horst's content unless told not."""
    settings = settings_for(database, tmp_path, quarter=f"q{uuid.uuid4().hex[:12]}", **overrides)
    app = await create_app(settings, clock=clock, migrate=False, engine=database.engine)
    if content:
        await import_folder(app.sessions, HORST, app.settings.quarter, clock)
    return app


async def another_quarter(app: App, tmp_path: Path, clock: FixedClock) -> App:
    """An app of a new, empty quarter on `app`'s database (e.g. the `own` fixture's: a database of the test alone,
    for jobs that work on every quarter's rows, such as the outbox's retention)."""
    settings = app.settings.model_copy(update={"quarter": f"q{uuid.uuid4().hex[:12]}", "data_dir": tmp_path})
    return await create_app(settings, clock=clock, migrate=False, engine=app.engine)


async def survey_of(app: App, version: int = 1) -> Survey:
    async with app.sessions() as session:
        survey = await session.scalar(select(Survey).where(Survey.quarter == app.settings.quarter,
                                                           Survey.key == SURVEY, Survey.version == version))
    assert survey is not None
    return survey


async def respond(app: App, survey: Survey, language: str, month: dt.date, answers: dict[str, Any], *,
                  times: int = 1, complete: bool = True, skipped: tuple[str, ...] = ()) -> None:
    """`times` responses as a completed one is kept: no resident, the month only; unfinished ones keep the day."""
    async with app.sessions() as session, session.begin():
        for _ in range(times):
            session.add(SurveyResponse(
                id=random_id(), survey_id=survey.id, resident_id=None, language=language, started_on=month,
                updated_on=month, completed_on=month if complete else None,
                answers=[*(SurveyAnswer(question=key, status="answered", value=value,
                                        text_language=language if isinstance(value, str) and key == "ideas" else None)
                           for key, value in answers.items()),
                         *(SurveyAnswer(question=key, status="skipped", value=None) for key in skipped)]))


def at(day: dt.date, time: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), BERLIN)


async def sprechstunde(app: App, day: dt.date, tickets: list[dict[str, Any]], start: str = "10:00") -> None:
    """A session of the quarter's consultation on `day` with tickets; each ticket's `wait` (minutes) sets its
    call time, and it was taken at the start."""
    async with app.sessions() as session, session.begin():
        consultation = await session.scalar(select(Consultation).where(Consultation.quarter == app.settings.quarter))
        assert consultation is not None
        row = QueueSession(consultation_id=consultation.id, day=day, starts_at=at(day, start),
                           ends_at=at(day, start) + dt.timedelta(hours=3), languages=["de"], last_number=len(tickets))
        session.add(row)
        await session.flush()
        for number, ticket in enumerate(tickets, start=1):
            taken = at(day, start) + dt.timedelta(minutes=number)
            wait = ticket.pop("wait", None)
            called = None if wait is None else taken + dt.timedelta(minutes=wait)
            session.add(QueueTicket(session_id=row.id, number=number, created_at=taken, called_at=called,
                                    last_called_at=called, **{"topic": "other", "interpreter": "", "walk_in": False,
                                                              **ticket}))


def table(section: Section | list[Table], key: str) -> Table:
    tables = section.tables if isinstance(section, Section) else section
    return next(found for found in tables if found.key == key)


def row(found: Table, label: str) -> tuple[Value, ...]:
    """The row whose first cell is `label` (a msgid or the data as shown), without the label."""
    return next(line for line in found.rows if line[0] == label)[1:]
