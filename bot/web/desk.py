"""The Sprechstunde desk in the browser, for a tablet at the desk: the chat's `/desk` on one page.

The page shows the session, who is at my desk with what to do about them, and the queue (numbers,
topics, interpreter needs, waiting minutes; never who). Its live part is fetched again every two
seconds by `static/live.js` and swapped in when it changed, so a colleague's call or a resident's new
number appears without a reload; without script, reloading the page does the same. Every action is a
form (`bot/web/desk_actions.py`) that calls the chat desk's own domain functions and redirects back.
Which desk this browser is at is kept in a cookie of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.i18n import N_
from bot.languages import FALLBACK_CONTENT_LANGUAGE
from bot.queue.desk import call_stamp
from bot.queue.models import CALLED, WAITING, Consultation, QueueSession, QueueTicket
from bot.queue.panel import chosen, desk_count, desk_view, running_now
from bot.queue.schedule import next_slots, quarter_consultations, session_in_quarter, title_in
from bot.queue.tickets import ticket_label, ticket_with_session
from bot.web.guard import Staff, guarded
from bot.web.rendering import fragment, render
from bot.web.screen import wait_lines
from bot.web.security import with_own_scripts
from bot.web.sprechstunden import TOPIC_LABELS

NOTES: dict[str, tuple[str, str]] = {  # ?note= after an action: (message, kind of box)
    "called": (N_("The next number is called to your desk."), "done"),
    "served": (N_("Marked: came and is being served."), "done"),
    "no_show": (N_("Marked: did not come. The resident is told that the number has lapsed."), "done"),
    "again": (N_("The number is called once more."), "done"),
    "stale": (N_("Nothing was changed: a colleague, or a second tap, was quicker. The page shows how things are "
                 "now."), "notice"),
    "unmarked": (N_("Please first mark the number called to your desk: did they come?"), "notice"),
    "nobody": (N_("Nobody is waiting."), "notice"),
    "closed": (N_("This Sprechstunde is closed."), "notice"),
    "opened": (N_("The Sprechstunde is open. Residents can take a number now."), "done"),
    "desk": (N_("Your desk is changed."), "done"),
    "topic": (N_("Please choose what the question is about."), "error"),
    "shut": (N_("The Sprechstunde is closed."), "done"),
    "already_shut": (N_("This Sprechstunde was already closed."), "notice"),
}
DESK_COOKIE_DAYS = 365
EVERY_MS = 2000  # how often the page asks for news


def desk_cookie(request: Request) -> str:
    return "__Host-qb_desk" if request.app.state.web.secure else "qb_desk"


def my_desk(request: Request, consultations: list[Consultation], given: object = None) -> int:
    """The desk this browser is at (its cookie, or a form's field), within the quarter's desks; 1 at first."""
    value = given if given is not None else request.cookies.get(desk_cookie(request), "1")
    text = str(value).strip()
    desk = int(text) if text.isdigit() and len(text) <= 2 else 1
    return desk if 1 <= desk <= desk_count(consultations) else 1


def session_param(request: Request) -> int | None:
    value = request.query_params.get("session", "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def topic_label(staff: Staff, key: str) -> str:
    return staff.translator.gettext(TOPIC_LABELS[key]) if key in TOPIC_LABELS else key


def waited(request: Request, ticket: QueueTicket) -> int:
    return max(0, int((request.app.state.web.app.clock.now() - ticket.created_at).total_seconds() // 60))


async def _state(request: Request, staff: Staff, *, upkeep: bool, desk: object = None) -> dict[str, Any]:
    """What the page and its live part show; `upkeep` as the chat's panel does (the live part only looks)."""
    web = request.app.state.web.app
    now, zone, quarter = web.clock.now(), web.settings.zone, web.settings.quarter
    consultations = await quarter_consultations(staff.db, quarter)
    mine = my_desk(request, consultations, desk)
    running = await running_now(staff.db, quarter, now, zone, upkeep=upkeep)
    found = chosen(running, session_param(request))
    view = await desk_view(staff.db, *found, mine) if found is not None else None
    layout = ",".join(str(row.id) for _, row in running) + f"|{view.session.id if view else ''}|{mine}"
    coming = [(consultation, next_slots(consultation, now, zone)) for consultation in consultations] \
        if view is None else []
    return {"desk": mine, "desks": desk_count(consultations), "running": running, "view": view, "coming": coming,
            "layout": layout, "calls": "", "every": EVERY_MS,
            "live_url": f"/desk/live?session={view.session.id if view else ''}&desk={mine}"}


def _live(request: Request, staff: Staff, state: dict[str, Any]) -> tuple[Markup, str]:
    """The live part as text, and a digest of it: the script swaps it in only when the digest changed."""
    inner = fragment(request, staff.translator, "_desk_live.html", staff=staff, **_helpers(request, staff), **state)
    return Markup(inner), hashlib.sha256(inner.encode()).hexdigest()[:16]  # our own template's output, escaped


def _helpers(request: Request, staff: Staff) -> dict[str, Any]:
    return {"label": ticket_label, "topic": lambda key: topic_label(staff, key),
            "language": staff.translator.language_name, "waited": lambda ticket: waited(request, ticket),
            "title": lambda consultation: title_in(consultation, FALLBACK_CONTENT_LANGUAGE),
            "CALLED": CALLED, "WAITING": WAITING, "stamp": call_stamp}


@guarded(Right.DESK)
async def page(request: Request, staff: Staff) -> Response:
    state = await _state(request, staff, upkeep=True)
    live, version = _live(request, staff, state)
    note = NOTES.get(request.query_params.get("note", ""))
    told = request.query_params.get("told", "")
    return with_own_scripts(render(
        request, staff.translator, "desk.html", staff=staff, live=live, version=version, note=note,
        told=int(told) if told.isdigit() and len(told) <= 6 else None, walk_in_key=secrets.token_urlsafe(12),
        **_helpers(request, staff), **state))


@guarded(Right.DESK, activity=False)
async def live_part(request: Request, staff: Staff) -> Response:
    state = await _state(request, staff, upkeep=False, desk=request.query_params.get("desk"))
    live, version = _live(request, staff, state)
    return render(request, staff.translator, "_live.html", live=live, version=version, layout=state["layout"],
                  live_url=state["live_url"], calls="", every=EVERY_MS)


async def _session_from_query(request: Request, staff: Staff) -> tuple[Consultation, QueueSession] | None:
    session_id = session_param(request)
    if session_id is None:
        return None
    return await session_in_quarter(staff.db, session_id, request.app.state.web.app.settings.quarter)


def _missing(request: Request, staff: Staff, message: str) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext(message))


@guarded(Right.DESK)
async def close_form(request: Request, staff: Staff) -> Response:
    found = await _session_from_query(request, staff)
    if found is None:
        return _missing(request, staff, N_("There is no such Sprechstunde."))
    consultation, row = found
    if row.closed_at is not None:
        return RedirectResponse(f"/desk?note=already_shut&session={row.id}", status_code=303)
    view = await desk_view(staff.db, consultation, row, 1)
    return render(request, staff.translator, "desk_close.html", staff=staff, view=view,
                  title=title_in(consultation, FALLBACK_CONTENT_LANGUAGE))


@guarded(Right.DESK)
async def ticket_page(request: Request, staff: Staff) -> Response:
    """A walk-in's number to print on a small slip: the number, where, when, and to wait for it on the screen."""
    found = await ticket_with_session(staff.db, request.path_params["ticket_id"])
    if found is None or not found[0].walk_in or found[2].quarter != request.app.state.web.app.settings.quarter:
        return _missing(request, staff, N_("There is no such number."))
    ticket, row, consultation = found
    return with_own_scripts(render(
        request, staff.translator, "desk_ticket.html", staff=staff, ticket=ticket,
        number=ticket_label(consultation, ticket), consultation=consultation,
        title=title_in(consultation, FALLBACK_CONTENT_LANGUAGE), session=row,
        lines=wait_lines(request.app.state.web.app.settings.zone)))


ROUTES = [
    Route("/desk", page, methods=["GET"]),
    Route("/desk/live", live_part, methods=["GET"]),
    Route("/desk/close", close_form, methods=["GET"]),
    Route("/desk/tickets/{ticket_id:int}", ticket_page, methods=["GET"]),
]
