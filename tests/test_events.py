"""Events and reminders with an injected clock: recurrence and daylight saving, exactly-once
reminders through the real Telegram channel, moves, cancellations, seats, faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import random
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select

from bot.app import App, create_app
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.events.models import EventRegistration
from bot.events.occurrences import occurrences_between, reminder_due
from bot.events.store import occurrence_of
from bot.outbox.models import OutboxMessage
from tests.support.chat import Chat
from tests.support.databases import BERLIN
from tests.support.events import berlin, make_event, telegram_outbox, upsert_event_change
from tests.support.telegram_emulator import BotApiEmulator


def telegram_resident(app: App, emulator: BotApiEmulator, language: str = "en") -> Chat:
    user = random.randint(10**8, 10**9)
    emulator.known_chat(user)
    return Chat(app, channel="telegram", user=str(user), language_hint=language)


async def reminded(app: App, emulator: BotApiEmulator, event_id: int, date: str, count: int = 1) -> list[Chat]:
    """Residents who asked to be reminded (one day and two hours before, the defaults)."""
    people = [telegram_resident(app, emulator) for _ in range(count)]
    for person in people:
        await person.say("/start")
        await person.tap(f"events:r:{event_id}:{date}")
    return people


def test_a_weekly_series_keeps_its_local_time_across_both_clock_changes() -> None:
    found = occurrences_between("2026-03-17T18:00", 120, {"frequency": "weekly", "until": "2026-11-10"}, BERLIN,
                                berlin("2026-03-01T00:00"), berlin("2026-12-01T00:00"))
    assert {occurrence.start.astimezone(BERLIN).strftime("%H:%M") for occurrence in found} == {"18:00"}
    utc_hours = {occurrence.date: occurrence.start.astimezone(dt.UTC).hour for occurrence in found}
    assert utc_hours["2026-03-24"] == 17 and utc_hours["2026-03-31"] == 16  # CET, then CEST
    assert utc_hours["2026-10-20"] == 16 and utc_hours["2026-10-27"] == 17  # CEST, then CET again


def test_monthly_on_the_nth_weekday_and_every_two_weeks() -> None:
    first_thursdays = occurrences_between("2026-12-03T17:00", 60, {"frequency": "monthly", "weekday_position": 1,
                                                                   "until": "2027-03-31"},
                                          BERLIN, berlin("2026-12-01T00:00"), berlin("2027-04-01T00:00"))
    assert [occurrence.date for occurrence in first_thursdays] == ["2026-12-03", "2027-01-07", "2027-02-04",
                                                                   "2027-03-04"]
    last_fridays = occurrences_between("2026-11-27T10:00", 60, {"frequency": "monthly", "weekday_position": -1,
                                                                "until": "2027-01-31"},
                                       BERLIN, berlin("2026-11-01T00:00"), berlin("2027-02-01T00:00"))
    assert [occurrence.date for occurrence in last_fridays] == ["2026-11-27", "2026-12-25", "2027-01-29"]
    fortnightly = occurrences_between("2026-12-01T18:00", 60, {"frequency": "weekly", "interval": 2,
                                                               "until": "2026-12-31"},
                                      BERLIN, berlin("2026-11-01T00:00"), berlin("2027-02-01T00:00"))
    assert [occurrence.date for occurrence in fortnightly] == ["2026-12-01", "2026-12-15", "2026-12-29"]


def test_reminders_keep_the_local_time_of_day_across_a_clock_change() -> None:
    start = berlin("2026-03-29T10:00")  # the first day of summer time
    assert reminder_due(start, 24 * 60, BERLIN) == berlin("2026-03-28T10:00")  # 23 real hours before
    assert reminder_due(start, 120, BERLIN) == berlin("2026-03-29T08:00")
    early = berlin("2026-03-29T03:30")  # the clock jumped from 02:00 to 03:00 that night
    assert reminder_due(early, 120, BERLIN) == berlin("2026-03-29T00:30")  # two real hours, three on the clock
    autumn = berlin("2026-10-25T10:00")
    assert reminder_due(autumn, 24 * 60, BERLIN) == berlin("2026-10-24T10:00")  # 25 real hours before


async def test_a_reminder_fires_exactly_once_at_the_right_local_time_across_dst(
        app: App, clock: FixedClock, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-10-20T09:00"))
    event = await make_event(app, "2026-10-25T10:00", "2026-10-25T12:00")  # the day summer time ends
    [person] = await reminded(app, emulator, event.id, "2026-10-25")
    assert "1 day before" in person.text and "2 hours before" in person.text
    chat_id = int(person.user)
    async with telegram_outbox(app, emulator):
        for moment, expected in (("2026-10-24T09:59", 0), ("2026-10-24T10:00", 1), ("2026-10-25T07:59", 1),
                                 ("2026-10-25T08:00", 2), ("2026-10-25T09:00", 2)):
            clock.set(berlin(moment))
            await app.dispatcher.run_until_idle()
            await app.dispatcher.run_until_idle()  # a second look sends nothing again
            assert len(emulator.messages(chat_id)) == expected, moment
    first, _ = emulator.messages(chat_id)
    assert "Reminder: Test meeting" in first.text and "10:00" in first.text
    assert "See your events with /events" in first.text


async def test_a_restart_during_dispatch_neither_loses_nor_repeats(app: App, clock: FixedClock,
                                                                    emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-02T18:00", "2026-12-02T20:00")
    people = await reminded(app, emulator, event.id, "2026-12-02", 30)
    clock.set(berlin("2026-12-01T18:00"))
    async with telegram_outbox(app, emulator):
        app.dispatcher.batch = 10
        first_round = asyncio.create_task(app.dispatcher.run_until_idle())
        await emulator.wait_until(lambda: sum(len(emulator.messages(int(p.user))) for p in people) >= 5)
        first_round.cancel()  # the process dies in the middle of sending
        await asyncio.gather(first_round, return_exceptions=True)
    restarted = await app_like(app)
    async with telegram_outbox(restarted, emulator):
        await restarted.dispatcher.run_until_idle()
        clock.set(berlin("2026-12-01T18:06"))  # claims of the dead run expire after five minutes
        await restarted.dispatcher.run_until_idle()
    counts = [len(emulator.messages(int(person.user))) for person in people]
    assert min(counts) == 1  # nobody lost their reminder
    assert sum(counts) - len(people) <= 10  # only messages on the wire at the kill can come twice
    async with app.sessions() as session:
        statuses = (await session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.idempotency_key.startswith(f"reminder:{event.id}:2026-12-02:"),
            OutboxMessage.due_at <= clock.now()))).all()
    assert set(statuses) == {"sent"} and len(statuses) == 30  # the day-before reminders; two-hour ones wait


async def app_like(app: App) -> App:
    return await create_app(app.settings, clock=app.clock, migrate=False, engine=app.engine)


async def test_reminders_missed_while_down_are_sent_if_the_event_is_still_ahead(
        app: App, clock: FixedClock, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-03T18:00", "2026-12-03T20:00")
    [person] = await reminded(app, emulator, event.id, "2026-12-03")
    async with telegram_outbox(app, emulator):
        clock.set(berlin("2026-12-03T17:00"))  # down for two days: the 1-day reminder is late, still useful
        report = await app.dispatcher.run_until_idle()
        assert report.sent == 1
        clock.set(berlin("2026-12-03T19:00"))  # down again: the 2-hour reminder is pointless now
        clock.advance(dt.timedelta(seconds=1))
        report = await app.dispatcher.run_until_idle()
    assert report.dropped == 1 and report.dropped_reasons == {"the event had already started": 1}
    assert len(emulator.messages(int(person.user))) == 1


async def test_moving_and_cancelling_tell_the_registered_and_move_their_reminders(
        app: App, clock: FixedClock, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00",
                             recurrence={"frequency": "weekly", "until": "2027-01-31"},
                             registration={"required": True, "capacity": 5})
    person = telegram_resident(app, emulator, "de")
    await person.say("/start")
    await person.tap(f"events:reg:{event.id}:2026-12-08")
    assert "Sie sind angemeldet" in person.text or "registered" in person.text
    told = await upsert_event_change(app, event.key, start="2026-12-09T17:00", end="2026-12-09T19:00")
    assert told == 1
    async with app.sessions() as session:
        registration = await session.scalar(select(EventRegistration).where(
            EventRegistration.event_id == event.id))
        assert registration is not None and registration.occurrence == "2026-12-09"
        pending = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.resident_id == registration.resident_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.due_at))).all()
    assert [message.kind for message in pending] == ["event_moved", "event_reminder", "event_reminder"]
    assert [message.due_at for message in pending[1:]] == [berlin("2026-12-08T17:00"), berlin("2026-12-09T15:00")]
    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
        moved = emulator.messages(int(person.user))[-1].text
        assert "verschoben" in moved or "moved" in moved
        assert await upsert_event_change(app, event.key, cancelled=True) == 1
        clock.advance(dt.timedelta(seconds=2))
        await app.dispatcher.run_until_idle()
        clock.set(berlin("2026-12-09T16:00"))
        await app.dispatcher.run_until_idle()  # no reminder for a cancelled event
    texts = [message.text for message in emulator.messages(int(person.user))]
    assert len(texts) == 2 and ("abgesagt" in texts[-1] or "cancelled" in texts[-1])


async def test_50_at_once_for_10_seats_and_the_waiting_list_moves_up(app: App, clock: FixedClock,
                                                                     emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00",
                             registration={"required": True, "capacity": 10})
    people = [telegram_resident(app, emulator) for _ in range(50)]
    for person in people:
        await person.say("/start")
    await asyncio.gather(*(person.tap(f"events:reg:{event.id}:2026-12-10") for person in people))
    async with app.sessions() as session:
        rows = (await session.scalars(select(EventRegistration).where(EventRegistration.event_id == event.id)
                                      .order_by(EventRegistration.created_at, EventRegistration.id))).all()
    assert len(rows) == 50 and [row.status for row in rows].count("registered") == 10
    async with app.sessions() as session:
        ids = {resident.id: resident.channel_user_id for resident in (await session.scalars(
            select(Resident).where(Resident.id.in_([row.resident_id for row in rows])))).all()}
    leaving = next(person for person in people if person.user == ids[rows[0].resident_id])
    first_waiting = ids[next(row for row in rows if row.status == "waiting").resident_id]
    await leaving.tap(f"events:unreg:{event.id}:2026-12-10")
    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
    assert "a seat became free" in emulator.messages(int(first_waiting))[-1].text
    async with app.sessions() as session:
        statuses = (await session.scalars(select(EventRegistration.status).where(
            EventRegistration.event_id == event.id))).all()
    assert statuses.count("registered") == 10 and len(statuses) == 49


async def test_429_and_5xx_are_retried_and_nothing_is_lost_or_doubled(app: App, clock: FixedClock,
                                                                      emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-02T18:00", "2026-12-02T20:00")
    people = await reminded(app, emulator, event.id, "2026-12-02", 6)
    clock.set(berlin("2026-12-01T18:00"))
    emulator.flood(2)
    emulator.fail(3, status=502)
    async with telegram_outbox(app, emulator):
        first = await app.dispatcher.run_until_idle()
        for _ in range(6):
            clock.advance(dt.timedelta(minutes=2))
            await app.dispatcher.run_until_idle()
    assert first.retried >= 1
    assert [len(emulator.messages(int(person.user))) for person in people] == [1] * 6


async def test_a_resident_who_blocked_the_bot_gets_nothing_more(app: App, clock: FixedClock,
                                                                emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-02T18:00", "2026-12-02T20:00")
    [person] = await reminded(app, emulator, event.id, "2026-12-02")
    emulator.block(int(person.user))
    clock.set(berlin("2026-12-01T18:00"))
    async with telegram_outbox(app, emulator):
        report = await app.dispatcher.run_until_idle()
        clock.set(berlin("2026-12-02T16:00"))
        second = await app.dispatcher.run_until_idle()
    assert report.dropped == 1 and second.dropped == 1 and report.sent == second.sent == 0
    async with app.sessions() as session:
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == person.user))
    assert resident is not None and resident.unreachable_since is not None


async def test_an_occurrence_that_does_not_exist_is_outdated(app: App, clock: FixedClock) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-02T18:00", "2026-12-02T20:00")
    assert occurrence_of(event, BERLIN, "2026-12-03") is None
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap(f"events:e:{event.id}:2026-12-03")
    assert "This menu is outdated" in chat.text


async def test_add_to_my_calendar_sends_an_ics_file_on_console_and_telegram(
        app: App, clock: FixedClock, tmp_path: Path, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-05T18:00", "2026-12-05T20:00")
    person = telegram_resident(app, emulator)
    await person.say("/start")
    await person.tap(f"events:e:{event.id}:2026-12-05")
    await person.tap(f"events:ics:{event.id}:2026-12-05")
    attachment = person.last[0].attachment
    assert attachment is not None and attachment.mime_type == "text/calendar"
    entry = Calendar.from_ical(attachment.content).walk("VEVENT")[0]
    assert entry.decoded("dtstart") == berlin("2026-12-05T18:00")
    assert str(entry.get("summary")) == "Test meeting"

    stdout = io.StringIO()
    console = ConsoleChannel(app.conversation, "someone", "en", stdout=stdout, downloads=tmp_path / "downloads")
    console._print(person.last)
    saved = tmp_path / "downloads" / attachment.filename
    assert saved.read_bytes() == attachment.content and f"📎 {saved}" in stdout.getvalue()

    async with telegram_outbox(app, emulator) as channel:
        await channel.send_proactive(person.user, "calendar", person.last)
    sent = emulator.messages(int(person.user))[-1]
    assert sent.document is not None and sent.document["file_name"] == attachment.filename
    assert sent.document["content"] == attachment.content
    assert "Test meeting" in sent.text  # the caption


async def test_followers_of_a_topic_are_told_of_a_new_event_once(app: App, clock: FixedClock,
                                                                  emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    families, seniors = telegram_resident(app, emulator), telegram_resident(app, emulator)
    for person, topic in ((families, "families"), (seniors, "seniors")):
        await person.say("/start")
        await person.tap("events:sub")
        await person.tap(f"events:sub:{topic}")
        assert any(choice.selected for choice in person.last[-1].choices)
    event = await make_event(app, "2026-12-12T10:00", "2026-12-12T12:00", target_groups=["families"])
    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
    assert "New event: Test meeting" in emulator.messages(int(families.user))[-1].text
    assert emulator.messages(int(seniors.user)) == []
    await upsert_event_change(app, event.key, target_groups=["families", "seniors"])  # a change is not new
    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
    assert len(emulator.messages(int(families.user))) == 1 and emulator.messages(int(seniors.user)) == []


async def test_events_by_topic_this_week_and_in_my_language(app: App, clock: FixedClock) -> None:
    clock.set(berlin("2026-12-01T08:00"))  # a Tuesday; the example events of Horst are imported
    chat = Chat(app, language_hint="tr")
    await chat.say("/start events")  # the poster's deep link
    assert "events:cat" in chat.payloads
    await chat.tap("events:cat")
    await chat.tap("events:l:c-round_table:1")
    assert any(payload.startswith("events:e:") for payload in chat.payloads)
    assert "Runder Tisch Horst" in "\n".join(choice.label for choice in chat.last[-1].choices)
    await chat.tap("events:l:w0:1")
    this_week = [payload for payload in chat.payloads if payload.startswith("events:e:")]
    assert this_week and all("2026-12-0" in payload for payload in this_week)
    await chat.tap("events:l:lang:1")
    assert any(payload.startswith("events:e:") for payload in chat.payloads)  # events where Turkish is spoken
    await chat.tap(next(payload for payload in chat.payloads if payload.startswith("events:e:")))
    assert "📅" in chat.text and "📍" in chat.text and "openstreetmap.org" in chat.text


async def test_one_date_of_a_series_is_cancelled_and_only_its_people_are_told(
        app: App, clock: FixedClock, emulator: BotApiEmulator) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(app, "2026-12-09T16:00", "2026-12-09T18:00",
                             recurrence={"frequency": "weekly", "until": "2027-01-31"})
    [that_day] = await reminded(app, emulator, event.id, "2026-12-23")
    [next_week] = await reminded(app, emulator, event.id, "2026-12-30")
    assert await upsert_event_change(app, event.key, cancelled_dates=["2026-12-23"]) == 1
    await that_day.tap(f"events:e:{event.id}:2026-12-23")
    assert "This event is cancelled." in that_day.text
    assert not any(payload.startswith("events:r:") for payload in that_day.payloads)
    async with telegram_outbox(app, emulator):
        await app.dispatcher.run_until_idle()
        for moment in ("2026-12-22T16:00", "2026-12-23T14:00", "2026-12-29T16:00"):
            clock.set(berlin(moment))
            await app.dispatcher.run_until_idle()
    told = [message.text for message in emulator.messages(int(that_day.user))]
    assert len(told) == 1 and "is cancelled" in told[0]  # told once, and no reminder for it
    sent = [message.text for message in emulator.messages(int(next_week.user))]
    assert len(sent) == 1 and "Reminder: Test meeting" in sent[0]
