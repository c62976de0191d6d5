"""`sprechstunden.yaml` into the database; hours removed from the file stop being offered.

A consultation is never deleted on import: its past sessions and tickets are the figures the
city asks for. It is set inactive instead, and comes back if the key returns to the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import written_sources
from bot.queue.models import Consultation
from bot.queue.schema import ConsultationEntry, SprechstundenFile


async def upsert_consultations(session: AsyncSession, content: SprechstundenFile, quarter: str,
                               now: dt.datetime) -> list[str]:
    """One status per entry ("created", "updated", "unchanged"), plus "deactivated" per removed one."""
    existing = {row.key: row for row in await session.scalars(
        select(Consultation).where(Consultation.quarter == quarter))}
    statuses = []
    for entry in content.sprechstunden:
        digest = content_digest(entry, content.example_data)
        row = existing.pop(entry.key, None)
        if row is not None and row.content_hash == digest and row.active:
            statuses.append("unchanged")
            continue
        statuses.append("updated" if row else "created")
        if row is None:
            row = Consultation(quarter=quarter, key=entry.key)
            session.add(row)
        fill(row, entry, content.example_data)
        row.content_hash, row.updated_at = digest, now
    for row in existing.values():
        if row.active:
            row.active, row.updated_at = False, now
            statuses.append("deactivated")
    return statuses


def content_digest(entry: ConsultationEntry, example_data: bool) -> str:
    """What the import compares; a change made in the back office stores it too, so its export re-imports
    as "unchanged". An entry without review marks dumps as before there were any, so its digest stays."""
    return hashlib.sha256(f"{entry.model_dump_json()}|{example_data}".encode()).hexdigest()


def fill(row: Consultation, entry: ConsultationEntry, example_data: bool) -> None:
    row.active = True
    titles = dict(entry.titles)
    row.title_sources = written_sources(row.titles or {}, row.title_sources, titles)  # new or changed: current
    row.titles, row.unreviewed = titles, list(entry.unreviewed)
    row.place, row.ticket_prefix, row.desks = entry.place, entry.ticket_prefix, entry.desks
    row.numbers_before_minutes, row.no_show_minutes = entry.numbers_before_minutes, entry.no_show_minutes
    row.late_minutes, row.minutes_per_person = entry.late_minutes, entry.minutes_per_person
    row.topics = list(entry.topics)
    row.weekly = [{"weekday": hours.weekday, "start": hours.time[:5], "end": hours.time[6:],
                   "languages": list(hours.languages)} for hours in entry.weekly]
    row.closed_dates = sorted(day.isoformat() for day in entry.closed_dates)
    row.example_data = example_data
