"""Made-up button data for events: only real, open dates of this quarter's events get reminders or seats.

Anyone can send any callback data to a Telegram bot, so each payload here is what a crafted
button could carry; none of them may leave a reminder, a registration or an outbox message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.db.models import Resident
from bot.events.importer import upsert_event
from bot.events.models import Event, EventRegistration, EventReminder
from bot.events.occurrences import Occurrence
from bot.events.reminders import OFFSETS, set_reminder
from bot.events.schema import EventEntry
from bot.events.store import AHEAD, Booking, booking, occurrence_of
from bot.outbox.models import OutboxMessage
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database, settings_for
from tests.support.events import berlin, make_event

NOW = "2026-12-01T08:00"  # a Tuesday
SERIES = {"frequency": "weekly", "until": "2027-12-31"}  # Tuesdays 18:00, from 17 November 2026
NEXT = "2026-12-08"
PAST = "2026-11-24"
CANCELLED = "2026-12-15"
FAR = "2027-06-01"  # a Tuesday of the series, half a year ahead
NOT_A_DATE_OF_IT = "2026-12-09"  # a Wednesday


async def series(app: App) -> Event:
    return await make_event(app, "2026-11-17T18:00", "2026-11-17T20:00", recurrence=SERIES,
                            registration={"required": True, "capacity": 10}, cancelled_dates=[CANCELLED])


async def foreign_event(app: App) -> Event:
    """An event of another quarter sharing the database: its id is real, but not this bot's."""
    entry = EventEntry.model_validate({
        "key": f"t-{uuid.uuid4().hex[:12]}", "start": "2026-12-08T18:00", "end": "2026-12-08T20:00",
        "place": {"name": "Anderswo"}, "organiser": "Ein anderes Quartier",
        "registration": {"required": True}, "texts": {"de": {"title": "Fremd", "description": "Woanders."}},
    })
    async with app.sessions() as session, session.begin():
        await upsert_event(session, entry, "elsewhere", False, app.clock.now(), BERLIN)
    async with app.sessions() as session:
        event = await session.scalar(select(Event).where(Event.key == entry.key))
        assert event is not None
        return event


async def stored(app: App, chat: Chat) -> tuple[int, int, int]:
    """The resident's reminders, registrations and outbox messages."""
    async with app.sessions() as session:
        resident = await session.scalar(select(Resident.id).where(Resident.channel == chat.channel,
                                                                  Resident.channel_user_id == chat.user))
        counts = []
        for model in (EventReminder, EventRegistration, OutboxMessage):
            counts.append(await session.scalar(
                select(func.count()).select_from(model).where(model.resident_id == resident)) or 0)
    return counts[0], counts[1], counts[2]


@pytest.fixture
async def app(database: Database, tmp_path: Path, clock: FixedClock) -> App:
    """One resident taps many made-up buttons in a row here; fair use has tests of its own."""
    return await create_app(settings_for(database, tmp_path, flood_messages=10_000), clock=clock, migrate=False,
                            engine=database.engine)


@pytest.fixture
async def resident(app: App, clock: FixedClock) -> Chat:
    clock.set(berlin(NOW))
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    return chat


def test_the_window_of_sign_ups_is_the_window_the_listings_show() -> None:
    event = Event(cancelled=False, cancelled_dates=[CANCELLED])
    now = berlin(NOW)

    def at(start: dt.datetime) -> Occurrence:
        return Occurrence(start.date().isoformat(), start, start + dt.timedelta(hours=2))

    assert booking(event, at(now + dt.timedelta(minutes=1)), now) is Booking.OPEN
    assert booking(event, at(now + AHEAD - dt.timedelta(minutes=1)), now) is Booking.OPEN
    assert booking(event, at(now + AHEAD), now) is Booking.TOO_FAR
    assert booking(event, at(now), now) is Booking.STARTED
    assert booking(event, at(berlin("2026-12-15T18:00")), now) is Booking.CANCELLED
    event.cancelled = True
    assert booking(event, at(now + dt.timedelta(days=1)), now) is Booking.CANCELLED


async def test_crafted_dates_leave_nothing_behind(app: App, resident: Chat) -> None:
    event = await series(app)
    for date in (PAST, CANCELLED, FAR, NOT_A_DATE_OF_IT, "2026-12-8", "20261208", "2026-02-30"):
        for payload in (f"events:r:{event.id}:{date}", f"events:ro:{event.id}:{date}:30",
                        f"events:reg:{event.id}:{date}", f"events:ics:{event.id}:{date}"):
            replies = await resident.tap(payload)
            assert replies, payload
            assert all(reply.attachment is None for reply in replies), payload
            assert not any(p.startswith(("events:r:", "events:reg:", "events:ics:")) for p in resident.payloads)
    assert await stored(app, resident) == (0, 0, 0)


async def test_what_a_resident_reads_for_a_past_a_cancelled_and_a_made_up_date(app: App, resident: Chat) -> None:
    event = await series(app)
    await resident.tap(f"events:reg:{event.id}:{PAST}")  # an old card kept in the chat
    assert "Registration is not possible for this event." in resident.text
    await resident.tap(f"events:r:{event.id}:{PAST}")
    assert "That moment has already passed." in resident.text and "Test meeting" in resident.text
    await resident.tap(f"events:ro:{event.id}:{CANCELLED}:120")
    assert "This event is cancelled." in resident.text
    await resident.tap(f"events:ics:{event.id}:{FAR}")
    assert "This menu is outdated" in resident.text and "events:home" in resident.payloads
    await resident.tap(f"events:e:{event.id}:{FAR}")  # looking is fine; signing up from there is not offered
    assert "Test meeting" in resident.text
    assert not any(p.startswith(("events:r:", "events:reg:", "events:ics:")) for p in resident.payloads)
    assert await stored(app, resident) == (0, 0, 0)


async def test_foreign_unknown_and_malformed_events_and_offsets_are_outdated(app: App, resident: Chat) -> None:
    event, other = await series(app), await foreign_event(app)
    assert occurrence_of(other, BERLIN, NEXT) is not None
    crafted = [
        *(f"events:{kind}:{other.id}:{NEXT}" for kind in ("r", "reg", "ics", "e")),
        f"events:ro:{other.id}:{NEXT}:30",
        *(f"events:r:{number}:{NEXT}" for number in ("999999999", "99999999999999999999", "²", "-1", "0", " 1")),
        *(f"events:ro:{event.id}:{NEXT}:{offset}" for offset in ("45", "0", "-30", "030", "³⁰", "1e3", "30 ", "")),
        f"events:ro:{event.id}:{NEXT}:30:30", "events:l:w0:²",
    ]
    for payload in crafted:
        await resident.tap(payload)
        assert "This menu is outdated" in resident.text, payload
    assert await stored(app, resident) == (0, 0, 0)


async def test_one_reminder_per_offset_and_only_the_fixed_ones(app: App, resident: Chat) -> None:
    event = await series(app)
    for _ in range(3):
        await resident.tap(f"events:r:{event.id}:{NEXT}")  # the defaults, set once
    reminders, _, outbox = await stored(app, resident)
    assert (reminders, outbox) == (2, 2)
    for offset in OFFSETS:
        await resident.tap(f"events:ro:{event.id}:{NEXT}:{offset}")  # toggles: the two defaults off, the others on
    for offset in (7 * 24 * 60, 30):
        await resident.tap(f"events:ro:{event.id}:{NEXT}:{offset}")  # and off again
    assert (await stored(app, resident))[0] == 0
    for offset in OFFSETS:
        await resident.tap(f"events:ro:{event.id}:{NEXT}:{offset}")
    assert (await stored(app, resident))[0] == len(OFFSETS)
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Resident).where(Resident.channel_user_id == resident.user))
        occurrence = occurrence_of(event, BERLIN, NEXT)
        assert row is not None and occurrence is not None
        with pytest.raises(ValueError, match="not one of"):
            await set_reminder(session, event, occurrence, row, 45, berlin(NOW), BERLIN)


async def test_valid_payloads_still_work_and_taking_away_stays_possible(app: App, clock: FixedClock,
                                                                        resident: Chat) -> None:
    event = await series(app)
    await resident.tap(f"events:e:{event.id}:{NEXT}")
    assert {f"events:r:{event.id}:{NEXT}", f"events:reg:{event.id}:{NEXT}",
            f"events:ics:{event.id}:{NEXT}"} <= set(resident.payloads)
    await resident.tap(f"events:reg:{event.id}:{NEXT}")
    assert "You are registered." in resident.text
    # One screen: the confirmation on top of the card, with the card's buttons.
    assert len(resident.last) == 1 and resident.last[0].text.startswith("✅ You are registered. I will remind")
    assert f"events:unreg:{event.id}:{NEXT}" in resident.payloads
    await resident.tap(f"events:ro:{event.id}:{NEXT}:30")
    await resident.tap(f"events:ics:{event.id}:{NEXT}")
    assert resident.last[0].attachment is not None
    assert (await stored(app, resident))[:2] == (3, 1)
    clock.set(berlin(f"{NEXT}T19:00"))  # the event is on: nothing can be added, a reminder can still go
    await resident.tap(f"events:ro:{event.id}:{NEXT}:120")
    assert (await stored(app, resident))[0] == 2
    await resident.tap(f"events:ro:{event.id}:{NEXT}:120")  # adding it back is refused
    assert "That moment has already passed." in resident.text
    await resident.tap(f"events:rx:{event.id}:{NEXT}")
    await resident.tap(f"events:unreg:{event.id}:{NEXT}")  # after the start, the seat is not given away
    assert "That moment has already passed." in resident.text
    assert (await stored(app, resident))[:2] == (0, 1)


async def test_a_registration_moved_beyond_the_window_can_still_be_cancelled(app: App, resident: Chat) -> None:
    event = await series(app)
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Resident).where(Resident.channel_user_id == resident.user))
        assert row is not None
        session.add(EventRegistration(event_id=event.id, occurrence=FAR, resident_id=row.id, status="registered",
                                      created_at=berlin(NOW)))  # e.g. staff moved the event there
    await resident.tap(f"events:e:{event.id}:{FAR}")
    assert "You are registered." in resident.text
    assert f"events:unreg:{event.id}:{FAR}" in resident.payloads
    assert f"events:r:{event.id}:{FAR}" not in resident.payloads
    await resident.tap(f"events:unreg:{event.id}:{FAR}")
    assert "Your registration is cancelled." in resident.text
    assert (await stored(app, resident))[1] == 0
