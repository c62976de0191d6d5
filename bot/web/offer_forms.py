"""Between the offer forms and the YAML schema's shape: what a field shows, what a posted form means,
and how a problem is said to staff.

The forms keep what was typed (as text) so a form that comes back with a problem shows it as it was;
only here is the text turned into the schema's values, with the small kindnesses a person expects
(a decimal comma, "9:00" for "09:00", dates as 24.12.2026). Whether a value is acceptable is left to
the schema (`bot/offers/editing.py`), so the rules live in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.datastructures import FormData

from bot.content.schema import TARGET_GROUPS, WEEKDAYS
from bot.i18n import N_, Translator
from bot.offers.editing import Problem
from bot.offers.models import OFFER_TEXT_FIELDS

WEEKDAY_LABELS = dict(zip(WEEKDAYS, (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                                     N_("Saturday"), N_("Sunday")), strict=True))
TARGET_GROUP_LABELS = dict(zip(TARGET_GROUPS, (N_("everyone"), N_("families"), N_("children and young people"),
                                               N_("seniors"), N_("women"), N_("newcomers")), strict=True))
COST_LABELS = {"free": N_("free of charge"), "paid": N_("costs money"), "donation": N_("for a donation")}
BARRIER_FREE_LABELS = {"unknown": N_("not known"), "yes": N_("yes"), "no": N_("no")}
TEXT_LIMITS = {"title": 120, "summary": 400, "cost_note": 200, "hours_note": 200}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME = re.compile(r"\b(\d):(\d\d)\b")

MESSAGES = {
    "required": N_("Please fill this in."),
    "too_long": N_("At most %(max)s characters."),
    "number": N_("Please enter a number, for example 51.5321."),
    "range": N_("This number is out of range (latitude −90 to 90, longitude −180 to 180)."),
    "date": N_("Please enter dates as 24.12.2026, one per line."),
    "choice": N_("Please choose one of the options."),
    "slot_format": N_("“%(slot)s” is not a time span: write for example 09:00-12:00, several separated by commas."),
    "slot_order": N_("“%(slot)s” closes before it opens."),
    "validity_order": N_("The end lies before the start."),
    "not_outdated": N_("This translation is not outdated."),
    "not_unreviewed": N_("This text is already marked as checked."),
    "invalid": N_("This value is not valid."),
}
PATTERN_MESSAGES = {
    "postcode": N_("Five digits, for example 45899."),
    "languages": N_("Language codes of two or three small letters, separated by commas, for example tr, ar."),
}


def message(translator: Translator, problem: Problem) -> str:
    if problem.code == "pattern":
        return translator.gettext(PATTERN_MESSAGES.get(problem.field, MESSAGES["invalid"]))
    return translator.gettext(MESSAGES.get(problem.code, MESSAGES["invalid"])) % problem.params


def messages(translator: Translator, problems: dict[str, Problem]) -> dict[str, str]:
    return {name: message(translator, problem) for name, problem in problems.items()}


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    """Form text, trimmed; cut far beyond any limit of the schema so its own message still shows."""
    return str(form.get(name, "")).strip()[:limit]


def common_values(form: FormData) -> dict[str, Any]:
    """The posted common fields, as typed."""
    values: dict[str, Any] = {name: _text(form, name) for name in (
        "category", "provider", "street", "postcode", "city", "lat", "lon", "phone", "email", "website",
        "closed_dates", "barrier_free", "languages", "cost", "valid_from", "valid_until",
        *(f"hours_{day}" for day in WEEKDAYS))}
    values["by_appointment"] = form.get("by_appointment") == "on"
    values["temporarily_closed"] = form.get("temporarily_closed") == "on"
    values["target_groups"] = [str(group) for group in form.getlist("target_groups")][:len(TARGET_GROUPS)]
    return values


def common_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The typed common fields in the YAML schema's shape; the schema then judges them."""
    address = None
    if values["street"] or values["postcode"]:
        address = {"street": values["street"], "postcode": values["postcode"]}
        if values["city"]:
            address["city"] = values["city"]
    geo = None
    if values["lat"] or values["lon"]:
        geo = {"lat": values["lat"].replace(",", "."), "lon": values["lon"].replace(",", ".")}
    return {
        "category": values["category"], "provider": values["provider"], "address": address, "geo": geo,
        "contact": {"phone": values["phone"], "email": values["email"], "website": values["website"]},
        "hours": {day: _slots(values[f"hours_{day}"]) for day in WEEKDAYS if values[f"hours_{day}"]},
        "by_appointment": values["by_appointment"], "temporarily_closed": values["temporarily_closed"],
        "closed_dates": [_date(line) for line in values["closed_dates"].splitlines() if line.strip()],
        "barrier_free": {"yes": True, "no": False}.get(values["barrier_free"], values["barrier_free"]),
        "languages": _list(values["languages"].lower()), "target_groups": values["target_groups"],
        "cost": values["cost"], "valid_from": _date(values["valid_from"]) or None,
        "valid_until": _date(values["valid_until"]) or None,
    }


def values_of(entry: dict[str, Any]) -> dict[str, Any]:
    """A stored offer (in the schema's shape) as the form shows it."""
    address, geo, contact = entry.get("address") or {}, entry.get("geo") or {}, entry["contact"]
    barrier = entry["barrier_free"]
    return {
        "category": entry["category"], "provider": entry["provider"], "street": address.get("street", ""),
        "postcode": address.get("postcode", ""), "city": address.get("city", ""),
        "lat": str(geo.get("lat", "")), "lon": str(geo.get("lon", "")), "phone": contact["phone"],
        "email": contact["email"], "website": contact["website"],
        **{f"hours_{day}": ", ".join(entry["hours"].get(day, [])) for day in WEEKDAYS},
        "by_appointment": entry["by_appointment"], "temporarily_closed": entry["temporarily_closed"],
        "closed_dates": "\n".join(dt.date.fromisoformat(str(day)).strftime("%d.%m.%Y")
                                  for day in entry["closed_dates"]),
        "barrier_free": {True: "yes", False: "no"}.get(barrier, "unknown"),  # type: ignore[call-overload]
        "languages": ", ".join(entry["languages"]), "target_groups": list(entry["target_groups"]),
        "cost": entry["cost"], "valid_from": str(entry["valid_from"] or ""),
        "valid_until": str(entry["valid_until"] or ""),
    }


def empty_values() -> dict[str, Any]:
    return {**{name: "" for name in ("category", "provider", "street", "postcode", "lat", "lon", "phone", "email",
                                     "website", "closed_dates", "languages", "valid_from", "valid_until",
                                     *(f"hours_{day}" for day in WEEKDAYS))},
            "city": "Gelsenkirchen", "by_appointment": False, "temporarily_closed": False,
            "barrier_free": "unknown", "target_groups": [], "cost": "free"}


def text_values(form: FormData) -> dict[str, str]:
    return {name: _text(form, name) for name in OFFER_TEXT_FIELDS}


def text_of(values: dict[str, str]) -> dict[str, Any]:
    return {**{name: values[name] for name in ("title", "summary", "cost_note", "hours_note")},
            "keywords": _list(values["keywords"])}


def text_values_of(text: dict[str, Any] | None) -> dict[str, str]:
    text = text or {}
    return {"title": text.get("title", ""), "summary": text.get("summary", ""),
            "cost_note": text.get("cost_note", ""), "hours_note": text.get("hours_note", ""),
            "keywords": ", ".join(text.get("keywords", []))}


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _slots(text: str) -> list[str]:
    """ "9:00 – 12:00; 14:00-16:00" → ["09:00-12:00", "14:00-16:00"]."""
    plain = _TIME.sub(r"0\1:\2", text.replace("–", "-").replace("—", "-").replace(";", ","))
    return ["".join(part.split()) for part in plain.split(",") if part.strip()]


def _date(text: str) -> str:
    """24.12.2026 or 2026-12-24 → 2026-12-24; anything else is passed on for the schema to refuse."""
    text = text.strip()
    found = _GERMAN_DATE.match(text)
    return f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}" if found else text
