"""The back office's list of offers: searched, filtered by category and by translation state, paged.

A quarter may hold thousands of offers, so filtering, counting and paging run in SQL, and only the
page's offers are loaded with their texts. "Not checked in X" looks for a text
with `reviewed` false. "Outdated in X" compares fingerprints in SQL: every German
text row carries the fingerprint of its own words (`bot/content/texts.py`), and a translation the one
of the German words it was made from. The search looks at the provider and at the titles in every
language; titles are matched in Python (SQLite lowers ASCII letters only, and residents' languages are
not ASCII), on one narrow query that runs only when something is searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.content.texts import SOURCE_LANGUAGE, Translation, translations, unreviewed
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers.models import OFFER_TEXT_FIELDS, Category, Offer, OfferText

PER_PAGE = 25


@dataclass(frozen=True)
class OfferFilter:
    query: str = ""  # in any language's title, or the provider
    category: str = ""  # a category key
    missing: str = ""  # a language code: only offers without a text in it
    outdated: str = ""  # a language code: only offers whose text in it is outdated
    unreviewed: str = ""  # a language code: only offers whose text in it a native speaker should still check
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
    unreviewed: frozenset[str]  # languages whose text a native speaker should still check


@dataclass(frozen=True)
class OfferPage:
    rows: list[OfferRow]
    page: int
    pages: int
    total: int


German = aliased(OfferText)
Other = aliased(OfferText)


async def offer_page(session: AsyncSession, quarter: str, where: OfferFilter, page: int = 1,
                     per_page: int = PER_PAGE) -> OfferPage:
    query = await _filtered(session, quarter, where)
    if query is None:
        return OfferPage([], 1, 1, 0)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    found = (await session.execute(query.order_by(func.lower(func.coalesce(German.title, Offer.key)), Offer.id)
                                   .offset((page - 1) * per_page).limit(per_page))).all()
    texts: dict[int, list[OfferText]] = {row.id: [] for row in found}
    if texts:
        for text in await session.scalars(select(OfferText).where(OfferText.offer_id.in_(texts))):
            texts[text.offer_id].append(text)
    rows = [OfferRow(row.id, row.key, row.title or row.key, row.provider, row.category, row.active,
                     translations(texts[row.id], CONTENT_LANGUAGE_CODES, OFFER_TEXT_FIELDS), unreviewed(texts[row.id]))
            for row in found]
    return OfferPage(rows, page, pages, total)


async def _filtered(session: AsyncSession, quarter: str, where: OfferFilter) -> Select[tuple[int, str, str, bool,
                                                                                            str, str | None]] | None:
    """The offers the filter keeps, with what a list row shows; None when a search finds nothing."""
    query = (select(Offer.id, Offer.key, Offer.provider, Offer.active, Category.key.label("category"),
                    German.title.label("title"))
             .join(Category, Category.id == Offer.category_id)
             .outerjoin(German, (German.offer_id == Offer.id) & (German.language == SOURCE_LANGUAGE))
             .where(Offer.quarter == quarter, Offer.active.is_(not where.inactive)))
    if where.category:
        query = query.where(Category.key == where.category)
    if where.missing:
        query = query.where(~exists().where(OfferText.offer_id == Offer.id, OfferText.language == where.missing))
    if where.outdated and where.outdated != SOURCE_LANGUAGE:
        query = query.where(exists().where(
            Other.offer_id == Offer.id, Other.language == where.outdated, Other.source_fingerprint.is_not(None),
            German.source_fingerprint.is_not(None), Other.source_fingerprint != German.source_fingerprint))
    elif where.outdated:
        return None  # the German text is the source, never outdated
    if where.unreviewed:
        query = query.where(exists().where(OfferText.offer_id == Offer.id, OfferText.language == where.unreviewed,
                                           OfferText.reviewed.is_(False)))
    needle = " ".join(where.query.split()).casefold()
    if needle:
        candidates = await session.execute(
            select(Offer.id, Offer.provider, Offer.key, OfferText.title)
            .outerjoin(OfferText, OfferText.offer_id == Offer.id).where(Offer.quarter == quarter))
        ids = {offer_id for offer_id, *words in candidates.all()
               if any(needle in (word or "").casefold() for word in words)}
        if not ids:
            return None
        query = query.where(Offer.id.in_(ids))
    return query
