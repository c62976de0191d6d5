"""Staff at the desk: only configured accounts; calling, no-shows on time, walk-ins, opening, closing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.clock import FixedClock
from bot.queue.models import CALLED, NO_SHOW, SERVED, UNSERVED, WAITING
from bot.queue.notify import CLOSED, TURN
from bot.queue.notify import NO_SHOW as NO_SHOW_NOTICE
from bot.queue.upkeep import run_upkeep
from tests.support.chat import Chat, button
from tests.support.databases import Database
from tests.support.events import berlin
from tests.support.queue import queue_app, queue_messages, staff_of, take_number, tickets


async def test_residents_never_get_the_desk(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, staff = Chat(app, "console", language_hint="en"), Chat(app, "console", staff_of(app), language_hint="en")
    await take_number(resident)
    session_id = (await tickets(app))[0].session_id
    await resident.say("/start")
    assert "desk:home" not in resident.payloads
    await staff.say("/start")
    assert "desk:home" in staff.payloads

    for attempt in ("/desk", f"desk:call:{session_id}", "desk:open", f"desk:closeok:{session_id}", "desk:home"):
        if attempt.startswith("/"):
            await resident.say(attempt)
        else:
            await resident.tap(attempt)
        assert "How to use me" in resident.text and "Desk" not in resident.text
    # The same account id on another channel is not staff either.
    elsewhere = Chat(app, "telegram", staff_of(app), language_hint="en")
    await elsewhere.tap(f"desk:call:{session_id}")
    assert "How to use me" in elsewhere.text
    assert [(ticket.status, ticket.desk) for ticket in await tickets(app)] == [(WAITING, None)]
    assert await queue_messages(app) == []
    assert "desk" in app.conversation.router.commands and "desk" not in app.conversation.router.command_descriptions


async def test_call_serve_and_two_desks_get_different_people(database: Database, tmp_path: Path,
                                                            clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    people = [Chat(app, "console", language_hint="en") for _ in range(3)]
    for person in people:
        await take_number(person)
    one = Chat(app, "console", staff_of(app), language_hint="en")
    two = Chat(app, "console", staff_of(app) + "-2", language_hint="en")
    app.settings.staff_console_ids = (staff_of(app), staff_of(app) + "-2")
    await one.say("/desk")
    await two.say("/desk")
    await two.tap("desk:desks")
    await two.tap("desk:desk:2")
    assert "Desk 2" in two.text
    await one.tap(button(one, "desk:call:"))
    await two.tap(button(two, "desk:call:"))
    assert "Called to your desk: A-001" in one.text and "Called to your desk: A-002" in two.text
    # Calling again before marking the one called is refused: nobody is skipped by a double tap.
    await one.tap(f"desk:call:{(await tickets(app))[0].session_id}")
    assert "Please first mark" in one.text
    await one.tap(button(one, "desk:served:"))
    clock.advance(dt.timedelta(minutes=4))
    await one.tap(button(one, "desk:call:"))
    stored = await tickets(app)
    assert [(ticket.status, ticket.desk) for ticket in stored] == [(SERVED, 1), (CALLED, 2), (CALLED, 1)]
    assert stored[0].finished_at == clock.now()  # served until the next call at that desk
    turns = await queue_messages(app, TURN)
    assert [(message.payload["ticket"], message.payload["desk"]) for message in turns] == [
        (stored[0].id, 1), (stored[1].id, 2), (stored[2].id, 1)]
    await people[1].say("/queue")
    assert "Please come to desk 2 now" in people[1].text
    await one.tap(button(one, "desk:list:"))
    assert "A-001" not in one.text and "A-002" in one.text and "called to desk 2" in one.text


async def test_no_show_after_the_configured_time_calls_the_next(database: Database, tmp_path: Path,
                                                                clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    people = [Chat(app, "console", language_hint="en") for _ in range(2)]
    for person in people:
        await take_number(person)
    staff = Chat(app, "console", staff_of(app), language_hint="en")
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:call:"))
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    await run_upkeep(app.sessions, clock.now(), app.settings.zone)
    assert [ticket.status for ticket in await tickets(app)] == [CALLED, WAITING]
    await staff.tap(button(staff, "desk:again:"))  # called once more: the five minutes start again
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    await run_upkeep(app.sessions, clock.now(), app.settings.zone)
    assert [ticket.status for ticket in await tickets(app)] == [CALLED, WAITING]
    clock.advance(dt.timedelta(seconds=1))
    assert (await run_upkeep(app.sessions, clock.now(), app.settings.zone)).no_shows >= 1
    first, second = await tickets(app)
    assert (first.status, second.status, second.desk) == (NO_SHOW, CALLED, 1)
    assert [message.payload["ticket"] for message in await queue_messages(app, NO_SHOW_NOTICE)] == [first.id]
    assert [message.payload["ticket"] for message in await queue_messages(app, TURN)] == [first.id, first.id,
                                                                                            second.id]
    await people[0].say("/queue")
    assert "Take a number" in people[0].text  # the lapsed number is no longer theirs
    # Staff marking a no-show themselves works the same, without waiting.
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:noshow:"))
    assert [ticket.status for ticket in await tickets(app)] == [NO_SHOW, NO_SHOW]


async def test_a_walk_in_gets_the_next_number_and_no_message(database: Database, tmp_path: Path,
                                                            clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, staff = Chat(app, "console", language_hint="en"), Chat(app, "console", staff_of(app), language_hint="en")
    await take_number(resident)
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:walkin:"))
    await staff.tap(button(staff, "desk:wt:") .rsplit(":", 1)[0] + ":health")
    await staff.tap(next(payload for payload in staff.payloads if payload.endswith(":ar")))
    assert "New number: A-002" in staff.text
    await staff.tap(button(staff, "desk:call:"))
    await staff.tap(button(staff, "desk:served:"))
    await staff.tap(button(staff, "desk:call:"))
    assert "Walk-in without a phone: please call the number out loud" in staff.text
    walk_in = (await tickets(app))[1]
    assert (walk_in.walk_in, walk_in.resident_id, walk_in.topic, walk_in.interpreter) == (True, None, "health", "ar")
    assert len(await queue_messages(app, TURN)) == 1  # only the resident with a phone is written to


async def test_closing_with_people_waiting_tells_them_politely(database: Database, tmp_path: Path,
                                                              clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    people = [Chat(app, "console", language_hint="en") for _ in range(3)]
    for person in people:
        await take_number(person)
    staff = Chat(app, "console", staff_of(app), language_hint="en")
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:call:"))
    await staff.tap(button(staff, "desk:served:"))
    await staff.tap(button(staff, "desk:close:"))
    assert "2 people are still waiting" in staff.text
    await staff.tap(button(staff, "desk:closeok:"))
    assert "2 people still waiting were told" in staff.text and "No Sprechstunde is open now" in staff.text
    assert [ticket.status for ticket in await tickets(app)] == [SERVED, UNSERVED, UNSERVED]
    closed = await queue_messages(app, CLOSED)
    assert sorted(message.payload["ticket"] for message in closed) == [ticket.id for ticket in await tickets(app)][1:]
    late = Chat(app, "console", language_hint="en")
    await late.say("/queue")
    assert "Thursday, 26 Nov 2026, 14:00–18:00" in late.text and "Take a number" not in late.text

    await staff.tap("desk:open")  # opened again the same day: numbers go on, without gaps
    assert "Residents can take a number now" in staff.text
    assert "A-004" in await take_number(late)


async def test_opening_early_and_ad_hoc(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.set(berlin("2026-11-24T08:00"))
    app = await queue_app(database, tmp_path, clock)
    staff, resident = Chat(app, "console", staff_of(app), language_hint="en"), Chat(app, "console", language_hint="en")
    await resident.say("/queue")
    assert "not open right now" in resident.text
    await staff.say("/desk")
    assert "No Sprechstunde is open now" in staff.text
    await staff.tap("desk:open")
    assert "10:00–13:00" in staff.text  # today's hours, opened early
    assert "A-001" in await take_number(resident)

    clock.set(berlin("2026-11-25T16:00"))  # a Wednesday without hours: an ad hoc session of two hours
    other = Chat(app, "console", language_hint="en")
    await staff.tap("desk:open")
    assert "16:00–18:00" in staff.text
    assert "A-001" in await take_number(other)


async def test_sessions_past_their_hours_close_by_themselves(database: Database, tmp_path: Path,
                                                            clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident = Chat(app, "console", language_hint="en")
    await take_number(resident)
    session_id = (await tickets(app))[0].session_id
    clock.set(berlin("2026-11-24T13:59"))  # an hour after the end, those waiting are still served
    assert session_id not in (await run_upkeep(app.sessions, clock.now(), app.settings.zone)).closed
    clock.set(berlin("2026-11-24T14:00"))
    assert session_id in (await run_upkeep(app.sessions, clock.now(), app.settings.zone)).closed
    assert [ticket.status for ticket in await tickets(app)] == [UNSERVED]
    assert len(await queue_messages(app, CLOSED)) == 1


async def test_a_desk_button_tapped_twice_changes_things_once(database: Database, tmp_path: Path,
                                                              clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    for _ in range(3):
        await take_number(Chat(app, "console", language_hint="en"))
    staff = Chat(app, "console", staff_of(app), language_hint="en")
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:call:"))
    await staff.tap(button(staff, "desk:served:"))
    call = button(staff, "desk:call:")  # it names the number served at this desk
    await staff.tap(call)
    await staff.tap(call)  # the same button once more: the desk is no longer as it showed
    assert "Someone was quicker at this desk, so nothing was changed" in staff.text
    assert [ticket.status for ticket in await tickets(app)] == [SERVED, CALLED, WAITING]
    again = button(staff, "desk:again:")
    for _ in range(2):
        clock.advance(dt.timedelta(seconds=30))
        await staff.tap(again)
    assert "Someone was quicker at this desk" in staff.text
    assert len(await queue_messages(app, TURN)) == 3  # two calls and one "call again"
