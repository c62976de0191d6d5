"""The needs vocabulary in the database: written by the content import, read by the catalog.

needs.yaml names, per offer and per category, the words residents use for the need, and the words
of needs the quarter has no offer for (`elsewhere`), so that those find nothing. The import
replaces a quarter's words as a whole (the file is the truth; a few hundred short rows), but
touches only rows that changed, so `updated_at` tells the catalog when to rebuild its index.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import NeedsFile
from bot.offers.models import Category, NeedWords, Offer

OFFER, CATEGORY, ELSEWHERE = "offer", "category", "elsewhere"
NeedsByOwner = dict[tuple[str, str], dict[str, list[str]]]  # (kind, key) → language → words


def unknown_keys(needs: NeedsFile, offer_keys: set[str], category_keys: set[str]) -> list[str]:
    """needs.yaml entries for offers or categories that do not exist: typos staff should fix."""
    return [f"needs.yaml: offers: unknown offer {key!r}" for key in needs.offers if key not in offer_keys] + [
        f"needs.yaml: categories: unknown category {key!r}" for key in needs.categories if key not in category_keys
    ]


async def known_keys(session: AsyncSession, quarter: str) -> tuple[set[str], set[str]]:
    offers = set(await session.scalars(select(Offer.key).where(Offer.quarter == quarter)))
    categories = set(await session.scalars(select(Category.key).where(Category.quarter == quarter)))
    return offers, categories


async def replace_needs(session: AsyncSession, needs: NeedsFile, quarter: str, now: dt.datetime) -> dict[str, int]:
    """Make the quarter's stored words equal to the file; counts of created/updated/unchanged/deleted rows."""
    wanted = {
        (kind, key, language): [word.strip() for word in words if word.strip()]
        for kind, entries in ((OFFER, needs.offers), (CATEGORY, needs.categories), (ELSEWHERE, needs.elsewhere))
        for key, by_language in entries.items()
        for language, words in by_language.items()
    }
    existing = {
        (row.kind, row.key, row.language): row
        for row in await session.scalars(select(NeedWords).where(NeedWords.quarter == quarter))
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    for (kind, key, language), words in wanted.items():
        row = existing.get((kind, key, language))
        if row is None:
            session.add(NeedWords(quarter=quarter, kind=kind, key=key, language=language, words=words,
                                  updated_at=now))
            counts["created"] += 1
        elif row.words != words:
            row.words, row.updated_at = words, now
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for identity, row in existing.items():
        if identity not in wanted:
            await session.delete(row)
            counts["deleted"] += 1
    return counts


async def load_needs(session: AsyncSession, quarter: str) -> NeedsByOwner:
    result: NeedsByOwner = {}
    for row in await session.scalars(select(NeedWords).where(NeedWords.quarter == quarter)):
        result.setdefault((row.kind, row.key), {})[row.language] = list(row.words)
    return result


async def export_needs(session: AsyncSession, quarter: str) -> NeedsFile | None:
    """The stored vocabulary as needs.yaml, so export and import round-trip; None when there is none."""
    stored = await load_needs(session, quarter)
    if not stored:
        return None
    ordered = sorted(stored.items())
    return NeedsFile(
        offers={key: by_language for (kind, key), by_language in ordered if kind == OFFER},
        categories={key: by_language for (kind, key), by_language in ordered if kind == CATEGORY},
        elsewhere={key: by_language for (kind, key), by_language in ordered if kind == ELSEWHERE},
    )
