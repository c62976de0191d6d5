"""Inanspruchnahme in figures: the Sprechstunde per week and session, events, residents reached and questions to
the team, each beside the previous period; and the weeks and months a period holds."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.activity.counts import SENT
from bot.activity.models import ActivityCount
from bot.app import App
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.events.models import EventRegistration
from bot.events.reminders import REMINDER
from bot.figures.common import mondays_within, months_within, paired
from bot.figures.sections import usage_section
from bot.figures.tables import HIDDEN, Delta, Hours, Literal, Minutes, Period, Section, Share
from bot.outbox.models import OutboxMessage
from bot.privacy.retention import old_outbox_messages
from bot.questions.models import DONE
from bot.questions.store import answer, ask
from bot.queue.importer import upsert_consultations
from bot.queue.models import CANCELLED, NO_SHOW, SERVED, UNSERVED
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database
from tests.support.events import make_event
from tests.support.figure_data import another_quarter, at, quarter_app, row, sprechstunde, table
from tests.support.queue import sprechstunden

PERIOD = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 29))  # four weeks; before: 5 October to 1 November
AFTER = dt.datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("period", "months", "weeks"), [
    (Period(dt.date(2026, 9, 2), dt.date(2026, 11, 24)), (3, 3), (12, 12)),  # the default: the last 12 weeks
    (Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), (1, 1), (4, 4)),  # November beside October
    (Period(dt.date(2026, 11, 10), dt.date(2026, 11, 24)), (0, 0), (2, 2)),  # half a month is no month
])
def test_a_period_holds_the_weeks_and_months_with_most_of_their_days(period: Period, months: tuple[int, int],
                                                                     weeks: tuple[int, int]) -> None:
    assert (len(months_within(period)), len(months_within(period.previous()))) == months
    assert (len(mondays_within(period)), len(mondays_within(period.previous()))) == weeks
    assert not set(months_within(period)) & set(months_within(period.previous()))


async def usage(app: App, period: Period = PERIOD) -> Section:
    async with app.sessions() as session:
        return await usage_section(session, app.settings.quarter, BERLIN, period, app.clock.now(), answer_days=2)


async def a_queue(app: App) -> None:
    async with app.sessions() as session, session.begin():
        await upsert_consultations(session, sprechstunden(), app.settings.quarter, app.clock.now())
    await sprechstunde(app, dt.date(2026, 11, 3), [
        {"status": SERVED, "wait": 0}, {"status": SERVED, "wait": 10, "topic": "letters", "interpreter": "ro"},
        {"status": NO_SHOW, "wait": 20, "topic": "housing"},
        {"status": SERVED, "wait": 30, "topic": "letters", "interpreter": "ar", "walk_in": True},
        {"status": CANCELLED}])
    await sprechstunde(app, dt.date(2026, 11, 19), [{"status": SERVED, "wait": 5, "topic": "health"},
                                                    {"status": UNSERVED}], start="14:00")
    await sprechstunde(app, dt.date(2026, 10, 6), [{"status": SERVED, "wait": 10, "topic": "letters"}] * 3)
    await sprechstunde(app, dt.date(2026, 10, 1), [{"status": SERVED, "wait": 99}])  # before both periods


async def test_the_sprechstunde_per_week_and_session(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.set(AFTER)
    app = await quarter_app(database, tmp_path, clock, content=False)
    await a_queue(app)
    section = await usage(app)
    summary = table(section, "queue-summary")
    assert row(summary, "Sessions held") == (2, 1, Delta(1))
    assert row(summary, "Numbers taken") == (7, 3, Delta(4))
    assert row(summary, "Served") == (4, 3, Delta(1))
    assert row(summary, "Did not come when called") == (1, 0, Delta(1))
    assert row(summary, "Did not come, share of those called") == (Share(0.2), Share(0), Delta(0.2, "share"))
    assert row(summary, "Given up by residents") == (1, 0, Delta(1))
    assert row(summary, "Still waiting when the session closed") == (1, 0, Delta(1))
    assert row(summary, "Walk-ins (number without a phone)") == (1, 0, Delta(1))
    assert row(summary, "Interpreter requested") == (2, 0, Delta(2))
    # Waits 0, 5, 10, 20, 30 minutes: median 10; the 90th percentile lies 60 % of the way from 20 to 30.
    assert row(summary, "Waiting time, median") == (Minutes(10), Minutes(10), Delta(0, "minutes"))
    assert row(summary, "Waiting time, 90th percentile")[0] == pytest.approx(26)

    weeks = table(section, "queue-weeks")
    assert [line[0] for line in weeks.rows] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert weeks.rows[0] == (Literal("2026-W45"), 5, 3, 1, 1, Minutes(15), Literal("2026-W41"), 3)
    assert weeks.rows[1][1:6] == (0, 0, 0, 0, None) and weeks.rows[2][1] == 2

    sessions = table(section, "queue-sessions")
    assert [line[:4] for line in sessions.rows] == [(Literal("2026-11-03"), Literal("10:00"), Literal("laden"), 5),
                                                   (Literal("2026-11-19"), Literal("14:00"), Literal("laden"), 2)]
    assert sessions.rows[0][4:] == (3, 1, Share(0.25), Minutes(15), pytest.approx(27), 1)
    assert sessions.total is not None and sessions.total[3] == 7

    topics = table(section, "queue-topics")
    assert row(topics, "Letters from authorities or the Jobcenter") == (2, 3, Delta(-1))
    assert row(topics, "Health") == (1, 0, Delta(1)) and topics.total == ("all", 7, 3, Delta(4))
    assert [line[0] for line in table(section, "queue-interpreters").rows] == ["Arabic", "Romanian"]


async def test_an_empty_period_has_zeros_and_no_times(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.set(AFTER)
    app = await quarter_app(database, tmp_path, clock, content=False)
    await a_queue(app)
    section = await usage(app, Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    summary = table(section, "queue-summary")
    assert row(summary, "Numbers taken") == (0, 0, Delta(0))
    assert row(summary, "Waiting time, median") == (None, None, None)
    assert table(section, "queue-sessions").note == "No Sprechstunde sessions in this period."
    assert table(section, "events-per-event").note == "No event dates in either period."
    assert row(table(section, "questions-summary"), "Questions asked") == (0, 0, Delta(0))


async def test_events_dates_seats_and_reminders(own: App, tmp_path: Path, clock: FixedClock) -> None:
    """On a database of the test's own: the outbox's retention job counts every quarter's messages."""
    clock.set(dt.datetime(2026, 10, 1, 9, 0, tzinfo=BERLIN))
    app = await another_quarter(own, tmp_path, clock)
    event = await make_event(app, "2026-10-06T18:00", "2026-10-06T20:00",
                             recurrence={"frequency": "weekly", "until": "2026-12-31"},
                             registration={"required": True, "capacity": 2}, cancelled_dates=["2026-11-10"])
    someone = Resident(channel="test", channel_user_id=uuid.uuid4().hex, language="de", created_at=clock.now(),
                       last_seen_at=clock.now())
    async with app.sessions() as session, session.begin():
        session.add(someone)
        await session.flush()
        session.add_all([EventRegistration(event_id=event.id, occurrence=occurrence, resident_id=None, status=status,
                                           created_at=clock.now())
                         for occurrence, status in (("2026-11-03", "registered"), ("2026-11-03", "registered"),
                                                    ("2026-11-03", "waiting"), ("2026-11-17", "registered"),
                                                    ("2026-10-06", "registered"))])
        session.add_all([OutboxMessage(resident_id=someone.id, channel="test", kind=REMINDER, payload={},
                                       due_at=sent, idempotency_key=f"figures-{uuid.uuid4().hex}", status="sent",
                                       next_attempt_at=sent, sent_at=sent, created_at=sent)
                         for sent in (at(dt.date(2026, 10, 20), "16:00"), at(dt.date(2026, 11, 3), "16:00"),
                                      at(dt.date(2026, 11, 17), "16:00"))])
    clock.set(AFTER)
    async with app.sessions() as session, session.begin():  # the outbox forgets October's: it is counted first
        await old_outbox_messages(session, clock.now(), app.settings)
    async with app.sessions() as session:
        kept = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.resident_id == someone.id))
        rolled = (await session.execute(select(ActivityCount.day, ActivityCount.count).where(
            ActivityCount.quarter == app.settings.quarter, ActivityCount.measure == SENT + REMINDER))).all()
    assert kept == 2 and rolled == [(dt.date(2026, 10, 20), 1)]

    section = await usage(app)
    summary = table(section, "events-summary")
    # Tuesdays 3, 10, 17 and 24 November; the 10th is cancelled. Before: 6, 13, 20, 27 October.
    assert row(summary, "Dates held") == (3, 4, Delta(-1))
    assert row(summary, "Dates cancelled") == (1, 0, Delta(1))
    assert row(summary, "Seats taken") == (3, 1, Delta(2))
    assert row(summary, "On a waiting list") == (1, 0, Delta(1))
    assert row(summary, "Reminders sent") == (2, 1, Delta(1))
    assert table(section, "events-per-event").rows == ((Literal("Testtreffen"), 3, 1, 3, 1, 1, Delta(2)),)


async def test_residents_reached_per_month_by_channel_and_language(database: Database, tmp_path: Path,
                                                                   clock: FixedClock) -> None:
    """Each resident counts once a month, at their first message of it; small cells show <5, the total is exact."""
    app = await quarter_app(database, tmp_path, clock, content=False)
    anna, berk = Chat(app, "telegram", language_hint="de"), Chat(app, "telegram", language_hint="tr")
    for moment, chat in ((dt.datetime(2026, 10, 10, 9), anna), (dt.datetime(2026, 10, 31, 23, 30), anna),
                         (dt.datetime(2026, 11, 1, 0, 10), anna), (dt.datetime(2026, 11, 6, 12), berk),
                         (dt.datetime(2026, 11, 20, 12), anna)):
        clock.set(moment.replace(tzinfo=BERLIN))
        await chat.say("/start")
    others = [Chat(app, "matrix", language_hint="de") for _ in range(5)]
    clock.set(dt.datetime(2026, 11, 7, 12, tzinfo=BERLIN))
    for chat in others:
        await chat.say("/start")
    section = await usage(app, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    channels = table(section, "reach-channels")
    assert channels.columns[1:4] == ("Telegram", "Matrix", "all")
    assert channels.rows == ((Literal("2026-11"), HIDDEN, 5, 7, Literal("2026-10"), 1),)
    languages = table(section, "reach-languages")
    assert languages.columns[1:4] == ("German", "Turkish", "all")
    assert languages.rows == ((Literal("2026-11"), 6, HIDDEN, 7, Literal("2026-10"), 1),)


async def test_questions_to_the_team(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.set(AFTER)
    app = await quarter_app(database, tmp_path, clock, content=False)
    someone = Resident(channel="test", channel_user_id=uuid.uuid4().hex, language="de", created_at=clock.now(),
                       last_seen_at=clock.now())
    async with app.sessions() as session, session.begin():
        session.add(someone)
        await session.flush()
        for asked, language, hours, topic in ((at(dt.date(2026, 11, 3), "10:00"), "de", 2, "housing"),
                                              (at(dt.date(2026, 11, 4), "10:00"), "uk", 4, "Kita"),
                                              (at(dt.date(2026, 11, 18), "10:00"), "uk", 6, ""),
                                              (at(dt.date(2026, 10, 14), "10:00"), "de", 30, "housing")):
            question = await ask(session, resident_id=someone.id, quarter=app.settings.quarter, channel="test",
                                 language=language, text="Eine Frage", now=asked)
            await answer(session, question, account_id=None, text="Eine Antwort", language=language,
                         now=asked + dt.timedelta(hours=hours))
            if topic:
                question.status, question.topic = DONE, topic
    section = await usage(app)
    summary = table(section, "questions-summary")
    assert row(summary, "Questions asked") == (3, 1, Delta(2))
    assert row(summary, "Time to the first answer, median") == (Hours(4), Hours(30), Delta(-26, "hours"))
    assert row(summary, "Answered in time (within the working days promised)")[:2] == (Share(1), Share(1))
    assert [line[:2] for line in table(section, "questions-weeks").rows] == [
        (Literal("2026-W45"), 2), (Literal("2026-W46"), 0), (Literal("2026-W47"), 1), (Literal("2026-W48"), 0)]
    assert row(table(section, "questions-topics"), "Housing") == (1, 1, Delta(0))
    assert row(table(section, "questions-topics"), Literal("Kita")) == (1, 0, Delta(1))
    assert row(table(section, "questions-languages"), "Ukrainian") == (2, 0, Delta(2))


async def test_every_row_is_as_wide_as_its_table_when_one_period_is_empty(database: Database, tmp_path: Path,
                                                                          clock: FixedClock) -> None:
    """A period without rows beside one with rows (here: residents reached in October, none in September; and
    none in December beside November's) still fills each row to the table's columns, for the page, PDF and XLSX."""
    app = await quarter_app(database, tmp_path, clock, content=False)
    for moment in (dt.datetime(2026, 10, 10, 9), dt.datetime(2026, 11, 6, 12)):
        clock.set(moment.replace(tzinfo=BERLIN))
        await Chat(app, "telegram", language_hint="de").say("/start")
    for period in (Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), Period(dt.date(2026, 12, 1),
                                                                              dt.date(2026, 12, 31))):
        section = await usage(app, period)
        assert table(section, "reach-channels").rows  # the case this test is about
        for shown in section.tables:
            for cells in shown.rows:
                assert len(cells) == len(shown.columns), (shown.key, cells)


def test_a_side_without_rows_is_filled_to_its_own_width() -> None:
    """The previous period's side is two columns wide even when this period has none, and the other way round."""
    this = [(Literal("2026-11"), 1, 2, 3)]
    previous = [(Literal("2026-10"), 4), (Literal("2026-09"), 5)]
    assert paired(this, [], 6) == [(Literal("2026-11"), 1, 2, 3, None, None)]
    assert paired([], previous, 6) == [(None, None, None, None, Literal("2026-10"), 4),
                                       (None, None, None, None, Literal("2026-09"), 5)]
