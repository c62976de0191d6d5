"""The quarter's offers held in memory, rebuilt when the database says the content changed.

Browsing, filtering ("open now", "in my language") and search run on every message, so they
work on an immutable snapshot. A cheap query tells whether the snapshot is still current; it
runs at most every few seconds, so content imported by `quartiersbot import` (another process)
reaches residents within that time without costing every message a round trip.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.languages import FALLBACK_CONTENT_LANGUAGE
from bot.offers.hours import Slot, WeeklyHours
from bot.offers.models import Category, NeedWords, Offer
from bot.offers.needs import CATEGORY, ELSEWHERE, OFFER, load_needs
from bot.offers.search import (
    CATEGORY_WEIGHT,
    KEYWORD_WEIGHT,
    NEEDS_WEIGHT,
    SUMMARY_WEIGHT,
    TITLE_WEIGHT,
    Document,
    Field,
    SearchIndex,
)


@dataclass(frozen=True)
class OfferTextView:
    title: str
    summary: str
    cost_note: str = ""
    hours_note: str = ""


@dataclass(frozen=True)
class OfferView:
    id: int
    key: str
    category_key: str
    provider: str
    street: str
    postcode: str
    city: str
    latitude: float | None
    longitude: float | None
    phone: str
    email: str
    website: str
    hours: WeeklyHours
    barrier_free: str
    languages: tuple[str, ...]
    target_groups: tuple[str, ...]
    cost: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    texts: dict[str, OfferTextView]

    def text(self, language: str) -> tuple[OfferTextView, bool]:
        """The text in `language`, else German; the flag says whether it fell back."""
        if language in self.texts:
            return self.texts[language], False
        return self.texts[FALLBACK_CONTENT_LANGUAGE], True

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class CategoryView:
    id: int
    key: str
    icon: str
    position: int
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[FALLBACK_CONTENT_LANGUAGE]


@dataclass
class QuarterCatalog:
    categories: list[CategoryView]
    offers: dict[int, OfferView]
    index: SearchIndex
    by_key: dict[str, OfferView] = field(default_factory=dict)
    by_category: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ordered = sorted(self.offers.values(), key=lambda offer: offer.text("de")[0].title.casefold())
        self.by_key = {offer.key: offer for offer in ordered}
        for category in self.categories:
            self.by_category[category.key] = []
        for offer in ordered:
            self.by_category.setdefault(offer.category_key, []).append(offer.id)

    def category(self, key: str) -> CategoryView | None:
        return next((category for category in self.categories if category.key == key), None)


class OfferCatalog:
    def __init__(self, check_interval: float = 3.0) -> None:
        self.check_interval = check_interval
        self._cache: dict[str, tuple[tuple[object, ...], QuarterCatalog]] = {}
        self._checked: dict[str, float] = {}

    async def get(self, session: AsyncSession, quarter: str) -> QuarterCatalog:
        cached = self._cache.get(quarter)
        checked = self._checked.get(quarter)
        if cached is not None and checked is not None and time.monotonic() - checked < self.check_interval:
            return cached[1]
        version = tuple(
            (
                await session.execute(
                    select(
                        # Active offers: taking one out or back in is noticed even within one clock tick.
                        select(func.count(Offer.id)).where(Offer.quarter == quarter, Offer.active.is_(True))
                        .scalar_subquery(),
                        select(func.max(Offer.updated_at)).where(Offer.quarter == quarter).scalar_subquery(),
                        select(func.count(Category.id)).where(Category.quarter == quarter).scalar_subquery(),
                        select(func.max(Category.updated_at)).where(Category.quarter == quarter)
                        .scalar_subquery(),
                        select(func.count()).select_from(NeedWords).where(NeedWords.quarter == quarter)
                        .scalar_subquery(),
                        select(func.max(NeedWords.updated_at)).where(NeedWords.quarter == quarter)
                        .scalar_subquery(),
                    )
                )
            ).one()
        )
        self._checked[quarter] = time.monotonic()
        if cached is not None and cached[0] == version:
            return cached[1]
        catalog = await load_catalog(session, quarter)
        self._cache[quarter] = (version, catalog)
        return catalog


async def load_catalog(session: AsyncSession, quarter: str) -> QuarterCatalog:
    categories = list(
        await session.scalars(select(Category).where(Category.quarter == quarter).order_by(Category.position))
    )
    category_views = {
        category.id: CategoryView(
            id=category.id, key=category.key, icon=category.icon, position=category.position,
            names={text.language: text.name for text in category.texts},
        )
        for category in categories
    }
    needs = await load_needs(session, quarter)
    category_fields = {
        category.id: [
            *(Field(term, text.language, CATEGORY_WEIGHT)
              for text in category.texts for term in (text.name, *text.synonyms)),
            *_needs_fields(needs.get((CATEGORY, category.key), {}), CATEGORY_WEIGHT),
        ]
        for category in categories
    }
    offers: dict[int, OfferView] = {}
    documents: list[Document] = []
    for offer in await session.scalars(select(Offer).where(Offer.quarter == quarter, Offer.active.is_(True))):
        offers[offer.id] = _view(offer, category_views[offer.category_id].key)
        fields = [*category_fields[offer.category_id], *_needs_fields(needs.get((OFFER, offer.key), {}), NEEDS_WEIGHT)]
        for text in offer.texts:
            fields.append(Field(text.title, text.language, TITLE_WEIGHT))
            fields.extend(Field(keyword, text.language, KEYWORD_WEIGHT) for keyword in text.keywords)
            fields.append(Field(text.summary, text.language, SUMMARY_WEIGHT))
        fields.append(Field(offer.provider, "de", SUMMARY_WEIGHT))
        documents.append(Document(offer.id, tuple(fields)))
    return QuarterCatalog(
        categories=sorted(category_views.values(), key=lambda category: category.position),
        offers=offers,
        index=SearchIndex(documents, elsewhere=[
            field for (kind, _), by_language in needs.items() if kind == ELSEWHERE
            for field in _needs_fields(by_language, NEEDS_WEIGHT)]),
    )


def _needs_fields(by_language: dict[str, list[str]], weight: int) -> list[Field]:
    return [Field(word, language, weight) for language, words in by_language.items() for word in words]


def _view(offer: Offer, category_key: str) -> OfferView:
    return OfferView(
        id=offer.id, key=offer.key, category_key=category_key, provider=offer.provider,
        street=offer.street, postcode=offer.postcode, city=offer.city,
        latitude=offer.latitude, longitude=offer.longitude,
        phone=offer.phone, email=offer.email, website=offer.website,
        hours=WeeklyHours(
            slots=tuple(Slot(slot.weekday, slot.opens_minute, slot.closes_minute) for slot in offer.slots),
            closed_dates=frozenset(dt.date.fromisoformat(day) for day in offer.closed_dates),
            temporarily_closed=offer.temporarily_closed,
            by_appointment=offer.by_appointment,
        ),
        barrier_free=offer.barrier_free, languages=tuple(offer.languages),
        target_groups=tuple(offer.target_groups), cost=offer.cost,
        valid_from=offer.valid_from, valid_until=offer.valid_until,
        texts={
            text.language: OfferTextView(text.title, text.summary, text.cost_note, text.hours_note)
            for text in offer.texts
        },
    )
