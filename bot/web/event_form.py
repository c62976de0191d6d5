"""The event form: what staff type, turned into an events.yaml entry, with a German message per field.

The form shows local Berlin times as on a poster (a date, a start and an end time). Fields the form
does not show (the map position, cancelled dates) are kept from the stored event, so saving the form
never loses them. The rules themselves stay in `bot/events/schema.py` and `bot/events/editing.py`;
this module only says, next to the field, what is wrong in words staff understand.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from bot.events.importer import entry_of
from bot.events.models import Event
from bot.events.schema import CATEGORIES, TARGET_GROUPS
from bot.i18n import N_
from bot.languages import CONTENT_LANGUAGE_CODES

SPOKEN = ("de", "en", "tr", "ar", "ro", "bg", "uk", "ru", "pl")  # languages spoken at an event (no Leichte Sprache)
REPEATS = ("none", "weekly", "monthly")
POSITIONS = ("1", "2", "3", "4", "-1")
COSTS = ("free", "paid", "donation")
BARRIER_FREE = ("unknown", "yes", "no")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
POSTCODE = re.compile(r"^\d{5}$")

CATEGORY_LABELS = {"information": N_("Information"), "meeting": N_("Meeting"), "course": N_("Course"),
                   "round_table": N_("Round table"), "children_family": N_("Children and families"),
                   "festival": N_("Festival")}
GROUP_LABELS = {"all": N_("Everyone"), "families": N_("Families"), "children_youth": N_("Children and youth"),
                "seniors": N_("Seniors"), "women": N_("Women"), "newcomers": N_("Newcomers")}
COST_LABELS = {"free": N_("free of charge"), "paid": N_("with a fee"), "donation": N_("for a donation")}
BARRIER_LABELS = {"unknown": N_("not known"), "yes": N_("yes"), "no": N_("no")}
REPEAT_LABELS = {"none": N_("once"), "weekly": N_("every week (or every few weeks)"),
                 "monthly": N_("every month on the same weekday")}
POSITION_LABELS = {"1": N_("first"), "2": N_("second"), "3": N_("third"), "4": N_("fourth"), "-1": N_("last")}

# The schema's own (English) complaints that the form cannot catch beforehand, by where they belong.
MODEL_PROBLEMS = (("recurrence.until", "until", N_("The last date lies before the first one.")),
                  ("an event lasts at most 24 hours", "end_time", N_("An event lasts at most 24 hours.")))


def field_id(name: str) -> str:
    """An HTML id for a field name that may hold a language code such as de@easy."""
    return name.replace("@", "-")


def values_of(row: Event | None, key: str = "") -> dict[str, Any]:
    """The form's values for a stored event, or for a new one."""
    if row is None:
        return {"key": key, "category": "meeting", "date": "", "start_time": "", "end_time": "", "repeat": "none",
                "interval": "1", "position": "1", "until": "", "place": "Quartiersladen Horst", "street": "",
                "postcode": "", "city": "Gelsenkirchen", "organiser": "Quartiersmanagement Horst", "languages": ["de"],
                "target_groups": [], "cost": "free", "barrier_free": "unknown", "registration": False,
                "capacity": "", "texts": {code: {"title": "", "description": ""} for code in CONTENT_LANGUAGE_CODES},
                "version": "", "confirmed_current": []}
    start = dt.datetime.fromisoformat(row.start_local)
    end = start + dt.timedelta(minutes=row.duration_minutes)
    recurrence = row.recurrence or {}
    texts = {text.language: {"title": text.title, "description": text.description} for text in row.texts}
    return {"key": row.key, "category": row.category, "date": start.date().isoformat(),
            "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}",
            "repeat": recurrence.get("frequency", "none"), "interval": str(recurrence.get("interval") or 1),
            "position": str(recurrence.get("weekday_position") or 1), "until": str(recurrence.get("until", "")),
            "place": row.place_name, "street": row.street, "postcode": row.postcode,
            "city": row.city or "Gelsenkirchen",
            "organiser": row.organiser, "languages": list(row.languages), "target_groups": list(row.target_groups),
            "cost": row.cost, "barrier_free": row.barrier_free, "registration": row.registration_required,
            "capacity": "" if row.capacity is None else str(row.capacity),
            "texts": {code: texts.get(code, {"title": "", "description": ""}) for code in CONTENT_LANGUAGE_CODES},
            "version": version_of(row), "confirmed_current": []}


def version_of(row: Event) -> str:
    """What the form was loaded from: a save from an older form is refused instead of overwriting."""
    return row.updated_at.isoformat()


def values_from(form: FormData) -> dict[str, Any]:
    """What was typed, kept as typed, so a form that comes back with an error loses nothing."""
    text = lambda name, limit=200: str(form.get(name, "")).strip()[:limit]  # noqa: E731
    return {"key": text("key", 60), "category": text("category"), "date": text("date"),
            "start_time": text("start_time"), "end_time": text("end_time"), "repeat": text("repeat"),
            "interval": text("interval"),
            "position": text("position"), "until": text("until"), "place": text("place"), "street": text("street"),
            "postcode": text("postcode"), "city": text("city"), "organiser": text("organiser"),
            "languages": [str(code) for code in form.getlist("languages") if code in SPOKEN],
            "target_groups": [str(group) for group in form.getlist("target_groups") if group in TARGET_GROUPS],
            "cost": text("cost"), "barrier_free": text("barrier_free"),
            "registration": form.get("registration") == "on",
            "capacity": text("capacity"),
            "texts": {code: {"title": text(f"title-{code}", 400), "description": text(f"description-{code}", 2000)}
                      for code in CONTENT_LANGUAGE_CODES},
            "version": text("version", 64),
            "confirmed_current": [str(code) for code in form.getlist("current") if code in CONTENT_LANGUAGE_CODES]}


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value) if len(value) == 5 else None
    except ValueError:
        return None


def _number(value: str, low: int, high: int) -> int | None:
    return int(value) if value.isdigit() and low <= int(value) <= high else None


def entry_data(values: dict[str, Any], row: Event | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry the form describes, on top of the stored event, and the problems by field (English msgids)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = entry_of(row) if row is not None else {"key": values["key"]}
    if row is None and not KEY.match(values["key"]):
        errors["key"] = N_("A short name has small letters, digits, - and _ (up to 40), e.g. sprachcafe.")
    if values["category"] not in CATEGORIES:
        errors["category"] = N_("Please choose a kind of event.")
    day, start, end = _date(values["date"]), _time(values["start_time"]), _time(values["end_time"])
    if day is None:
        errors["date"] = N_("Please enter the date, e.g. 05.12.2026.")
    if start is None:
        errors["start_time"] = N_("Please enter the time it begins, e.g. 18:00.")
    if end is None:
        errors["end_time"] = N_("Please enter the time it ends, e.g. 20:00.")
    elif start is not None and end <= start:
        errors["end_time"] = N_("The end must be after the start.")
    if day and start and end:
        data["start"] = dt.datetime.combine(day, start).isoformat()
        data["end"] = dt.datetime.combine(day, end).isoformat()
    data["category"] = values["category"]
    data["recurrence"] = _recurrence(values, errors)
    place: dict[str, Any] = {"name": values["place"][:120]}
    if not values["place"]:
        errors["place"] = N_("Please enter where it takes place.")
    if values["street"] or values["postcode"]:
        if not values["street"]:
            errors["street"] = N_("Please enter the street, or leave the address empty.")
        if not POSTCODE.match(values["postcode"]):
            errors["postcode"] = N_("A postcode has five digits.")
        place["address"] = {"street": values["street"][:120], "postcode": values["postcode"],
                            "city": values["city"][:80] or "Gelsenkirchen"}
    if row is not None and row.latitude is not None and row.longitude is not None:
        place["geo"] = {"lat": row.latitude, "lon": row.longitude}
    data["place"] = place
    if not values["organiser"]:
        errors["organiser"] = N_("Please enter who organises it.")
    data["organiser"] = values["organiser"][:120]
    data["languages"], data["target_groups"] = values["languages"], values["target_groups"]
    data["cost"] = values["cost"] if values["cost"] in COSTS else "free"
    data["barrier_free"] = {"yes": True, "no": False}.get(values["barrier_free"], "unknown")
    capacity = None
    if values["capacity"]:
        capacity = _number(values["capacity"], 1, 10000)
        if capacity is None:
            errors["capacity"] = N_("Seats: a whole number from 1 to 10000, or empty for no limit.")
        elif not values["registration"]:
            errors["capacity"] = N_("A number of seats needs registration; tick the box above.")
    data["registration"] = {"required": values["registration"], "capacity": capacity}
    data["texts"] = _texts(values, errors, row)
    return data, errors


def _recurrence(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any] | None:
    if values["repeat"] not in ("weekly", "monthly"):
        return None
    until = _date(values["until"])
    if until is None:
        errors["until"] = N_("Please enter the date of the last time.")
    interval = _number(values["interval"], 1, 12)
    if interval is None:
        errors["interval"] = N_("Every 1 to 12 weeks or months.")
    recurrence: dict[str, Any] = {"frequency": values["repeat"], "interval": interval or 1,
                                  "until": until.isoformat() if until else None}
    if values["repeat"] == "monthly":
        if values["position"] not in POSITIONS:
            errors["position"] = N_("Please choose which weekday of the month.")
        recurrence["weekday_position"] = int(values["position"]) if values["position"] in POSITIONS else 1
    return recurrence


def _texts(values: dict[str, Any], errors: dict[str, str], row: Event | None) -> dict[str, dict[str, Any]]:
    """The texts as entered. The form holds every language at once: a text saved as it was keeps its review
    status (a native speaker has still to check it); a text staff changed counts as checked."""
    before = {text.language: text for text in row.texts} if row is not None else {}
    texts: dict[str, dict[str, Any]] = {}
    for code, text in values["texts"].items():
        title, description = text["title"], text["description"]
        if code == "de" and not (title and description):
            errors[f"text-{code}"] = N_("The German title and description are needed: they are shown where a "
                                        "translation is missing.")
        elif bool(title) != bool(description):
            errors[f"text-{code}"] = N_("Please fill in both title and description, or leave both empty.")
        elif len(title) > 120 or len(description) > 800:
            errors[f"text-{code}"] = N_("A title has at most 120 characters, a description at most 800.")
        if title and description:
            texts[code] = {"title": title, "description": description}
            old = before.get(code)
            if old is not None and not old.reviewed and (old.title, old.description) == (title, description):
                texts[code]["reviewed"] = False
    return texts


def model_errors(error: ValidationError) -> dict[str, str]:
    """The schema's remaining complaints, next to the field they belong to."""
    errors: dict[str, str] = {}
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = f"{where}: {item['msg']}"
        for needle, field, text in MODEL_PROBLEMS:
            if needle in message:
                errors.setdefault(field, text)
                break
        else:
            errors.setdefault("form", N_("Some details do not fit together; please check the form."))
    return errors
