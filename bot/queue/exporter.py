"""The Sprechstunden of a quarter back into a `sprechstunden.yaml`, for `quartiersbot export`.

Only consultations still offered are written: the import sets those missing from the file
inactive, so an inactive one left out stays inactive after the file is imported again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.rebuild import example_flag, rebuild
from bot.content.schema import WEEKDAYS
from bot.content.texts import in_language_order
from bot.queue.models import Consultation
from bot.queue.schema import ConsultationEntry, SprechstundenFile


async def export_consultations(session: AsyncSession, quarter: str,
                               problems: list[str]) -> SprechstundenFile | None:
    rows = list(await session.scalars(select(Consultation).where(
        Consultation.quarter == quarter, Consultation.active.is_(True)).order_by(Consultation.id)))
    if not rows:
        return None
    entries = [rebuild(ConsultationEntry, entry_of(row), f"sprechstunden: key {row.key!r}", problems)
               for row in rows]
    return SprechstundenFile(example_data=example_flag([row.example_data for row in rows]),
                             sprechstunden=tuple(entry for entry in entries if entry is not None))


def entry_of(row: Consultation) -> dict[str, Any]:
    return {
        "key": row.key, "titles": in_language_order(dict(row.titles)), "unreviewed": list(row.unreviewed or ()),
        "place": row.place,
        "ticket_prefix": row.ticket_prefix, "desks": row.desks, "numbers_before_minutes": row.numbers_before_minutes,
        "no_show_minutes": row.no_show_minutes, "late_minutes": row.late_minutes,
        "minutes_per_person": row.minutes_per_person, "topics": list(row.topics),
        "weekly": [{"day": WEEKDAYS[hours["weekday"]], "time": f"{hours['start']}-{hours['end']}",
                    "languages": list(hours["languages"])} for hours in row.weekly],
        "closed_dates": list(row.closed_dates),
    }
