"""The events of a quarter back into an `events.yaml`, for `quartiersbot export`.

Everything the import reads is written, including cancelled events and cancelled dates of a
series: they are part of what residents were told, and leaving them out would bring a
cancelled date back on the next import.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.rebuild import example_flag, rebuild
from bot.events.importer import entry_of
from bot.events.models import Event
from bot.events.schema import EventEntry, EventsFile


async def export_events(session: AsyncSession, quarter: str, problems: list[str]) -> EventsFile | None:
    """None when the quarter has no events, so no empty file is written.

    In the order they were created: for imported events that is the order of their file, so an
    export reads like the file staff know, with new events at the end.
    """
    rows = list(await session.scalars(select(Event).where(Event.quarter == quarter).order_by(Event.id)))
    if not rows:
        return None
    entries = [rebuild(EventEntry, entry_of(row), f"events: key {row.key!r}", problems) for row in rows]
    return EventsFile(example_data=example_flag([row.example_data for row in rows]),
                      events=[entry for entry in entries if entry is not None])
