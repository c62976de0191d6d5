"""Searches that found nothing, kept as staff need them: the words, the language, the week.

Staff read these to see what residents miss in the quarter. They are counts without a person:
no resident, no id, no time finer than the week (see `UnmetSearch`), and the resident's own
flow state does not keep the words either (handlers/offers.py), so nothing joins the two.
What residents type is not always a search: a text that looks personal — a long sentence, a
phone number, an e-mail or web address, a long number such as a file or IBAN number — is not
stored verbatim, only counted under a marker, so staff still see how often it happens.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_insert
from bot.offers.models import UnmetSearch

PERSONAL_TEXT = "(personal text, not stored)"
MAX_SEARCH_WORDS = 6
MAX_SEARCH_LENGTH = 60
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_ADDRESS = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"(?:\d[\s/()+.-]*){5,}")  # phone, file, customer or bank numbers


def looks_personal(text: str) -> bool:
    """Too long or too specific to be a search for an offer; it may tell about a person."""
    return (len(text.split()) > MAX_SEARCH_WORDS or len(text) > MAX_SEARCH_LENGTH
            or bool(_EMAIL.search(text) or _ADDRESS.search(text) or _LONG_NUMBER.search(text)))


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


async def record_unmet(session: AsyncSession, quarter: str, language: str, query: str, today: dt.date) -> None:
    """Count one search without results under its words (or the marker) for this week."""
    words = " ".join(query.casefold().split())
    text = PERSONAL_TEXT if looks_personal(words) else words
    insert = dialect_insert(session, UnmetSearch).values(quarter=quarter, week=week_of(today), language=language,
                                                         text=text, count=1)
    await session.execute(insert.on_conflict_do_update(
        index_elements=["quarter", "week", "language", "text"], set_={"count": UnmetSearch.count + 1}))


async def unmet_in_week(session: AsyncSession, quarter: str, week: dt.date, limit: int = 20
                        ) -> list[tuple[str, str, int]]:
    """(words, language, count) of the week's searches that found nothing, the most frequent first."""
    rows = await session.execute(
        select(UnmetSearch.text, UnmetSearch.language, UnmetSearch.count)
        .where(UnmetSearch.quarter == quarter, UnmetSearch.week == week_of(week))
        .order_by(UnmetSearch.count.desc(), UnmetSearch.text, UnmetSearch.language).limit(limit))
    return [(text, language, count) for text, language, count in rows.all()]


async def unmet_between(session: AsyncSession, quarter: str, first: dt.date, last: dt.date
                        ) -> list[tuple[dt.date, str, str, int]]:
    """(week, language, words, count) of the weeks whose Monday lies in [first, last] (Mondays)."""
    connection = await session.connection()  # Core rows: a year holds tens of thousands
    rows = await connection.execute(
        select(cast(UnmetSearch.week, String), UnmetSearch.language, UnmetSearch.text, UnmetSearch.count)
        .where(UnmetSearch.quarter == quarter, UnmetSearch.week >= first, UnmetSearch.week <= last))
    return [(_day(week), language, text, count) for week, language, text, count in rows.all()]


@functools.lru_cache(maxsize=1024)
def _day(text: str) -> dt.date:
    """A week's Monday as the database writes it (ISO on both), read once per week rather than once per row."""
    return dt.date.fromisoformat(text[:10])
