"""Residents take a number, see where they stand, give it up; outside the hours they get the dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.clock import FixedClock
from bot.db.engine import create_engine_for_url
from bot.i18n import Translator
from bot.outbox.dispatcher import Notice
from bot.queue.models import CANCELLED, WAITING, QueueSession
from bot.queue.notify import SOON
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database, settings_for
from tests.support.events import berlin
from tests.support.queue import queue_app, queue_messages, sprechstunden, staff_of, take_number, tickets


async def test_a_resident_takes_a_number_in_their_language(database: Database, tmp_path: Path,
                                                           clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    first, second = Chat(app, "console", language_hint="de"), Chat(app, "console", language_hint="ro")
    await first.say("/start")
    assert "queue:home" in first.payloads  # in the main menu, no longer "coming soon"
    assert "A-001" in await take_number(first)
    german = Translator.for_language("de", BERLIN).gettext("You are next.")
    assert german != "You are next." and german in first.text

    await second.say("/queue")
    romanian = Translator.for_language("ro", BERLIN)
    assert romanian.ngettext("{count} person is waiting.", "{count} people are waiting.", 1).format(count=1) \
        in second.text
    await second.tap(next(payload for payload in second.payloads if payload.startswith("queue:take:")))
    await second.tap(next(payload for payload in second.payloads if payload.endswith(":letters")))
    # Her own language comes first among the interpreters offered that day.
    assert second.payloads[1].endswith(":ro") and second.last[-1].choices[1].label.endswith("Română")
    await second.tap(second.payloads[1])
    assert "A-002" in second.last[-1].title
    assert "1 " in second.text and "Română" in second.text

    stored = await tickets(app)
    assert [(ticket.number, ticket.topic, ticket.interpreter, ticket.status) for ticket in stored] == [
        (1, "housing", "", WAITING), (2, "letters", "ro", WAITING)]


async def test_one_active_number_per_resident_and_giving_it_up(database: Database, tmp_path: Path,
                                                              clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    ahead, resident, behind = (Chat(app, "console", language_hint="en") for _ in range(3))
    await take_number(ahead)
    await take_number(resident)
    await take_number(behind)
    session_id = (await tickets(app))[0].session_id
    await resident.tap(f"queue:i:{session_id}:work:-")  # an old button pressed again
    assert "You already have a number" in resident.text and "A-002" in resident.text
    assert len(await tickets(app)) == 3

    await resident.tap("queue:cancel")
    assert "give up number A-002" in resident.text
    await resident.tap(next(payload for payload in resident.payloads if payload.startswith("queue:cx:")))
    assert "A-002 is given up" in resident.text
    assert [ticket.status for ticket in await tickets(app)] == [WAITING, CANCELLED, WAITING]
    await behind.tap("queue:home")
    assert "1 person is before you" in behind.text
    # A new number is possible after giving one up, and comes last.
    assert "A-004" in await take_number(resident)


async def test_outside_the_hours_the_next_dates_are_shown(database: Database, tmp_path: Path,
                                                         clock: FixedClock) -> None:
    clock.set(berlin("2026-11-25T09:00"))  # a Wednesday
    app = await queue_app(database, tmp_path, clock)
    chat = Chat(app, "console", language_hint="en")
    await chat.say("/queue")
    assert "not open right now" in chat.text
    assert "Thursday, 26 Nov 2026, 14:00–18:00 (Deutsch, Українська)" in chat.text
    assert "Tuesday, 1 Dec 2026, 10:00–13:00" in chat.text
    assert not [payload for payload in chat.payloads if payload.startswith("queue:take")]

    clock.set(berlin("2026-11-26T13:29"))  # half an hour before, numbers can be taken
    await chat.say("/queue")
    assert "not open right now" in chat.text
    clock.set(berlin("2026-11-26T13:30"))
    assert "A-001" in await take_number(chat)


async def test_deep_link_and_closed_dates(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.set(berlin("2026-12-01T12:00"))
    app = await queue_app(database, tmp_path, clock,
                          content=sprechstunden(
                              closed_dates=["2026-12-03", "2026-12-08"]))
    chat = Chat(app, "console", language_hint="en")
    await chat.say("/start queue")  # the QR code on the shop door
    assert any(payload.startswith("queue:take:") for payload in chat.payloads)
    clock.set(berlin("2026-12-01T13:00"))  # the end: no more numbers, and closed dates are skipped
    await chat.say("/queue")
    assert "no longer given out" in chat.text
    assert "3 Dec" not in chat.text and "8 Dec" not in chat.text and "10 Dec 2026, 14:00" in chat.text


async def test_people_are_told_when_two_are_before_them(database: Database, tmp_path: Path,
                                                       clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    residents = [Chat(app, "console", language_hint="en") for _ in range(5)]
    for resident in residents:
        await take_number(resident)
    # The first three saw "you are next" or 1 or 2 before them when they took their number.
    assert await queue_messages(app, SOON) == []
    staff = Chat(app, "console", staff_of(app), language_hint="de")
    await staff.say("/desk")
    await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:call:")))
    soon = await queue_messages(app, SOON)
    fourth = (await tickets(app))[3]
    assert [(message.payload["ticket"], message.payload["before"]) for message in soon] == [(fourth.id, 2)]
    async with app.sessions() as session:
        notice = Notice(session, soon[0].payload, Translator.for_language("en", BERLIN), app.settings, clock.now())
        [text] = await app.conversation.router.notifications[SOON](notice)
    # Not "Your number: /queue", which reads as if the number were "/queue".
    assert text.text.endswith("\n\nSee your number with /queue") and "Number " in text.title
    await residents[1].tap("queue:cancel")
    await residents[1].tap(next(payload for payload in residents[1].payloads if payload.startswith("queue:cx:")))
    soon = await queue_messages(app, SOON)
    assert [message.payload["before"] for message in soon] == [2, 2]  # the fifth moved up to 2 before
    await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:served:")))
    await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:call:")))
    assert len(await queue_messages(app, SOON)) == 2  # each is told once


async def test_a_restart_in_the_middle_of_a_session_loses_no_ticket(database: Database, tmp_path: Path,
                                                                    clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, halfway = Chat(app, "console", language_hint="en"), Chat(app, "console", language_hint="en")
    await take_number(resident, "family", "ar")
    await halfway.tap("queue:home")
    await halfway.tap(next(payload for payload in halfway.payloads if payload.startswith("queue:take")))
    await halfway.tap(next(payload for payload in halfway.payloads if payload.endswith(":work")))
    interpreter_buttons = halfway.payloads
    # The process ends here, between two steps; a new one starts on the same database.
    engine = create_engine_for_url(database.url)
    try:
        restarted = await create_app(settings_for(database, tmp_path, quarter=app.settings.quarter,
                                                  staff_console_ids=app.settings.staff_console_ids),
                                     clock=clock, migrate=False, engine=engine)
        again = Chat(restarted, "console", resident.user, language_hint="en")
        await again.say("/queue")
        assert "A-001" in again.last[-1].title and "You are next" in again.text
        staff = Chat(restarted, "console", staff_of(app), language_hint="en")
        await staff.say("/desk")
        await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:call:")))
        assert "A-001" in staff.text and "interpreter: العربية" in staff.text
        await again.say("/queue")
        assert "Please come to desk 1 now" in again.text
        # The other one presses the button shown before the restart and gets the next number.
        later = Chat(restarted, "console", halfway.user, language_hint="en")
        await later.tap(next(payload for payload in interpreter_buttons if payload.endswith(":-")))
        assert "A-002" in later.last[-1].title
        async with restarted.sessions() as session:
            rows = (await session.scalars(select(QueueSession).where(
                QueueSession.id == (await tickets(restarted))[0].session_id))).all()
        assert [row.last_number for row in rows] == [2]
    finally:
        await engine.dispose()


async def test_a_resident_can_leave_and_the_estimate_follows_real_service_times(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock, content=sprechstunden(desks=1, minutes_per_person=15))
    staff = Chat(app, "console", staff_of(app), language_hint="en")
    people = [Chat(app, "console", language_hint="en") for _ in range(6)]
    for person in people[:4]:
        await take_number(person)
    await staff.say("/desk")
    for _ in range(3):  # three services of 4 minutes each
        await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:call:")))
        await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:served:")))
        clock.advance(dt.timedelta(minutes=4))
    await staff.tap(next(payload for payload in staff.payloads if payload.startswith("desk:call:")))
    await take_number(people[4])
    await take_number(people[5])
    await people[5].tap("queue:home")
    # One desk, 4 minutes a person, one before: about 10 minutes (rounded up to five).
    assert "1 person is before you" in people[5].text and "about 10 minutes" in people[5].text


async def test_a_language_not_offered_today_gets_one_clear_message(database: Database, tmp_path: Path,
                                                                   clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    chat = Chat(app, "console", language_hint="en")
    await chat.say("/language")
    await chat.tap("lang:set:pl")  # Polish is not among Tuesday's languages (de, ro, ar, tr)
    await chat.say("/queue")
    await chat.tap(next(payload for payload in chat.payloads if payload.startswith("queue:take:")))
    await chat.tap(next(payload for payload in chat.payloads if payload.endswith(":letters")))
    polish = Translator.for_language("pl", BERLIN)
    told = polish.gettext("Nobody here speaks {language} today, but we will try to find help if you ask. "
                          "You are also welcome to bring someone you trust.").format(language="Polski")
    assert told in chat.text
    # The button says the same: we will try; nothing says the language is simply not offered.
    assert chat.payloads[-3].endswith(":pl") and "Polski" in chat.last[-1].choices[-3].label


@pytest.mark.parametrize("code", ["en", "tr", "ar", "ro", "bg", "uk", "ru", "pl"])
def test_the_sprechstunde_button_is_translated_with_the_word_on_the_door(code: str) -> None:
    label = Translator.for_language(code, BERLIN).gettext("🎫 Consultation hours (Sprechstunde): take a number")
    assert "(Sprechstunde)" in label and not label.startswith("🎫 Sprechstunde")
