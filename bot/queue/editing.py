"""Staff change a Sprechstunde's hours and closed dates, and mark a title as checked by a native speaker
(the back office; the YAML import stays).

Every change goes through the schema of `sprechstunden.yaml` (`ConsultationEntry`), so the back
office can store nothing the import would refuse, and stores the import's own digest, so an
export of the changed hours imports again as "unchanged". The digest doubles as the version a
form was loaded with: a save whose version no longer matches is refused instead of overwriting
what a colleague saved meanwhile.

Closing a day on which residents already hold numbers closes that day's sessions the way the
desk does (`desk.close_session`): those waiting are told in the chat, with the next dates.
Numbers are only given out on the day itself, so this can only happen for today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.texts import SOURCE_LANGUAGE, Translation, confirmed_sources, kept_translations, kept_version
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.queue.desk import close_session
from bot.queue.exporter import entry_of
from bot.queue.importer import content_digest, fill
from bot.queue.models import ACTIVE, Consultation, QueueSession, QueueTicket
from bot.queue.schema import ConsultationEntry

OBJECT_TYPE = "consultation"
# What the hours form may change; the key, the place, the ticket prefix and the closed dates are not on it.
EDITABLE = ("titles", "desks", "numbers_before_minutes", "no_show_minutes", "late_minutes", "minutes_per_person",
            "topics", "weekly")


class HoursError(Exception):
    """A change that cannot be made; `code` names why, for the screen to say it in the staff member's language."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


STALE, PAST, ALREADY_CLOSED, NOT_CLOSED = "stale", "past", "already_closed", "not_closed"
NOT_UNREVIEWED = "not_unreviewed"  # "checked" for a title that needs no check


@dataclass(frozen=True)
class Closing:
    """What adding a closed date did, or would do: `holding` residents hold numbers for that day."""

    day: dt.date
    holding: int
    told: int = 0
    done: bool = True


async def consultations(db: AsyncSession, quarter: str) -> list[Consultation]:
    """All of the quarter's consultations, the inactive ones (removed from the file) last."""
    return list(await db.scalars(select(Consultation).where(Consultation.quarter == quarter)
                                 .order_by(Consultation.active.desc(), Consultation.id)))


async def consultation(db: AsyncSession, consultation_id: int, quarter: str, *, lock: bool = False
                       ) -> Consultation | None:
    """One consultation of the quarter; locked until commit when it is about to change."""
    query = select(Consultation).where(Consultation.id == consultation_id, Consultation.quarter == quarter)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await db.scalar(query)


def as_entry(row: Consultation) -> ConsultationEntry:
    return ConsultationEntry.model_validate(entry_of(row))


def _store(row: Consultation, entry: ConsultationEntry, now: dt.datetime) -> None:
    """Write `entry` and the digest of the entry as the export will write it (closed dates sorted, titles in the
    bot's language order), so the exported file imports again as "unchanged". A Sprechstunde no longer in the
    file stays not offered: only an import that has it again offers it again."""
    active = row.active
    fill(row, entry, row.example_data)
    row.active = active
    row.content_hash, row.updated_at = content_digest(as_entry(row), row.example_data), now


async def save_hours(db: AsyncSession, row: Consultation, changes: dict[str, Any], version: str,
                     now: dt.datetime, actor: Actor) -> bool:
    """Titles, weekly hours, desks, timings and topics as the form sent them; False if nothing changed.

    A title still to be checked by a native speaker stays so while it is saved unchanged; one that staff
    changed (or removed) counts as checked, as a text of an offer or event saved by hand does.

    Raises `HoursError(STALE)` when the row changed since the form was loaded, and pydantic's
    `ValidationError` (with the schema's field names) when the values are not valid.
    """
    if row.content_hash != version:
        raise HoursError(STALE)
    before = entry_of(row)
    titles = changes["titles"]
    unreviewed = [code for code in row.unreviewed if code in titles and titles[code] == row.titles.get(code)]
    entry = ConsultationEntry.model_validate({**before, **{name: changes[name] for name in EDITABLE},
                                              "unreviewed": unreviewed})
    if entry == as_entry(row):
        return False
    _store(row, entry, now)
    after = entry_of(row)
    changed = [name for name in before if before[name] != after[name]]
    record(db, now, actor, "sprechstunde.update", OBJECT_TYPE, row.id,
           before={name: before[name] for name in changed}, after={name: after[name] for name in changed})
    return True


def title_states(row: Consultation) -> dict[str, Translation]:
    """Each language's title: the German source, current, outdated (the German title changed since) or missing."""
    return kept_translations(dict(row.titles), row.title_sources, CONTENT_LANGUAGE_CODES)


def confirm_titles(db: AsyncSession, row: Consultation, languages: list[str], now: dt.datetime,
                   actor: Actor) -> list[str]:
    """Staff checked that these outdated titles still say what the German title says: they count as current.

    Nothing of the file changes, so the version (the import's digest) stays.
    """
    states = title_states(row)
    confirmed = [code for code in CONTENT_LANGUAGE_CODES if code in languages and code != SOURCE_LANGUAGE
                 and states[code] is Translation.OUTDATED]
    if not confirmed:
        return []
    before = dict(row.title_sources or {})
    row.title_sources = confirmed_sources(dict(row.titles), row.title_sources, confirmed)
    record(db, now, actor, "sprechstunde.titles_confirmed", OBJECT_TYPE, row.id,
           before={"fingerprints": {code: before.get(code) for code in confirmed}},
           after={"fingerprints": {code: row.title_sources.get(code) for code in confirmed}})
    return confirmed


def title_version(row: Consultation, language: str) -> str:
    """What "checked" was shown for: the language's title and the German one."""
    return kept_version(dict(row.titles), language)


def confirm_review(db: AsyncSession, row: Consultation, language: str, version: str, now: dt.datetime,
                   actor: Actor) -> None:
    """"Checked": a native speaker read a title made with machine help (or not by a native speaker), and it stays
    as it is. The exported entry no longer lists the language under `unreviewed`, so the stored digest moves
    with it, as an import of that export computes it; the title's translation state does not change.

    Raises `HoursError(STALE)` when the title or the German title changed since the page was loaded, and
    `HoursError(NOT_UNREVIEWED)` when the title counts as checked already (or there is none).
    """
    if version != title_version(row, language):
        raise HoursError(STALE)
    if language not in row.unreviewed:
        raise HoursError(NOT_UNREVIEWED)
    entry = as_entry(row)
    _store(row, entry.model_copy(update={"unreviewed": tuple(code for code in entry.unreviewed if code != language)}),
           now)
    record(db, now, actor, "sprechstunde.title_reviewed", OBJECT_TYPE, row.id,
           before={"language": language, "reviewed": False}, after={"language": language, "reviewed": True})


async def holding_numbers(db: AsyncSession, row: Consultation, day: dt.date) -> tuple[list[int], int]:
    """The day's sessions still open, and how many residents (or walk-ins) wait or are called in them."""
    sessions = list(await db.scalars(select(QueueSession.id).where(
        QueueSession.consultation_id == row.id, QueueSession.day == day, QueueSession.closed_at.is_(None))))
    if not sessions:
        return [], 0
    holding = await db.scalar(select(func.count(QueueTicket.id)).where(
        QueueTicket.session_id.in_(sessions), QueueTicket.status.in_(ACTIVE)))
    return sessions, int(holding or 0)


async def add_closed_date(db: AsyncSession, row: Consultation, day: dt.date, now: dt.datetime, zone: ZoneInfo,
                          actor: Actor, *, confirmed: bool = False) -> Closing:
    """Close the Sprechstunde on `day`; not in the past. If numbers are held for it, only once `confirmed`.

    Closing today ends today's open sessions as the desk's "close" does, and those waiting are told.
    """
    if day < now.astimezone(zone).date():
        raise HoursError(PAST)
    if day.isoformat() in row.closed_dates:
        raise HoursError(ALREADY_CLOSED)
    sessions, holding = await holding_numbers(db, row, day)
    if holding and not confirmed:
        return Closing(day, holding, done=False)
    told = 0
    for session_id in sessions:
        told += await close_session(db, session_id, now)
    before = list(row.closed_dates)
    entry = as_entry(row)
    _store(row, entry.model_copy(update={"closed_dates": (*entry.closed_dates, day)}), now)
    record(db, now, actor, "sprechstunde.closed_date.add", OBJECT_TYPE, row.id, before={"closed_dates": before},
           after={"closed_dates": list(row.closed_dates), "sessions_closed": len(sessions), "told": told})
    return Closing(day, holding, told)


async def remove_closed_date(db: AsyncSession, row: Consultation, day: dt.date, now: dt.datetime, zone: ZoneInfo,
                             actor: Actor) -> None:
    """Open a closed date again. A past one stays: it is the record of why nobody came that day.

    Sessions already closed that day stay closed; staff open them again at the desk if they want.
    """
    if day.isoformat() not in row.closed_dates:
        raise HoursError(NOT_CLOSED)
    if day < now.astimezone(zone).date():
        raise HoursError(PAST)
    before = list(row.closed_dates)
    entry = as_entry(row)
    _store(row, entry.model_copy(update={"closed_dates": tuple(d for d in entry.closed_dates if d != day)}), now)
    record(db, now, actor, "sprechstunde.closed_date.remove", OBJECT_TYPE, row.id, before={"closed_dates": before},
           after={"closed_dates": list(row.closed_dates)})
