"""What an offer or event sent with a staff answer is, found when the answer goes out, so the resident sees it
as it is then (in their language, a date not yet past, nothing deleted or cancelled meanwhile)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import SOURCE_LANGUAGE
from bot.events.models import Event
from bot.events.occurrences import Occurrence
from bot.events.store import HORIZON, event_by_id, is_cancelled, occurrences
from bot.offers.models import Offer, OfferText


@dataclass(frozen=True)
class OfferCard:
    key: str
    title: str
    summary: str


@dataclass(frozen=True)
class EventCard:
    event: Event
    occurrence: Occurrence


async def offer_card(session: AsyncSession, quarter: str, key: str, language: str) -> OfferCard | None:
    """The active offer's title and summary in `language`, German where it has none; None if it is gone."""
    rows = (await session.execute(
        select(OfferText.language, OfferText.title, OfferText.summary).join(Offer, Offer.id == OfferText.offer_id)
        .where(Offer.quarter == quarter, Offer.key == key, Offer.active.is_(True),
               OfferText.language.in_((language, SOURCE_LANGUAGE))))).all()
    texts = {row.language: row for row in rows}
    chosen = texts.get(language) or texts.get(SOURCE_LANGUAGE)
    return None if chosen is None else OfferCard(key, chosen.title, chosen.summary)


async def event_card(session: AsyncSession, quarter: str, event_id: int, now: dt.datetime,
                     zone: ZoneInfo) -> EventCard | None:
    """The event's next date that is not cancelled; None if it has none (any more)."""
    event = await event_by_id(session, event_id)
    if event is None or event.quarter != quarter or event.cancelled:
        return None
    coming = [occurrence for occurrence in occurrences(event, zone, now, now + HORIZON)
              if not is_cancelled(event, occurrence)]
    return EventCard(event, coming[0]) if coming else None
