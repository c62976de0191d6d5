"""The Sprechstunde desk in the browser, over HTTP: the same calls, marks, walk-ins, openings and closings as the
chat's desk, with the same messages to residents; a form sent twice (a double tap, two browsers at one desk)
changes things once; the live part does not keep a session alive."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.queue.models import CALLED, NO_SHOW, SERVED, UNSERVED, WAITING, Consultation, QueueSession
from bot.queue.notify import CLOSED, TURN
from bot.queue.notify import NO_SHOW as NO_SHOW_NOTICE
from tests.support.chat import Chat
from tests.support.databases import Database
from tests.support.events import berlin
from tests.support.queue import queue_app, queue_messages, take_number, tickets
from tests.support.web import Browser, audit, browser, make_account

NEW_ROUTES = [("GET", "/desk"), ("GET", "/desk/live"), ("GET", "/desk/close"), ("GET", "/desk/tickets/1"),
              ("POST", "/desk/call"), ("POST", "/desk/came"), ("POST", "/desk/no-show"), ("POST", "/desk/again"),
              ("POST", "/desk/walk-in"), ("POST", "/desk/desk"), ("POST", "/desk/open"), ("POST", "/desk/close")]


async def residents_waiting(app: App, count: int) -> list[Chat]:
    people = [Chat(app, "console", language_hint="en") for _ in range(count)]
    for person in people:
        await take_number(person)
    return people


async def logged_in(app: App, page: Browser, role: str = "team") -> None:
    account, secret = await make_account(app, role)
    assert (await page.login(account.name, secret=secret, now=app.clock.now())).status_code == 303


async def act(page: Browser, action: str) -> str:
    """Send the desk page's form to `action` as shown; the note the desk answers with."""
    fields = page.form(action)
    response = await page.post(action, fields, token=fields["csrftoken"])
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    await page.get(location)
    return location


async def test_calling_marking_and_calling_again_tell_the_resident_as_the_chat_does(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 2)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        assert "Offene Sprechstunde, 10:00–13:00" in page.page and "Wartend: 2 · vergebene Nummern: 2" in page.page
        assert "A-001" in page.page and "Wohnen" in page.page and "wartet seit 0 Minuten" in page.page

        assert "note=called" in await act(page, "/desk/call")
        assert "Die nächste Nummer ist an Ihren Tisch gerufen." in page.page and "aufgerufen um 10:30" in page.page
        first, second = await tickets(app)
        assert (first.status, first.desk, second.status) == (CALLED, 1, WAITING)
        assert [(message.payload["ticket"], message.payload["desk"]) for message in await queue_messages(app, TURN)] \
            == [(first.id, 1)]

        clock.advance(dt.timedelta(minutes=2))
        assert "note=again" in await act(page, "/desk/again")
        assert len(await queue_messages(app, TURN)) == 2  # a new "your turn", as the chat's "call again" sends
        assert "note=served" in await act(page, "/desk/came")
        assert (await tickets(app))[0].status == SERVED and "wird beraten" in page.page

        clock.advance(dt.timedelta(minutes=10))
        await act(page, "/desk/call")
        first, second = await tickets(app)
        assert first.finished_at == clock.now() and (second.status, second.desk) == (CALLED, 1)
        assert "note=no_show" in await act(page, "/desk/no-show")
        assert (await tickets(app))[1].status == NO_SHOW
        assert [message.payload["ticket"] for message in await queue_messages(app, NO_SHOW_NOTICE)] == [second.id]
        assert "note=nobody" in await act(page, "/desk/call")
        assert "Niemand wartet." in page.page


async def test_a_form_sent_twice_changes_things_once(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 3)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        call = page.form("/desk/call")
        assert (await page.post("/desk/call", call, token=call["csrftoken"])).headers["location"].endswith(
            "note=called&session=" + call["session"])
        again = await page.post("/desk/call", call, token=call["csrftoken"])  # the double tap
        assert "note=stale" in again.headers["location"]
        assert [ticket.status for ticket in await tickets(app)] == [CALLED, WAITING, WAITING]
        await page.get(again.headers["location"])
        assert "Nichts geändert: Eine Kollegin, ein Kollege oder ein zweites Tippen war schneller." in page.page

        for action, note in (("/desk/again", "again"), ("/desk/came", "served")):
            fields = page.form(action)
            answers = []
            for _ in range(2):
                clock.advance(dt.timedelta(milliseconds=300))  # the second tap comes a moment later
                answers.append(await page.post(action, fields, token=fields["csrftoken"]))
            assert [answer.headers["location"].split("&")[0] for answer in answers] == [f"/desk?note={note}",
                                                                                        "/desk?note=stale"]
            await page.get("/desk")
        assert len(await queue_messages(app, TURN)) == 2  # the call, and one "call again"
        # After "came", the page's "call next" carries who is at the desk: sent twice, it calls one number.
        call = page.form("/desk/call")
        assert call["seen"] == str((await tickets(app))[0].id)
        answers = [await page.post("/desk/call", call, token=call["csrftoken"]) for _ in range(2)]
        assert ["note=called" in answer.headers["location"] for answer in answers] == [True, False]
        assert [ticket.status for ticket in await tickets(app)] == [SERVED, CALLED, WAITING]
        await page.get("/desk")
        no_show = page.form("/desk/no-show")
        for _ in range(2):
            await page.post("/desk/no-show", no_show, token=no_show["csrftoken"])
        assert len(await queue_messages(app, NO_SHOW_NOTICE)) == 1


async def test_two_browsers_at_the_same_desk_tapping_together_call_one_number(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 2)
    async with browser(app) as one, browser(app) as two:
        await logged_in(app, one)
        await logged_in(app, two)
        await one.get("/desk")
        await two.get("/desk")
        forms = [one.form("/desk/call"), two.form("/desk/call")]
        answers = await asyncio.gather(*(page.post("/desk/call", form, token=form["csrftoken"])
                                         for page, form in zip((one, two), forms, strict=True)))
    notes = sorted(answer.headers["location"].split("&")[0] for answer in answers)
    assert notes == ["/desk?note=called", "/desk?note=stale"]
    assert [(ticket.status, ticket.desk) for ticket in await tickets(app)] == [(CALLED, 1), (WAITING, None)]
    assert len(await queue_messages(app, TURN)) == 1


async def test_each_desk_calls_to_itself_and_remembers_its_number(database: Database, tmp_path: Path,
                                                                  clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 2)
    async with browser(app) as one, browser(app) as two:
        await logged_in(app, one)
        await logged_in(app, two)
        await two.get("/desk")
        fields = two.form("/desk/desk")
        assert "note=desk" in (await two.post("/desk/desk", {**fields, "desk": "2"}, token=fields["csrftoken"])
                               ).headers["location"]
        await two.get("/desk")
        assert "Sprechstunde-Theke · Tisch 2" in two.page
        refused = await two.post("/desk/desk", {**fields, "desk": "3"}, token=fields["csrftoken"])  # two desks only
        assert refused.status_code == 400
        await one.get("/desk")
        await two.get("/desk")
        await act(one, "/desk/call")
        await act(two, "/desk/call")
        assert [(ticket.status, ticket.desk) for ticket in await tickets(app)] == [(CALLED, 1), (CALLED, 2)]
        await one.get("/desk")
        assert "an Tisch 2 aufgerufen" in one.page  # the queue shows the colleague's call


async def test_a_walk_in_gets_one_number_to_print_and_no_message(database: Database, tmp_path: Path,
                                                                  clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 1)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        fields = page.form("/desk/walk-in")
        assert "topic" not in fields
        unchosen = await page.post("/desk/walk-in", fields, token=fields["csrftoken"])
        assert "note=topic" in unchosen.headers["location"]
        chosen = {**fields, "topic": "health", "interpreter": "ar"}
        answers = [await page.post("/desk/walk-in", chosen, token=fields["csrftoken"]) for _ in range(2)]
        assert answers[0].headers["location"] == answers[1].headers["location"]  # a double tap: the same slip
        await page.get(answers[0].headers["location"])
        assert '<p class="ticket-number">A-002</p>' in page.page
        assert "Quartiersladen Horst, Essener Straße 7" in page.page
        assert 'lang="tr" dir="ltr">Lütfen numaranız gösterilene kadar bekleyin.' in page.page
        assert 'lang="ar" dir="rtl">يرجى الانتظار حتى يظهر رقمك.' in page.page
        stored = await tickets(app)
        assert stored[0].resident_id is not None
        assert [(ticket.number, ticket.walk_in, ticket.resident_id, ticket.topic, ticket.interpreter)
                for ticket in stored] == [(1, False, stored[0].resident_id, "housing", ""),
                                          (2, True, None, "health", "ar")]
        entries = await audit(app, "desk.walk_in")
        assert len(entries) == 1 and entries[0].after == {"session": stored[1].session_id, "number": 2,
                                                          "topic": "health", "interpreter": "ar"}
        resident_ticket = await page.get(f"/desk/tickets/{stored[0].id}")  # only walk-ins have a slip
        assert resident_ticket.status_code == 404
        await page.get("/desk")
        await act(page, "/desk/call")
        await act(page, "/desk/came")
        await act(page, "/desk/call")
        assert "Person ohne Handy: Bitte rufen Sie die Nummer laut auf." in page.page
    assert len(await queue_messages(app, TURN)) == 1  # the resident with a phone only


async def test_opening_ad_hoc_once_and_closing_with_a_confirmation(database: Database, tmp_path: Path,
                                                                  clock: FixedClock) -> None:
    clock.set(berlin("2026-11-25T16:00"))  # a Wednesday without hours
    app = await queue_app(database, tmp_path, clock)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        assert "Gerade ist keine Sprechstunde offen." in page.page
        assert "Donnerstag, 26. November 2026, 14:00–18:00" in page.page
        opening = page.form("/desk/open")
        answers = [await page.post("/desk/open", opening, token=opening["csrftoken"]) for _ in range(2)]
        assert all("note=opened" in answer.headers["location"] for answer in answers)
        async with app.sessions() as session:
            opened = list(await session.scalars(
                select(QueueSession).join(Consultation, Consultation.id == QueueSession.consultation_id)
                .where(Consultation.quarter == app.settings.quarter)))
        assert len(opened) == 1 and opened[0].ad_hoc and opened[0].ends_at == clock.now() + dt.timedelta(hours=2)
        assert [entry.object_id for entry in await audit(app, "desk.open")] == [str(opened[0].id)]

        people = await residents_waiting(app, 2)
        await page.get("/desk")
        await act(page, "/desk/call")
        closing = await page.get("/desk/close", session=str(opened[0].id))
        assert closing.status_code == 200 and "2 Personen warten noch." in page.page
        fields = page.form("/desk/close")
        answer = await page.post("/desk/close", fields, token=fields["csrftoken"])
        assert answer.headers["location"] == "/desk?note=shut&session=&told=2"
        again = await page.post("/desk/close", fields, token=fields["csrftoken"])
        assert "note=already_shut" in again.headers["location"]
        await page.get(answer.headers["location"])
        assert "2 wartende Personen wurden im Chat informiert" in page.page
    assert [ticket.status for ticket in await tickets(app)] == [UNSERVED, UNSERVED]
    assert len(await queue_messages(app, CLOSED)) == 2
    closes = await audit(app, "desk.close")
    assert len(closes) == 1 and closes[0].after == {"told": 2}
    await people[0].say("/queue")
    assert "Take a number" not in people[0].text


async def test_the_live_part_changes_with_the_queue_and_does_not_keep_a_session_alive(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        live_url = page.page.split('data-live="')[1].split('"')[0].replace("&amp;", "&")
        before = (await page.get(live_url)).text
        assert before.startswith('<div id="live"') and "<html" not in before and "A-001" not in before
        await residents_waiting(app, 1)
        after = (await page.get(live_url)).text
        assert "A-001" in after
        assert after.split('data-version="')[1][:16] != before.split('data-version="')[1][:16]
        # The page asking by itself is not work: after the idle time without a tap, the session ends.
        idle = dt.timedelta(minutes=app.settings.web_idle_minutes)
        for step in (idle / 3, idle / 3, idle / 3 - dt.timedelta(seconds=1)):
            clock.advance(step)
            assert (await page.get(live_url)).status_code == 200
        clock.advance(dt.timedelta(seconds=1))
        expired = await page.get(live_url)
        assert (expired.status_code, expired.headers["location"]) == (303, "/login")


@pytest.mark.parametrize(("method", "path"), NEW_ROUTES)
async def test_the_desk_is_for_team_and_leitung_only(own: App, method: str, path: str) -> None:
    async with browser(own) as anonymous, browser(own) as editor:
        await anonymous.get("/login")
        token = anonymous.token()
        response = await (anonymous.get(path) if method == "GET" else anonymous.post(path, {}, token=token))
        assert (response.status_code, response.headers.get("location")) == \
            ((303, "/login") if method == "GET" else (401, None))
        await logged_in(own, editor, "redaktion")
        await editor.get("/account")
        response = await (editor.get(path) if method == "GET" else editor.post(path, {}, token=editor.token()))
        assert response.status_code == 403


async def test_a_desk_form_without_its_csrf_token_is_refused(database: Database, tmp_path: Path,
                                                             clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await residents_waiting(app, 1)
    async with browser(app) as page:
        await logged_in(app, page)
        await page.get("/desk")
        fields = {name: value for name, value in page.form("/desk/call").items() if name != "csrftoken"}
        refused = await page.client.post("/desk/call", data=fields)
        assert refused.status_code == 403
    assert [ticket.status for ticket in await tickets(app)] == [WAITING]
