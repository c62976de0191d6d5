"""What staff do at the desk in the browser: each a form that calls the chat desk's domain function and
redirects back to the desk with a note (post, redirect, get), so reloading never sends it twice.

Every form carries what the staff member saw: "call next" who was at their desk, "came"/"did not come"
the ticket called, "call again" that call's time, a walk-in number a key of the form. Under the
session's lock the domain compares it with how things are now and does nothing if they changed, so a
double tap, or two browsers at the same desk tapping together, calls one number and skips nobody.
"""

from __future__ import annotations

import datetime as dt

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import record
from bot.queue import desk as actions
from bot.queue.models import Consultation, QueueSession
from bot.queue.panel import running_now
from bot.queue.schedule import (
    consultation_in_quarter,
    lock_session,
    open_now,
    quarter_consultations,
    session_in_quarter,
)
from bot.queue.tickets import QueueClosed, take_ticket
from bot.web.desk import DESK_COOKIE_DAYS, desk_cookie, my_desk
from bot.web.guard import Staff, guarded
from bot.web.rendering import render

NO_INTERPRETER = "-"
MAX_KEY = 32
MAX_DIGITS = 9  # ids and desks; a longer number is no row of ours (and would not fit PostgreSQL's integer)
STAMP_DIGITS = 18  # a call's time in microseconds (`desk.call_stamp`)


def _int(form: FormData, name: str, digits: int = MAX_DIGITS) -> int | None:
    value = str(form.get(name, "")).strip()
    return int(value) if value.isdigit() and len(value) <= digits else None


def back(session_id: int | None, note: str, **extra: object) -> Response:
    query = "&".join(f"{name}={value}" for name, value in {"note": note, "session": session_id or "", **extra}.items())
    return RedirectResponse(f"/desk?{query}", status_code=303)


def _refused(request: Request, staff: Staff) -> Response:
    """A form that names nothing of this quarter: an old page, or not from here."""
    return render(request, staff.translator, "error.html", status_code=400, staff=staff,
                  message=staff.translator.gettext("This form is out of date. Please go back to the desk."))


async def _session(request: Request, staff: Staff, form: FormData) -> tuple[Consultation, QueueSession] | None:
    session_id = _int(form, "session")
    if session_id is None:
        return None
    return await session_in_quarter(staff.db, session_id, request.app.state.web.app.settings.quarter)


def _now(request: Request) -> dt.datetime:
    return request.app.state.web.app.clock.now()


@guarded(Right.DESK)
async def call(request: Request, staff: Staff) -> Response:
    form = await request.form()
    found = await _session(request, staff, form)
    if found is None:
        return _refused(request, staff)
    row = found[1]
    consultations = await quarter_consultations(staff.db, request.app.state.web.app.settings.quarter)
    desk = my_desk(request, consultations, form.get("desk"))
    seen = frozenset(int(part) for part in str(form.get("seen", "")).split(",") if part.isdigit())
    try:
        outcome = await actions.call_next(staff.db, row.id, desk, _now(request), seen=seen)
    except QueueClosed:
        return back(row.id, "closed")
    if outcome.changed:
        return back(row.id, "stale")
    if outcome.unmarked is not None:
        return back(row.id, "unmarked")
    return back(row.id, "called" if outcome.called is not None else "nobody")


async def _mark(request: Request, staff: Staff, action: str) -> Response:
    form = await request.form()
    ticket_id = _int(form, "ticket")
    ticket = await actions.ticket_by_id(staff.db, ticket_id) if ticket_id is not None else None
    if ticket is None or await session_in_quarter(staff.db, ticket.session_id,
                                                  request.app.state.web.app.settings.quarter) is None:
        return _refused(request, staff)
    now = _now(request)
    if action == "again":
        done = await actions.call_again(staff.db, ticket.id, now, seen=_int(form, "called", STAMP_DIGITS))
    elif action == "served":
        done = await actions.mark_served(staff.db, ticket.id, now)
    else:
        done = await actions.mark_no_show(staff.db, ticket.id, now)
    return back(ticket.session_id, action if done is not None else "stale")


@guarded(Right.DESK)
async def came(request: Request, staff: Staff) -> Response:
    return await _mark(request, staff, "served")


@guarded(Right.DESK)
async def did_not_come(request: Request, staff: Staff) -> Response:
    return await _mark(request, staff, "no_show")


@guarded(Right.DESK)
async def again(request: Request, staff: Staff) -> Response:
    return await _mark(request, staff, "again")


@guarded(Right.DESK)
async def walk_in(request: Request, staff: Staff) -> Response:
    form = await request.form()
    found = await _session(request, staff, form)
    key = str(form.get("key", "")).strip()
    if found is None or not key or len(key) > MAX_KEY:
        return _refused(request, staff)
    consultation, row = found
    topic, code = str(form.get("topic", "")), str(form.get("interpreter", NO_INTERPRETER))
    if topic not in consultation.topics:
        return back(row.id, "topic")
    if code != NO_INTERPRETER and code not in row.languages:
        return _refused(request, staff)
    now = _now(request)
    try:
        ticket, created = await take_ticket(staff.db, session_id=row.id, resident_id=None, topic=topic,
                                            interpreter="" if code == NO_INTERPRETER else code, now=now,
                                            walk_in=True, key=key)
    except QueueClosed:
        return back(row.id, "closed")
    if created:
        record(staff.db, now, staff.actor, "desk.walk_in", "queue_ticket", ticket.id,
               after={"session": row.id, "number": ticket.number, "topic": topic, "interpreter": ticket.interpreter})
    return RedirectResponse(f"/desk/tickets/{ticket.id}", status_code=303)


@guarded(Right.DESK)
async def choose_desk(request: Request, staff: Staff) -> Response:
    form = await request.form()
    consultations = await quarter_consultations(staff.db, request.app.state.web.app.settings.quarter)
    wanted = _int(form, "desk")
    desk = my_desk(request, consultations, wanted)
    if wanted is None or desk != wanted:
        return _refused(request, staff)
    response = back(_int(form, "session"), "desk")
    response.set_cookie(desk_cookie(request), str(desk), max_age=DESK_COOKIE_DAYS * 86400, httponly=True,
                        secure=request.app.state.web.secure, samesite="strict", path="/")
    return response


@guarded(Right.DESK)
async def open_hours(request: Request, staff: Staff) -> Response:
    form = await request.form()
    consultation_id = _int(form, "consultation")
    web = request.app.state.web.app
    consultation = await consultation_in_quarter(staff.db, consultation_id, web.settings.quarter) \
        if consultation_id is not None else None
    if consultation is None:
        return _refused(request, staff)
    now = _now(request)
    running = [row for held, row in await running_now(staff.db, web.settings.quarter, now, web.settings.zone)
               if held.id == consultation.id]
    if running:  # already open (a second tap, or a colleague): nothing to do
        return back(running[0].id, "opened")
    row = await open_now(staff.db, consultation, now, web.settings.zone)
    record(staff.db, now, staff.actor, "desk.open", "queue_session", row.id,
           after={"consultation": consultation.key, "day": row.day.isoformat(), "ad_hoc": row.ad_hoc,
                  "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat()})
    return back(row.id, "opened")


@guarded(Right.DESK)
async def close(request: Request, staff: Staff) -> Response:
    form = await request.form()
    found = await _session(request, staff, form)
    if found is None:
        return _refused(request, staff)
    row = await lock_session(staff.db, found[1].id)  # two colleagues closing at once: one closes, one is told
    if row.closed_at is not None:
        return back(row.id, "already_shut")
    now = _now(request)
    told = await actions.close_session(staff.db, row.id, now)
    record(staff.db, now, staff.actor, "desk.close", "queue_session", row.id, after={"told": told})
    return back(None, "shut", told=told)


ROUTES = [
    Route("/desk/call", call, methods=["POST"]),
    Route("/desk/came", came, methods=["POST"]),
    Route("/desk/no-show", did_not_come, methods=["POST"]),
    Route("/desk/again", again, methods=["POST"]),
    Route("/desk/walk-in", walk_in, methods=["POST"]),
    Route("/desk/desk", choose_desk, methods=["POST"]),
    Route("/desk/open", open_hours, methods=["POST"]),
    Route("/desk/close", close, methods=["POST"]),
]
