"""Events in the back office: the list (coming dates first), a new event, changing, cancelling, re-opening,
and a text made with machine help marked as checked by a native speaker.

Every action calls `bot/events/editing.py`, the same functions as `quartiersbot event`, so a move or a
cancellation tells the residents registered or reminded, and each change is in the audit log with
before and after. Before a change that tells residents is saved, the form comes back once saying how
many will be told; only a second, confirmed save makes it. A form loaded before someone else saved the
event is not saved over their change: it comes back with what was typed and a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.content.texts import unreviewed
from bot.events import editing
from bot.events.listing import dates_of, listing, translation_states
from bot.events.models import Event
from bot.events.schema import CATEGORIES, TARGET_GROUPS, EventEntry
from bot.events.store import text_of
from bot.i18n import N_
from bot.languages import CONTENT_LANGUAGE_CODES, LANGUAGES
from bot.web import event_form as forms
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

PAGE_SIZE = 50
STATE_LABELS = {"source": N_("source text"), "current": N_("up to date"), "outdated": N_("outdated"),
                "missing": N_("missing")}
# Why "Checked" was refused; the Sprechstunden and surveys use the same codes and say the same.
REVIEW_PROBLEMS = {
    editing.STALE: N_("Someone else changed this text or the German text meanwhile. Please read it again before "
                      "you mark it as checked."),
    editing.NOT_UNREVIEWED: N_("This text is already marked as checked."),
}
DOMAIN_MESSAGES = {
    **REVIEW_PROBLEMS,
    editing.START_IN_PAST: N_("The start lies in the past. Please check the date; to change a running series, "
                              "enter its next coming date."),
    editing.EXISTS: N_("There is already an event with this short name."),
    editing.NO_SUCH_DATE: N_("The event has no date on that day."),
    editing.NOT_CANCELLED: N_("This is not cancelled."),
    editing.INVALID: N_("Some details do not fit together; please check the form."),
}


def _show(staff: Staff) -> dict[str, Any]:
    """Dates as staff read them: with the weekday, in Berlin time."""
    translator = staff.translator
    return {"day": lambda moment: translator.date(translator.local(moment), "EEE, dd.MM.yyyy"),
            "hour": lambda moment: translator.time(translator.local(moment)),
            "starts": lambda event: dt.datetime.fromisoformat(event.start_local).replace(tzinfo=translator.zone)}


def _web(request: Request) -> Any:
    return request.app.state.web.app


async def _event(request: Request, staff: Staff) -> Event | None:
    row = await staff.db.get(Event, request.path_params["event_id"])
    return row if row is not None and row.quarter == _web(request).settings.quarter else None


def _not_found(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext("There is no such event."))


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@guarded(Right.CONTENT)
async def events_list(request: Request, staff: Staff) -> Response:
    web = _web(request)
    missing = request.query_params.get("missing", "")
    missing = missing if any(language.code == missing for language in LANGUAGES) else ""
    unchecked = request.query_params.get("unreviewed", "")
    unchecked = unchecked if any(language.code == unchecked for language in LANGUAGES) else ""
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    found = await listing(staff.db, web.settings.quarter, web.clock.now(), web.settings.zone, missing or None,
                          unchecked or None)
    pages = max(1, -(-len(found.dates) // PAGE_SIZE))
    page = min(page, pages)
    return render(request, staff.translator, "events.html", staff=staff, **_show(staff), found=found, missing=missing,
                  unreviewed=unchecked,
                  dates=found.dates[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], page=page, pages=pages,
                  show_past=request.query_params.get("past") == "1", past=found.past[:PAGE_SIZE],
                  languages=LANGUAGES, title=lambda event: text_of(event, "de")[0])


def _form(request: Request, staff: Staff, values: dict[str, Any], row: Event | None, errors: dict[str, str],
          status_code: int = 200, told: int | None = None, notice: str | None = None) -> Response:
    states = {code: state.value for code, state in translation_states(row).items()} if row is not None else {}
    return render(request, staff.translator, "event_form.html", status_code=status_code, staff=staff,
                  **_show(staff), row=row, unchecked=unreviewed(row.texts) if row is not None else frozenset(),
                  values=values, errors=errors, told=told, notice=notice, languages=LANGUAGES, states=states,
                  state_labels=STATE_LABELS, forms=forms, categories=CATEGORIES, groups=TARGET_GROUPS)


@guarded(Right.CONTENT)
async def new_form(request: Request, staff: Staff) -> Response:
    return _form(request, staff, forms.values_of(None), None, {})


def _entry(values: dict[str, Any], row: Event | None) -> tuple[EventEntry | None, dict[str, str]]:
    data, errors = forms.entry_data(values, row)
    if errors:
        return None, errors
    try:
        return EventEntry.model_validate(data), {}
    except ValidationError as error:
        return None, forms.model_errors(error)


def _domain_error(error: editing.EventError) -> dict[str, str]:
    field = {"start": "date", "": "form"}.get(error.field, error.field)
    return {field: DOMAIN_MESSAGES.get(error.code, DOMAIN_MESSAGES[editing.INVALID])}


@guarded(Right.CONTENT)
async def create(request: Request, staff: Staff) -> Response:
    web = _web(request)
    values = forms.values_from(await request.form())
    entry, errors = _entry(values, None)
    if entry is None:
        return _form(request, staff, values, None, errors, 400)
    now, zone = web.clock.now(), web.settings.zone
    try:
        row, _outcome = await editing.add(staff.db, web.settings.quarter, entry, now, zone, staff.actor)
    except editing.EventError as error:
        return _form(request, staff, values, None, _domain_error(error), 400)
    return RedirectResponse(f"/events/{row.id}?done=created", status_code=303)


@guarded(Right.CONTENT)
async def detail(request: Request, staff: Staff) -> Response:
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    return await _detail_page(request, staff, row)


async def _detail_page(request: Request, staff: Staff, row: Event, status_code: int = 200, language: str = "",
                       problem: str = "") -> Response:
    """The event's page; `problem` is said at the text of `language` whose "checked" was refused."""
    web = _web(request)
    query = request.query_params
    unchecked = unreviewed(row.texts)
    texts = {code: {"code": code, "unreviewed": code in unchecked, "version": editing.text_version(row, code)}
             for code in CONTENT_LANGUAGE_CODES}
    return render(request, staff.translator, "event_detail.html", status_code=status_code, staff=staff,
                  **_show(staff), row=row,
                  title=text_of(row, "de")[0], dates=await dates_of(staff.db, row, web.clock.now(), web.settings.zone),
                  states={code: state.value for code, state in translation_states(row).items()},
                  state_labels=STATE_LABELS, languages=LANGUAGES, forms=forms, done=query.get("done"),
                  told=query.get("told", ""), version=forms.version_of(row), texts=texts,
                  names=language_names(staff), problem_language=language, problem=problem)


@guarded(Right.CONTENT)
async def edit_form(request: Request, staff: Staff) -> Response:
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    return _form(request, staff, forms.values_of(row), row, {})


@guarded(Right.CONTENT)
async def save(request: Request, staff: Staff) -> Response:
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    web = _web(request)
    now, zone = web.clock.now(), web.settings.zone
    form = await request.form()
    values = forms.values_from(form)
    if values["version"] != forms.version_of(row):
        values["version"] = forms.version_of(row)  # a second, deliberate save replaces the other change
        return _form(request, staff, values, row, {}, 409, notice=N_(
            "Someone else saved this event after you opened the form. Your entries are kept below; compare them "
            "with the event's page before you save again, because saving again replaces the other change."))
    entry, errors = _entry(values, row)
    if entry is None:
        return _form(request, staff, values, row, errors, 400)
    try:
        editing.check_start(entry, row, now, zone)
    except editing.EventError as error:
        return _form(request, staff, values, row, _domain_error(error), 400)
    told = await editing.residents_told(staff.db, row, entry, now, zone)
    if told and form.get("confirm_told") != str(told):
        return _form(request, staff, values, row, {}, told=told)
    outcome = await editing.change(staff.db, row, entry, now, zone, staff.actor)
    await editing.confirm_translations(staff.db, row, values["confirmed_current"], now, staff.actor)
    return RedirectResponse(f"/events/{row.id}?done=saved&told={outcome.told}", status_code=303)


@guarded(Right.CONTENT)
async def confirm_review(request: Request, staff: Staff) -> Response:
    """"Checked" for one language's text, naming the text's version: a page that no longer shows it is refused
    (409), as is a text that is already checked (400)."""
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    form = await request.form()
    language = str(form.get("language", ""))
    if language not in CONTENT_LANGUAGE_CODES:
        return _not_found(request, staff)
    web = _web(request)
    try:
        await editing.confirm_review(staff.db, row, language, str(form.get("version", "")), web.clock.now(),
                                     staff.actor)
    except editing.EventError as error:
        return await _detail_page(request, staff, row, 409 if error.code == editing.STALE else 400, language,
                                  DOMAIN_MESSAGES.get(error.code, DOMAIN_MESSAGES[editing.INVALID]))
    return RedirectResponse(f"/events/{row.id}?done=reviewed#text-{language}", status_code=303)


@guarded(Right.CONTENT)
async def cancel_form(request: Request, staff: Staff) -> Response:
    """Says what a cancellation will do, and how many residents will be told, before it is done."""
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    web = _web(request)
    now, zone = web.clock.now(), web.settings.zone
    date = _day(request.query_params.get("date", ""))
    try:
        entry = editing.cancelled(row, date, zone)
    except editing.EventError as error:
        return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                      message=staff.translator.gettext(DOMAIN_MESSAGES[error.code]))
    return render(request, staff.translator, "event_cancel.html", staff=staff, **_show(staff), row=row, date=date,
                  title=text_of(row, "de")[0], told=await editing.residents_told(staff.db, row, entry, now, zone))


@guarded(Right.CONTENT)
async def cancel(request: Request, staff: Staff) -> Response:
    return await _cancel_or_reopen(request, staff, reopen=False)


@guarded(Right.CONTENT)
async def reopen(request: Request, staff: Staff) -> Response:
    return await _cancel_or_reopen(request, staff, reopen=True)


async def _cancel_or_reopen(request: Request, staff: Staff, reopen: bool) -> Response:
    row = await _event(request, staff)
    if row is None:
        return _not_found(request, staff)
    web = _web(request)
    form = await request.form()
    date = _day(str(form.get("date", "")))
    if form.get("date") and date is None:
        return render(request, staff.translator, "error.html", status_code=400, staff=staff,
                      message=staff.translator.gettext(DOMAIN_MESSAGES[editing.NO_SUCH_DATE]))
    action = editing.reopen if reopen else editing.cancel
    try:
        outcome = await action(staff.db, row, date, web.clock.now(), web.settings.zone, staff.actor)
    except editing.EventError as error:
        return render(request, staff.translator, "error.html", status_code=400, staff=staff,
                      message=staff.translator.gettext(DOMAIN_MESSAGES[error.code]))
    done = "reopened" if reopen else "cancelled"
    return RedirectResponse(f"/events/{row.id}?done={done}&told={outcome.told}", status_code=303)


ROUTES = [
    Route("/events", events_list, methods=["GET"]),
    Route("/events/new", new_form, methods=["GET"]),
    Route("/events/new", create, methods=["POST"]),
    Route("/events/{event_id:int}", detail, methods=["GET"]),
    Route("/events/{event_id:int}/edit", edit_form, methods=["GET"]),
    Route("/events/{event_id:int}/edit", save, methods=["POST"]),
    Route("/events/{event_id:int}/cancel", cancel_form, methods=["GET"]),
    Route("/events/{event_id:int}/cancel", cancel, methods=["POST"]),
    Route("/events/{event_id:int}/reopen", reopen, methods=["POST"]),
    Route("/events/{event_id:int}/reviewed", confirm_review, methods=["POST"]),
]
