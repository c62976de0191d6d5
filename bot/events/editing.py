"""Adding, changing, cancelling and re-opening events, and marking a text as checked: the one path for
`quartiersbot event` and the back office.

Each action builds the event as it will be (an events.yaml entry), checks the rule an import does not
know (a new or moved start must not lie in the past), applies it through `upsert_event` — so residents
registered or reminded are told of a move or a cancellation, whoever makes it and wherever — and records
the change with before and after in the audit log, in the caller's transaction. `residents_told` says
beforehand how many residents a change will tell, so staff know what they do before they save.

Errors carry a `code` the back office turns into a German message and an English text the CLI prints;
no gettext here, because this package's strings are extracted into the residents' catalogs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.texts import SOURCE_LANGUAGE, confirm_outdated, confirm_reviewed, fingerprint
from bot.events.changes import concerned, schedule_pairs
from bot.events.importer import Outcome, digest, entry_of, upsert_event
from bot.events.models import EVENT_TEXT_FIELDS, Event
from bot.events.occurrences import occurrences_between
from bot.events.schema import EventEntry
from bot.events.store import HORIZON, occurrence_of, occurrences

DEFAULT_PLACE, DEFAULT_ORGANISER = "Quartiersladen Horst", "Quartiersmanagement Horst"
DEFAULT_DURATION = dt.timedelta(hours=2)
OBJECT_TYPE = "event"


class EventError(ValueError):
    """A change that is refused; nothing was changed. `field` names the form field it belongs to."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code, self.field = code, field


START_IN_PAST, EXISTS, NO_SUCH_DATE, NOT_CANCELLED, INVALID = (
    "start_in_past", "exists", "no_such_date", "not_cancelled", "invalid")
STALE, NOT_UNREVIEWED = "stale", "not_unreviewed"  # "checked" on an old page, or for a text that needs no check


@dataclass(frozen=True)
class Changes:
    """What a `quartiersbot event add|update` changes; None leaves the current value (local Berlin times)."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    title: str | None = None
    description: str | None = None
    place: str | None = None
    organiser: str | None = None
    weekly_until: dt.date | None = None
    capacity: int | None = None
    languages: list[str] | None = None


def blank(key: str) -> dict[str, Any]:
    """A new event before anything is filled in: the office's own place and name."""
    return {"key": key, "place": {"name": DEFAULT_PLACE}, "organiser": DEFAULT_ORGANISER, "texts": {"de": {}}}


def with_changes(current: dict[str, Any], changes: Changes, is_new: bool) -> EventEntry:
    """The event as it will be: `current` (an entry as `entry_of` gives it) with the changes applied.

    A new start keeps the event's length, so "move it to Wednesday 17:00" needs no end.
    """
    current = {**current, "texts": {language: dict(text) for language, text in current["texts"].items()}}
    if changes.start is not None:
        duration = DEFAULT_DURATION if is_new else (
            dt.datetime.fromisoformat(current["end"]) - dt.datetime.fromisoformat(current["start"]))
        current["start"], current["end"] = changes.start.isoformat(), (changes.start + duration).isoformat()
    if changes.end is not None:
        current["end"] = changes.end.isoformat()
    for field, value in (("title", changes.title), ("description", changes.description)):
        if value:
            current["texts"].setdefault("de", {})[field] = value
    if changes.place:
        current["place"] = {"name": changes.place}
    if changes.organiser:
        current["organiser"] = changes.organiser
    if changes.weekly_until:
        current["recurrence"] = {"frequency": "weekly", "until": changes.weekly_until.isoformat()}
    if changes.capacity is not None:
        current["registration"] = {"required": True, "capacity": changes.capacity}
    if changes.languages:
        current["languages"] = changes.languages
    return validated(current)


def validated(data: dict[str, Any]) -> EventEntry:
    try:
        return EventEntry.model_validate(data)
    except ValidationError as error:
        raise EventError(INVALID, problem_text(error)) from error


def problem_text(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in item['loc']) or 'event'}: "
                     f"{item['msg'].removeprefix('Value error, ')}" for item in error.errors())


def check_start(entry: EventEntry, row: Event | None, now: dt.datetime, zone: ZoneInfo) -> None:
    """A new event, or a new start, must not lie in the past; an old start that stays may (a running series)."""
    unchanged = row is not None and entry.start.isoformat(timespec="minutes") == row.start_local
    if not unchanged and entry.start < now.astimezone(zone).replace(tzinfo=None):
        raise EventError(START_IN_PAST, "the start lies in the past; please check the date", "start")


async def by_key(session: AsyncSession, quarter: str, key: str) -> Event | None:
    return await session.scalar(select(Event).where(Event.quarter == quarter, Event.key == key))


async def add(session: AsyncSession, quarter: str, entry: EventEntry, now: dt.datetime, zone: ZoneInfo,
              actor: Actor) -> tuple[Event, Outcome]:
    """A new event; residents who follow a topic it fits are told."""
    if await by_key(session, quarter, entry.key) is not None:
        raise EventError(EXISTS, f"there is already an event {entry.key!r}", "key")
    check_start(entry, None, now, zone)
    outcome = await upsert_event(session, entry, quarter, False, now, zone)
    row = await by_key(session, quarter, entry.key)
    assert row is not None
    record(session, now, actor, "event.create", OBJECT_TYPE, row.id, None, entry_of(row))
    return row, outcome


async def change(session: AsyncSession, row: Event, entry: EventEntry, now: dt.datetime, zone: ZoneInfo,
                 actor: Actor, action: str = "event.update") -> Outcome:
    """Any change to an existing event; a move or a cancellation tells the residents concerned."""
    if entry.key != row.key:
        raise EventError(INVALID, "the key of an event cannot change", "key")
    check_start(entry, row, now, zone)
    before = entry_of(row)
    outcome = await upsert_event(session, entry, row.quarter, row.example_data, now, zone)
    if outcome.status != "unchanged":
        record(session, now, actor, action, OBJECT_TYPE, row.id, before, entry_of(row))
    return outcome


def _checked_date(row: Event, date: dt.date, zone: ZoneInfo) -> str:
    if occurrence_of(row, zone, date.isoformat()) is None:
        raise EventError(NO_SUCH_DATE, f"the event has no date on {date.isoformat()}", "date")
    return date.isoformat()


def cancelled(row: Event, date: dt.date | None, zone: ZoneInfo) -> EventEntry:
    """The event with the whole of it, or one date of a series, cancelled."""
    current = entry_of(row)
    if date is None:
        current["cancelled"] = True
    else:
        current["cancelled_dates"] = sorted({*current["cancelled_dates"], _checked_date(row, date, zone)})
    return validated(current)


def reopened(row: Event, date: dt.date | None) -> EventEntry:
    """The event taking place again: as a whole, or on one date that was cancelled."""
    current = entry_of(row)
    if date is None:
        if not row.cancelled:
            raise EventError(NOT_CANCELLED, "the event is not cancelled")
        current["cancelled"] = False
    else:
        if date.isoformat() not in row.cancelled_dates:
            raise EventError(NOT_CANCELLED, f"the date {date.isoformat()} is not cancelled", "date")
        current["cancelled_dates"] = [day for day in current["cancelled_dates"] if day != date.isoformat()]
    return validated(current)


async def cancel(session: AsyncSession, row: Event, date: dt.date | None, now: dt.datetime, zone: ZoneInfo,
                 actor: Actor) -> Outcome:
    return await change(session, row, cancelled(row, date, zone), now, zone, actor,
                        "event.cancel" if date is None else "event.cancel_date")


async def reopen(session: AsyncSession, row: Event, date: dt.date | None, now: dt.datetime, zone: ZoneInfo,
                 actor: Actor) -> Outcome:
    return await change(session, row, reopened(row, date), now, zone, actor,
                        "event.reopen" if date is None else "event.reopen_date")


async def confirm_translations(session: AsyncSession, row: Event, languages: list[str], now: dt.datetime,
                               actor: Actor) -> list[str]:
    """Staff checked that these translations still say what the German text says: they count as current again."""
    texts = {text.language: text for text in row.texts}
    before = {language: text.source_fingerprint for language, text in texts.items()}
    confirmed = [language for language in dict.fromkeys(languages) if language in texts
                 and confirm_outdated(row.texts, language, EVENT_TEXT_FIELDS)]
    if not confirmed:
        return []
    before = {language: before[language] for language in confirmed}
    record(session, now, actor, "event.translations_confirmed", OBJECT_TYPE, row.id, {"fingerprints": before},
           {"fingerprints": {language: texts[language].source_fingerprint for language in confirmed}})
    return confirmed


def text_version(row: Event, language: str) -> str:
    """What "checked" was shown for: the language's text and the German one. A change to either since then
    makes that page stale; a text checked meanwhile does not (it is then already checked)."""
    by_language = {text.language: text for text in row.texts}
    return "|".join(fingerprint(by_language[code], EVENT_TEXT_FIELDS) if code in by_language else "-"
                    for code in (language, SOURCE_LANGUAGE))


async def confirm_review(session: AsyncSession, row: Event, language: str, version: str, now: dt.datetime,
                         actor: Actor) -> None:
    """"Checked": a native speaker read a text made with machine help (or not by a native speaker), and it stays
    as it is. The exported entry no longer says `reviewed: false`, so the content hash moves with it, as an
    import of that export computes it. Residents are not told: nothing they see changes."""
    if version != text_version(row, language):
        raise EventError(STALE, "the text or the German text changed since the page was loaded", "language")
    if not confirm_reviewed(row.texts, language):
        raise EventError(NOT_UNREVIEWED, f"there is no {language} text waiting to be checked", "language")
    row.content_hash, row.updated_at = digest(validated(entry_of(row)), row.example_data), now
    record(session, now, actor, "event.text_reviewed", OBJECT_TYPE, row.id, {"language": language, "reviewed": False},
           {"language": language, "reviewed": True})


async def residents_told(session: AsyncSession, row: Event, entry: EventEntry, now: dt.datetime,
                         zone: ZoneInfo) -> int:
    """How many notices `change(row, entry)` would send, without changing anything: as `upsert_event` and
    `bot/events/changes.py` decide, a notice per resident registered or reminded for a date that moves or
    does not take place any more."""
    told: set[tuple[str, int]] = set()

    async def tell(date: str) -> None:
        told.update((date, resident.id) for resident in await concerned(session, row.id, date))

    for date in sorted({day.isoformat() for day in entry.cancelled_dates} - set(row.cancelled_dates)):
        occurrence = occurrence_of(row, zone, date)
        if occurrence is not None and occurrence.end > now:
            await tell(date)
    start_local = entry.start.isoformat(timespec="minutes")
    duration = int((entry.end - entry.start).total_seconds() // 60)
    recurrence = entry.recurrence.model_dump(mode="json") if entry.recurrence else None
    if entry.cancelled and not row.cancelled:
        for occurrence in occurrences(row, zone, now, now + HORIZON):
            await tell(occurrence.date)
    elif (start_local, duration, recurrence) != (row.start_local, row.duration_minutes, row.recurrence) \
            and not entry.cancelled:
        new = occurrences_between(start_local, duration, recurrence, zone, now, now + HORIZON)
        for before, after in schedule_pairs(occurrences(row, zone, now, now + HORIZON), new):
            if after is None or (after.start, after.end) != (before.start, before.end):
                await tell(before.date)
    return len(told)
