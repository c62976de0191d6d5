"""The back office's list of offers: searched, filtered by category and by translation state, paged.

Whether a translation is outdated depends on a digest of the German text (`bot/content/texts.py`),
which SQL cannot compute, so the filter runs in Python on narrow rows: the offers' few list columns,
the German texts in full and of every other text only its language and what it was made from.
That stays a few queries whatever the number of offers, and no offer's whole text is loaded but the
German one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import SOURCE_LANGUAGE, Translation, translations
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers.models import OFFER_TEXT_FIELDS, Category, Offer, OfferText

PER_PAGE = 25


@dataclass(frozen=True)
class OfferFilter:
    query: str = ""  # in any language's title, or the provider
    category: str = ""  # a category key
    missing: str = ""  # a language code: only offers without a text in it
    outdated: str = ""  # a language code: only offers whose text in it is outdated
    inactive: bool = False  # the deactivated offers instead of the active ones


@dataclass(frozen=True)
class OfferRow:
    id: int
    key: str
    title: str
    provider: str
    category: str
    active: bool
    states: dict[str, Translation]


@dataclass(frozen=True)
class OfferPage:
    rows: list[OfferRow]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class _Text:
    language: str
    source_fingerprint: str | None
    title: str = ""
    summary: str = ""
    cost_note: str = ""
    hours_note: str = ""
    keywords: Any = ()


async def offer_page(session: AsyncSession, quarter: str, where: OfferFilter, page: int = 1,
                     per_page: int = PER_PAGE) -> OfferPage:
    query = (select(Offer.id, Offer.key, Offer.provider, Offer.active, Category.key)
             .join(Category, Category.id == Offer.category_id)
             .where(Offer.quarter == quarter, Offer.active.is_(not where.inactive)))
    if where.category:
        query = query.where(Category.key == where.category)
    offers = (await session.execute(query)).all()
    ids = [row[0] for row in offers]
    texts: dict[int, list[_Text]] = {offer_id: [] for offer_id in ids}
    titles: dict[int, list[str]] = {offer_id: [] for offer_id in ids}
    if ids:
        german = await session.execute(
            select(OfferText.offer_id, OfferText.source_fingerprint,
                   *(getattr(OfferText, name) for name in OFFER_TEXT_FIELDS))
            .join(Offer, Offer.id == OfferText.offer_id)
            .where(Offer.quarter == quarter, OfferText.language == SOURCE_LANGUAGE))
        for offer_id, made_from, *words in german.all():
            if offer_id in texts:
                texts[offer_id].append(_Text(SOURCE_LANGUAGE, made_from, *words))
                titles[offer_id].append(words[0])
        others = await session.execute(
            select(OfferText.offer_id, OfferText.language, OfferText.source_fingerprint, OfferText.title)
            .join(Offer, Offer.id == OfferText.offer_id)
            .where(Offer.quarter == quarter, OfferText.language != SOURCE_LANGUAGE))
        for offer_id, language, made_from, title in others.all():
            if offer_id in texts:
                texts[offer_id].append(_Text(language, made_from))
                titles[offer_id].append(title)
    needle = " ".join(where.query.split()).casefold()
    rows = []
    for offer_id, key, provider, active, category in offers:
        if needle and not any(needle in text.casefold() for text in (provider, key, *titles[offer_id])):
            continue
        states = translations(texts[offer_id], CONTENT_LANGUAGE_CODES, OFFER_TEXT_FIELDS)
        if where.missing and states.get(where.missing) is not Translation.MISSING:
            continue
        if where.outdated and states.get(where.outdated) is not Translation.OUTDATED:
            continue
        german = next((text.title for text in texts[offer_id] if text.language == SOURCE_LANGUAGE), key)
        rows.append(OfferRow(offer_id, key, german, provider, category, active, states))
    rows.sort(key=lambda row: (row.title.casefold(), row.id))
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(max(1, page), pages)
    return OfferPage(rows[(page - 1) * per_page:page * per_page], page, pages, len(rows))
