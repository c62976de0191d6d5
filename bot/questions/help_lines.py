"""The office's hours and the numbers for emergencies, from the settings, in the resident's language.

Both are shown before a resident writes a question, so nobody waits two days for an answer to
something that needed 112. The kinds of numbers are fixed (each has a label translated for
residents); the numbers themselves are configured, so another city or country can set its own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.i18n import N_, Translator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS: dict[str, str] = {
    "emergency": N_("Fire brigade and ambulance"),
    "police": N_("Police"),
    "violence_against_women": N_("Help line violence against women (free, day and night, many languages)"),
    "children": N_("Help line for children and young people (free)"),
    "crisis": N_("Crisis line, someone to talk to (free, day and night)"),
}
_PART = re.compile(r"(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))? (?P<start>\d\d:\d\d)-(?P<end>\d\d:\d\d)")


@dataclass(frozen=True)
class OpeningHours:
    first: int  # Monday is 0
    last: int
    start: dt.time
    end: dt.time


def opening_hours(setting: str) -> list[OpeningHours]:
    """Parse QB_OFFICE_HOURS ("mon-thu 09:00-16:00, fri 09:00-12:00"); ValueError names what is wrong."""
    hours = []
    for part in (piece.strip() for piece in setting.split(",")):
        match = _PART.fullmatch(part)
        if match is None or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
            raise ValueError(f"{part!r} is not like 'mon-thu 09:00-16:00'")
        first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
        start, end = dt.time.fromisoformat(match["start"]), dt.time.fromisoformat(match["end"])
        if last < first or end <= start:
            raise ValueError(f"{part!r} ends before it begins")
        hours.append(OpeningHours(first, last, start, end))
    return hours


def emergency_numbers(setting: str) -> list[tuple[str, str]]:
    """Parse QB_EMERGENCY_NUMBERS ("police=110, …") into (kind, number) in the given order."""
    numbers = []
    for part in (piece.strip() for piece in setting.split(",") if piece.strip()):
        kind, _, number = part.partition("=")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        numbers.append((kind, number.strip()))
    return numbers


def hours_text(translator: Translator, setting: str) -> str:
    """One line per day range, with the locale's day names and times: "Monday – Thursday: 09:00 – 16:00"."""
    lines = []
    for hours in opening_hours(setting):
        days = translator.weekday(hours.first)
        if hours.last != hours.first:
            days += " – " + translator.weekday(hours.last)
        lines.append(f"{days}: {translator.time(hours.start)} – {translator.time(hours.end)}")
    return "\n".join(lines)


def numbers_text(translator: Translator, setting: str) -> str:
    return "\n".join(f"☎ {number}: {translator.gettext(KINDS[kind])}" for kind, number in emergency_numbers(setting))
