"""The Sprechstunde hours of the quarter: weekly times, desks, timings, topics, titles and closed dates, and a
title made with machine help marked as checked by a native speaker.

The form's fields are turned into the shape of `sprechstunden.yaml` and checked by its schema in
`bot/queue/editing.py`; this module only reads the form and says what is wrong next to each field,
in the staff member's language, keeping what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from annotated_types import Ge, Le
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.content.schema import WEEKDAYS
from bot.figures.labels import QUEUE_TOPIC_LABELS as TOPIC_LABELS
from bot.i18n import N_
from bot.languages import BY_CODE, CONTENT_LANGUAGE_CODES
from bot.queue import editing
from bot.queue.models import Consultation
from bot.queue.schema import TOPICS, ConsultationEntry
from bot.web.events import REVIEW_PROBLEMS, STATE_LABELS
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

NUMBERS = ("desks", "numbers_before_minutes", "no_show_minutes", "late_minutes", "minutes_per_person")
NUMBER_LABELS = {
    "desks": N_("Desks"),
    "numbers_before_minutes": N_("Numbers can be taken this many minutes before the start"),
    "no_show_minutes": N_("A called number lapses after this many minutes"),
    "late_minutes": N_("Those waiting are still served this many minutes after the end"),
    "minutes_per_person": N_("Minutes per person (first guess of the waiting time)"),
}
EMPTY_ROWS = 2  # blank lines under the weekly hours, to add a day
MAX_ROWS = 14
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CODES = re.compile(r"[\s,;]+")
DONE = {"saved": N_("Saved."), "unchanged": N_("Nothing was changed."), "closed": N_("The closed date is entered."),
        "opened": N_("The closed date is removed. If the Sprechstunde was already closed today, open it at the desk."),
        "reviewed": N_("Marked as checked.")}
HOURS_ERRORS = {
    editing.PAST: N_("This day is in the past. Closed dates can be entered for today or later only."),
    editing.ALREADY_CLOSED: N_("This day is already a closed date."),
    editing.NOT_CLOSED: N_("This day is not a closed date."),
}


def bounds(name: str) -> tuple[int, int]:
    """The limits the YAML schema sets for a number, so the form says the same as the import."""
    metadata = ConsultationEntry.model_fields[name].metadata
    return (next(item.ge for item in metadata if isinstance(item, Ge)),
            next(item.le for item in metadata if isinstance(item, Le)))


@dataclass
class HoursForm:
    """What the form shows: the stored values, or what was typed; and a message per field name."""

    titles: dict[str, str]
    numbers: dict[str, str]
    topics: list[str]
    weekly: list[dict[str, str]]
    version: str
    errors: dict[str, str] = field(default_factory=dict)
    confirmed_current: list[str] = field(default_factory=list)  # outdated titles ticked as still correct

    @classmethod
    def of(cls, row: Consultation) -> HoursForm:
        weekly = [{"day": WEEKDAYS[hours["weekday"]], "start": hours["start"], "end": hours["end"],
                   "languages": ", ".join(hours["languages"])} for hours in row.weekly]
        return cls({code: row.titles.get(code, "") for code in CONTENT_LANGUAGE_CODES},
                   {name: str(getattr(row, name)) for name in NUMBERS}, list(row.topics), _padded(weekly),
                   row.content_hash)

    @classmethod
    def typed(cls, form: FormData) -> HoursForm:
        rows = min(_int(form.get("rows")) or 0, MAX_ROWS)
        weekly = [{part: str(form.get(f"weekly-{index}-{part}", "")).strip()
                   for part in ("day", "start", "end", "languages")} for index in range(rows)]
        return cls({code: str(form.get(f"title-{code}", "")).strip() for code in CONTENT_LANGUAGE_CODES},
                   {name: str(form.get(name, "")).strip() for name in NUMBERS},
                   [topic for topic in TOPICS if topic in form.getlist("topics")], _padded(weekly),
                   str(form.get("version", "")),
                   confirmed_current=[code for code in CONTENT_LANGUAGE_CODES if code in form.getlist("current")])

    def changes(self, _: Any) -> dict[str, Any] | None:
        """The fields in the YAML's shape, or None with `errors` filled from what the schema cannot say itself."""
        changes: dict[str, Any] = {"titles": {code: text for code, text in self.titles.items() if text},
                                   "topics": self.topics, "weekly": []}
        for name in NUMBERS:
            low, high = bounds(name)
            value = _int(self.numbers[name])
            if value is None or not low <= value <= high:
                self.errors[name] = _("Please enter a whole number from %(low)s to %(high)s.") % {
                    "low": low, "high": high}
            changes[name] = value
        for index, hours in enumerate(self.weekly):
            if not any(hours.values()):
                continue
            if hours["day"] not in WEEKDAYS:
                self.errors[f"weekly-{index}-day"] = _("Please choose a day.")
            for part in ("start", "end"):
                if not _TIME.match(hours[part]):
                    self.errors[f"weekly-{index}-{part}"] = _("Please enter a time like 10:00.")
            codes = [code.lower() for code in _CODES.split(hours["languages"]) if code]
            changes["weekly"].append({"day": hours["day"], "time": f"{hours['start']}-{hours['end']}",
                                      "languages": codes or ["de"]})
        if not self.titles["de"]:
            self.errors["title-de"] = _("The German title is required; at most 120 characters.")
        if not self.topics:
            self.errors["topics"] = _("Please choose at least one topic.")
        return None if self.errors else changes

    def explain(self, error: ValidationError, _: Any) -> None:
        """The schema's complaints next to the fields they concern."""
        rows = [index for index, hours in enumerate(self.weekly) if any(hours.values())]
        for item in error.errors():
            where, message = item["loc"], str(item["msg"])
            if where[:1] == ("titles",):
                code = str(where[1]) if len(where) > 1 else "de"
                self.errors[f"title-{code}"] = _("The German title is required; at most 120 characters.") \
                    if code == "de" else _("At most 120 characters.")
            elif where[:1] == ("weekly",) and len(where) > 2:
                index = rows[int(where[1])]
                if where[2] == "languages":
                    self.errors[f"weekly-{index}-languages"] = _(
                        "Unknown language code. Use codes like de, tr, ar, separated by commas.")
                else:
                    self.errors[f"weekly-{index}-end"] = _("The end must be after the start.")
            elif "overlaps" in message:
                _label, day, time = message.removeprefix("Value error, ").split()[:3]  # "weekly: tue 12:00-14:00 …"
                index = next((index for index in rows if self.weekly[index]["day"] == day
                              and f"{self.weekly[index]['start']}-{self.weekly[index]['end']}" == time), rows[0])
                self.errors[f"weekly-{index}-start"] = _("These hours overlap other hours on the same day.")
            else:
                self.errors["form"] = message


def _padded(weekly: list[dict[str, str]]) -> list[dict[str, str]]:
    filled = [hours for hours in weekly if any(hours.values())]
    blank = {"day": "", "start": "", "end": "", "languages": ""}
    return [*filled, *({**blank} for _ in range(min(EMPTY_ROWS, MAX_ROWS - len(filled))))]


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _dates(staff: Staff) -> dict[str, Any]:
    translator = staff.translator
    return {"weekday_name": translator.weekday,
            "day_label": lambda day: f"{translator.weekday(day.weekday())}, {translator.date(day)}"}


async def _found(request: Request, staff: Staff, *, lock: bool = False) -> Consultation | None:
    quarter = request.app.state.web.app.settings.quarter
    return await editing.consultation(staff.db, request.path_params["consultation_id"], quarter, lock=lock)


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext("There is no such Sprechstunde."))


def _page(request: Request, staff: Staff, row: Consultation, form: HoursForm | None = None, *,
          status_code: int = 200, closing: dict[str, Any] | None = None, review: dict[str, str] | None = None
          ) -> Response:
    """The Sprechstunde's page; `review` names the language and the problem of a refused "checked"."""
    web = request.app.state.web.app
    today = web.clock.now().astimezone(web.settings.zone).date()
    closed = sorted(dt.date.fromisoformat(day) for day in row.closed_dates)
    hours_days = {hours["weekday"] for hours in row.weekly}
    done = request.query_params.get("done", "")
    return render(request, staff.translator, "sprechstunde.html", status_code=status_code, staff=staff, row=row,
                  form=form or HoursForm.of(row), weekdays=WEEKDAYS, topics=TOPICS, topic_labels=TOPIC_LABELS,
                  numbers=NUMBERS, number_labels=NUMBER_LABELS, languages=[BY_CODE[c] for c in CONTENT_LANGUAGE_CODES],
                  upcoming=[day for day in closed if day >= today], past=[day for day in closed if day < today][-10:],
                  hours_days=hours_days, today=today, done=DONE.get(done), told=_int(request.query_params.get("told")),
                  closing={"day": "", "error": "", "confirm": 0, "remove_error": "", **(closing or {})},
                  states={code: state.value for code, state in editing.title_states(row).items()},
                  state_labels=STATE_LABELS, names=language_names(staff),
                  texts=[{"code": code, "unreviewed": True, "version": editing.title_version(row, code),
                          "title": row.titles.get(code, ""), "rtl": BY_CODE[code].right_to_left}
                         for code in row.unreviewed],
                  review={"language": "", "problem": "", **(review or {})},
                  **_dates(staff))


@guarded(Right.CONTENT)
async def listing(request: Request, staff: Staff) -> Response:
    rows = await editing.consultations(staff.db, request.app.state.web.app.settings.quarter)
    return render(request, staff.translator, "sprechstunden.html", staff=staff, rows=rows, names=language_names(staff),
                  **_dates(staff))


@guarded(Right.CONTENT)
async def detail(request: Request, staff: Staff) -> Response:
    row = await _found(request, staff)
    return _missing(request, staff) if row is None else _page(request, staff, row)


@guarded(Right.CONTENT)
async def save(request: Request, staff: Staff) -> Response:
    row = await _found(request, staff, lock=True)
    if row is None:
        return _missing(request, staff)
    form = HoursForm.typed(await request.form())
    _ = staff.translator.gettext
    changes = form.changes(_)
    if changes is None:
        return _page(request, staff, row, form, status_code=400)
    try:
        now = request.app.state.web.app.clock.now()
        changed = await editing.save_hours(staff.db, row, changes, form.version, now, staff.actor)
    except editing.HoursError:
        form.errors["form"] = _("Someone else has changed this Sprechstunde in the meantime, so nothing was "
                                        "saved. Your entries are still in the form; the overview above shows the "
                                        "current state. Check them and save again.")
        form.version = row.content_hash
        return _page(request, staff, row, form, status_code=409)
    except ValidationError as error:
        form.explain(error, _)
        return _page(request, staff, row, form, status_code=400)
    confirmed = editing.confirm_titles(staff.db, row, form.confirmed_current, now, staff.actor)
    return RedirectResponse(f"/sprechstunden/{row.id}?done={'saved' if changed or confirmed else 'unchanged'}",
                            status_code=303)


@guarded(Right.CONTENT)
async def add_closed(request: Request, staff: Staff) -> Response:
    row = await _found(request, staff, lock=True)
    if row is None:
        return _missing(request, staff)
    form = await request.form()
    typed, day = str(form.get("day", "")), _day(form.get("day"))
    web = request.app.state.web.app
    _ = staff.translator.gettext
    if day is None:
        return _page(request, staff, row, status_code=400,
                     closing={"day": typed, "error": _("Please enter a date, like 2026-12-24.")})
    try:
        outcome = await editing.add_closed_date(staff.db, row, day, web.clock.now(), web.settings.zone, staff.actor,
                                                confirmed=form.get("confirm") == "yes")
    except editing.HoursError as error:
        return _page(request, staff, row, status_code=400,
                     closing={"day": typed, "error": _(HOURS_ERRORS[error.code])})
    if not outcome.done:
        return _page(request, staff, row, status_code=409, closing={"day": typed, "confirm": outcome.holding})
    return RedirectResponse(f"/sprechstunden/{row.id}?done=closed&told={outcome.told}", status_code=303)


@guarded(Right.CONTENT)
async def remove_closed(request: Request, staff: Staff) -> Response:
    row = await _found(request, staff, lock=True)
    if row is None:
        return _missing(request, staff)
    day = _day((await request.form()).get("day"))
    web = request.app.state.web.app
    try:
        if day is None:
            raise editing.HoursError(editing.NOT_CLOSED)
        await editing.remove_closed_date(staff.db, row, day, web.clock.now(), web.settings.zone, staff.actor)
    except editing.HoursError as error:
        return _page(request, staff, row, status_code=400,
                     closing={"remove_error": staff.translator.gettext(HOURS_ERRORS[error.code])})
    return RedirectResponse(f"/sprechstunden/{row.id}?done=opened", status_code=303)


@guarded(Right.CONTENT)
async def confirm_review(request: Request, staff: Staff) -> Response:
    """"Checked" for one language's title, naming the title's version: a page that no longer shows it is refused
    (409), as is a title already checked (400)."""
    row = await _found(request, staff, lock=True)
    if row is None:
        return _missing(request, staff)
    form = await request.form()
    language = str(form.get("language", ""))
    if language not in CONTENT_LANGUAGE_CODES:
        return _missing(request, staff)
    try:
        editing.confirm_review(staff.db, row, language, str(form.get("version", "")),
                               request.app.state.web.app.clock.now(), staff.actor)
    except editing.HoursError as error:
        return _page(request, staff, row, status_code=409 if error.code == editing.STALE else 400,
                     review={"language": language, "problem": REVIEW_PROBLEMS[error.code]})
    return RedirectResponse(f"/sprechstunden/{row.id}?done=reviewed#review", status_code=303)


ROUTES = [
    Route("/sprechstunden", listing, methods=["GET"]),
    Route("/sprechstunden/{consultation_id:int}", detail, methods=["GET"]),
    Route("/sprechstunden/{consultation_id:int}", save, methods=["POST"]),
    Route("/sprechstunden/{consultation_id:int}/closed", add_closed, methods=["POST"]),
    Route("/sprechstunden/{consultation_id:int}/closed/remove", remove_closed, methods=["POST"]),
    Route("/sprechstunden/{consultation_id:int}/reviewed", confirm_review, methods=["POST"]),
]
