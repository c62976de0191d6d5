"""The day at a glance: what each capability tells the back office's start page, counted from real rows."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.events.overview import coming
from bot.events.seats import register
from bot.offers.unmet import record_unmet, unmet_in_week
from bot.outbox.store import enqueue, overdue
from bot.queue.desk import call_next
from bot.queue.overview import today
from bot.queue.schedule import running_sessions
from bot.queue.tickets import take_ticket
from bot.surveys.results import completed_in_month
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database
from tests.support.events import make_event
from tests.support.queue import queue_app
from tests.support.survey import answer_survey


async def test_todays_sprechstunde_counts_the_queue(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)  # Tuesday 10:30: the 10:00-13:00 hours are on
    async with app.sessions() as session:
        [planned] = await today(session, app.settings.quarter, clock.now(), BERLIN)
    assert not planned.opened and not planned.closed and planned.waiting == 0
    assert planned.starts_at == dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    async with app.sessions() as session, session.begin():
        [(_, running)] = await running_sessions(session, app.settings.quarter, clock.now(), BERLIN)
        for topic in ("housing", "letters", "work"):
            await take_ticket(session, session_id=running.id, resident_id=None, topic=topic, interpreter="",
                              now=clock.now(), walk_in=True)
        await call_next(session, running.id, 1, clock.now())
    async with app.sessions() as session:
        [held] = await today(session, app.settings.quarter, clock.now(), BERLIN)
    assert (held.opened, held.closed, held.waiting, held.called, held.served) == (True, False, 2, 1, 0)
    clock.advance(dt.timedelta(days=2))  # Thursday: the afternoon's hours are still to come
    async with app.sessions() as session:
        [thursday] = await today(session, app.settings.quarter, clock.now(), BERLIN)
    assert thursday.starts_at.astimezone(BERLIN).hour == 14 and not thursday.opened


async def test_the_coming_week_counts_seats_and_shows_cancelled_dates(database: Database, tmp_path: Path,
                                                                     clock: FixedClock) -> None:
    quarter_app = await queue_app(database, tmp_path, clock)  # a quarter of this test alone
    small = await make_event(quarter_app, "2026-11-25T18:00", "2026-11-25T20:00",
                             registration={"required": True, "capacity": 1})
    series = await make_event(quarter_app, "2026-11-26T10:00", "2026-11-26T11:00",
                              recurrence={"frequency": "weekly", "until": "2027-01-31"}, cancelled_dates=["2026-12-03"])
    await make_event(quarter_app, "2026-12-10T10:00", "2026-12-10T11:00")  # further than a week
    residents = [Chat(quarter_app, user=uuid.uuid4().hex) for _ in range(2)]
    for chat in residents:
        await chat.say("/start")
    async with quarter_app.sessions() as session, session.begin():
        for chat in residents:
            resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
            assert resident is not None
            await register(session, small, "2026-11-25", resident, clock.now())
    clock.advance(dt.timedelta(days=3))  # Friday 27 November: the small event is over, two series dates are ahead
    async with quarter_app.sessions() as session:
        dates = await coming(session, quarter_app.settings.quarter, clock.now() - dt.timedelta(days=3), BERLIN)
        later = await coming(session, quarter_app.settings.quarter, clock.now(), BERLIN)
    first = {(item.event.id, item.occurrence.date): item for item in dates}
    assert first[(small.id, "2026-11-25")].seats.taken == 1 and first[(small.id, "2026-11-25")].seats.waiting == 1
    assert first[(small.id, "2026-11-25")].seats.free == 0
    assert (series.id, "2026-11-26") in first and (series.id, "2026-12-03") not in first  # 7 days from Tuesday
    assert [(item.event.id, item.occurrence.date, item.cancelled) for item in later] == [
        (series.id, "2026-12-03", True)]


async def test_unmet_searches_of_the_week_most_frequent_first(database: Database, tmp_path: Path,
                                                             clock: FixedClock) -> None:
    quarter = f"q{uuid.uuid4().hex[:12]}"
    monday = dt.date(2026, 11, 23)
    async with (await queue_app(database, tmp_path, clock, quarter=quarter)).sessions() as session, session.begin():
        for words, language, day in [("schwimmkurs", "de", monday), ("schwimmkurs", "de", monday + dt.timedelta(2)),
                                     ("yüzme", "tr", monday), ("schach", "de", monday - dt.timedelta(3))]:
            await record_unmet(session, quarter, language, words, day)
        assert await unmet_in_week(session, quarter, monday + dt.timedelta(days=4)) == [
            ("schwimmkurs", "de", 2), ("yüzme", "tr", 1)]


async def test_completed_surveys_are_counted_by_month(app: App, clock: FixedClock) -> None:
    async with app.sessions() as session:
        before = await completed_in_month(session, app.settings.quarter, clock.now().date())
    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    await answer_survey(chat, {"living_in_horst": "under_1_year", "help_organise": "no"})
    async with app.sessions() as session:
        after = await completed_in_month(session, app.settings.quarter, clock.now().date())
        next_month = await completed_in_month(session, app.settings.quarter, dt.date(2026, 12, 1))
    assert after.get("bedarfsabfrage", 0) == before.get("bedarfsabfrage", 0) + 1
    assert next_month == {}  # completed in November


async def test_overdue_messages_are_counted(app: App, clock: FixedClock) -> None:
    chat = Chat(app)
    await chat.say("/start")
    now = clock.now()
    async with app.sessions() as session, session.begin():
        before = await overdue(session, now, dt.timedelta(minutes=10))
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
        assert resident is not None
        for minutes in (30, 5):
            await enqueue(session, resident_id=resident.id, channel="nowhere", kind="test", payload={},
                          due_at=now - dt.timedelta(minutes=minutes), key=f"t-{uuid.uuid4().hex}", now=now)
        assert await overdue(session, now, dt.timedelta(minutes=10)) == before + 1
