"""The needs vocabulary in the database: written by the content import, read by the catalog.

needs.yaml names, per offer and per category, the words residents use for the need, and the words
of needs the quarter has no offer for (`elsewhere`), so that those find nothing. The import
replaces a quarter's words as a whole (the file is the truth; a few hundred short rows), but
touches only rows that changed, so `updated_at` tells the catalog when to rebuild its index.

Staff also keep the words in the back office (`change_needs`, and for needs met elsewhere
`add_elsewhere` and `delete_elsewhere`): per owner (an offer, a category or a need met elsewhere)
and language, validated here, versioned so that a stale form is refused rather than saved over
someone else's change, and audited with before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.schema import NeedsFile
from bot.content.texts import in_language_order
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers.models import Category, NeedWords, Offer
from bot.offers.problems import Conflict, Invalid, Problem

OFFER, CATEGORY, ELSEWHERE = "offer", "category", "elsewhere"
KINDS = (OFFER, CATEGORY, ELSEWHERE)
NeedsByOwner = dict[tuple[str, str], dict[str, list[str]]]  # (kind, key) → language → words
WORD_LENGTH = 60  # as needs.yaml allows (bot/content/schema.py)
WORDS_PER_LANGUAGE = 100
# A new need met elsewhere: lowercase letters, digits and hyphens, within the YAML's keys.
ELSEWHERE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
OBJECT = "needs"


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
    """The stored vocabulary as needs.yaml, so export and import round-trip; None when there is none. Languages
    in the bot's order, not the rows' (PostgreSQL returns them in no fixed order, and a language added in the
    back office is a row written last)."""
    stored = await load_needs(session, quarter)
    if not stored:
        return None
    ordered = [(owner, in_language_order(by_language)) for owner, by_language in sorted(stored.items())]
    return NeedsFile(
        offers={key: by_language for (kind, key), by_language in ordered if kind == OFFER},
        categories={key: by_language for (kind, key), by_language in ordered if kind == CATEGORY},
        elsewhere={key: by_language for (kind, key), by_language in ordered if kind == ELSEWHERE},
    )


def clean_words(words: Iterable[str]) -> list[str]:
    """Trimmed (inner runs of spaces made one), empty entries dropped, repeats dropped whatever their case."""
    seen: set[str] = set()
    result: list[str] = []
    for word in words:
        plain = " ".join(word.split())
        if plain and plain.casefold() not in seen:
            seen.add(plain.casefold())
            result.append(plain)
    return result


def needs_version(by_language: Mapping[str, list[str]]) -> str:
    """A digest of an owner's words: a form filled from other words is stale."""
    data = {language: list(words) for language, words in sorted(by_language.items()) if words}
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


async def words_of(session: AsyncSession, quarter: str, kind: str, key: str) -> dict[str, list[str]]:
    """One owner's words by language, in the languages that have any."""
    return {row.language: list(row.words) for row in await _rows(session, quarter, kind, key) if row.words}


async def exists(session: AsyncSession, quarter: str, kind: str, key: str) -> bool:
    """Whether the owner has rows (a need met elsewhere exists only by its rows)."""
    return bool(await _rows(session, quarter, kind, key))


async def change_needs(session: AsyncSession, quarter: str, kind: str, key: str,
                       typed: Mapping[str, Iterable[str]], version: str, now: dt.datetime, actor: Actor) -> bool:
    """The words of an offer, a category or a need met elsewhere, written by a person: `typed` names the new
    words of each language it has (an empty list takes a language's words away; languages it does not name
    stay). False when nothing changed. A need met elsewhere keeps at least one word (deleting it is
    `delete_elsewhere`); one that no longer exists is a conflict, so a stale form does not bring it back."""
    if kind not in KINDS:
        raise Invalid([Problem("kind", "choice")])
    rows = await _rows(session, quarter, kind, key)
    current = {row.language: list(row.words) for row in rows if row.words}
    if (kind == ELSEWHERE and not rows) or version != needs_version(current):
        raise Conflict
    wanted = _validated(typed, at_least_one=kind == ELSEWHERE, current=current)
    before, after = await _write(session, quarter, kind, key, rows, wanted, now)
    if not after and not before:
        return False
    record(session, now, actor, "needs.changed", OBJECT, f"{kind}:{key}", before, after)
    return True


async def add_elsewhere(session: AsyncSession, quarter: str, key: str, typed: Mapping[str, Iterable[str]],
                        now: dt.datetime, actor: Actor) -> None:
    """A need the quarter has no offer for, with at least one word: a query naming it then finds nothing."""
    problems: list[Problem] = []
    if not key:
        problems.append(Problem("key", "required"))
    elif not ELSEWHERE_KEY.match(key):
        problems.append(Problem("key", "key_format"))
    elif await _rows(session, quarter, ELSEWHERE, key):
        problems.append(Problem("key", "key_taken"))
    try:
        wanted = _validated(typed, at_least_one=True)
    except Invalid as invalid:
        problems += invalid.problems
    if problems:
        raise Invalid(problems)
    _before, after = await _write(session, quarter, ELSEWHERE, key, [], wanted, now)
    record(session, now, actor, "needs.added", OBJECT, f"{ELSEWHERE}:{key}", None, after)


async def delete_elsewhere(session: AsyncSession, quarter: str, key: str, now: dt.datetime, actor: Actor) -> bool:
    """A need met elsewhere and all its words; False when there is none of that key."""
    rows = await _rows(session, quarter, ELSEWHERE, key)
    if not rows:
        return False
    before = {row.language: list(row.words) for row in rows}
    for row in rows:
        await session.delete(row)
    record(session, now, actor, "needs.deleted", OBJECT, f"{ELSEWHERE}:{key}", before, None)
    return True


async def _rows(session: AsyncSession, quarter: str, kind: str, key: str) -> list[NeedWords]:
    return list(await session.scalars(select(NeedWords).where(
        NeedWords.quarter == quarter, NeedWords.kind == kind, NeedWords.key == key)))


def _validated(typed: Mapping[str, Iterable[str]], at_least_one: bool,
               current: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Cleaned words per language, or every language's problem at once (the field is the language)."""
    problems: list[Problem] = []
    wanted: dict[str, list[str]] = {}
    for language, words in typed.items():
        if language not in CONTENT_LANGUAGE_CODES:
            problems.append(Problem("language", "choice"))
            continue
        cleaned = wanted[language] = clean_words(words)
        if long := next((word for word in cleaned if len(word) > WORD_LENGTH), None):
            problems.append(Problem(language, "word_too_long", {"word": long, "max": WORD_LENGTH}))
        elif len(cleaned) > WORDS_PER_LANGUAGE:
            problems.append(Problem(language, "too_many_words", {"max": WORDS_PER_LANGUAGE}))
    kept = {**(current or {}), **wanted}
    if at_least_one and not problems and not any(kept.values()):
        problems.append(Problem("words", "no_words"))
    if problems:
        raise Invalid(problems)
    return wanted


async def _write(session: AsyncSession, quarter: str, kind: str, key: str, rows: list[NeedWords],
                 wanted: Mapping[str, list[str]], now: dt.datetime) -> tuple[dict[str, list[str]],
                                                                               dict[str, list[str]]]:
    """Make the owner's rows say `wanted` (a language without words loses its row); the changed languages'
    words before and after."""
    by_language = {row.language: row for row in rows}
    stamp = await _stamp(session, quarter, now)
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for language in (code for code in CONTENT_LANGUAGE_CODES if code in wanted):
        words, row = wanted[language], by_language.get(language)
        old = list(row.words) if row is not None else []
        if words == old:
            continue
        before[language], after[language] = old, words
        if not words:
            assert row is not None
            await session.delete(row)
        elif row is None:
            session.add(NeedWords(quarter=quarter, kind=kind, key=key, language=language, words=words,
                                  updated_at=stamp))
        else:
            row.words, row.updated_at = words, stamp
    return before, after


async def _stamp(session: AsyncSession, quarter: str, now: dt.datetime) -> dt.datetime:
    """The time a change is written with: now, or just after the quarter's newest row when that is not older.

    The catalog rebuilds its index when the count of rows or the newest time changes
    (`bot/offers/catalog.py`); a change within the same clock tick as the last one (or after the clock
    was set back) must move the newest time all the same.
    """
    latest = await session.scalar(select(func.max(NeedWords.updated_at)).where(NeedWords.quarter == quarter))
    return now if latest is None or now > latest else latest + dt.timedelta(microseconds=1)
