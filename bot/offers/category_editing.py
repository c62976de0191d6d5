"""Changing categories by hand (the back office): names and synonyms per language, and their order.

The same rules as `bot/offers/editing.py`: validated by the YAML schema's `CategoryEntry`, the
`content_hash` kept as the import computes it for the exported entry (position included, since a
category's place in the file is its place in the chat's menu), `updated_at` moved so the bot's
catalog reloads, and every change audited with before and after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.importer import content_digest, fill_category_text
from bot.content.schema import CategoryEntry
from bot.content.texts import (
    SOURCE_LANGUAGE,
    Translation,
    confirm_outdated,
    confirm_reviewed,
    fingerprint,
    in_language_order,
    mark_translated,
    sync_by_language,
    translations,
)
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers.editing import Conflict, Invalid, Problem, problem_of
from bot.offers.models import CATEGORY_TEXT_FIELDS, Category, CategoryText

OBJECT = "category"


async def categories_in_order(session: AsyncSession, quarter: str) -> list[Category]:
    return list(await session.scalars(select(Category).where(Category.quarter == quarter)
                                      .order_by(Category.position, Category.id)))


def category_states(category: Category) -> dict[str, Translation]:
    return translations(category.texts, CONTENT_LANGUAGE_CODES, CATEGORY_TEXT_FIELDS)


def category_text_version(category: Category, language: str) -> str:
    by_language = {row.language: row for row in category.texts}
    return "|".join(fingerprint(by_language[code], CATEGORY_TEXT_FIELDS) if code in by_language else "-"
                    for code in (language, SOURCE_LANGUAGE))


def category_entry(category: Category) -> dict[str, Any]:
    """The category as the YAML schema (and the export) describes it; `reviewed` only when false, as the
    export writes it, so a text saved by hand (which carries none) counts as checked."""
    return {"key": category.key, "icon": category.icon, "texts": in_language_order(
        {text.language: {"name": text.name, "synonyms": list(text.synonyms),
                         **({} if text.reviewed else {"reviewed": False})} for text in category.texts})}


async def update_category_text(session: AsyncSession, category: Category, language: str, text: dict[str, Any],
                               version: str, now: dt.datetime, actor: Actor) -> None:
    """One language's name and synonyms, written by a person: made from the German text as it now is, and
    checked (`reviewed`); the other languages keep theirs."""
    if language not in CONTENT_LANGUAGE_CODES:
        raise Invalid([Problem("language", "choice")])
    if version != category_text_version(category, language):
        raise Conflict
    data = category_entry(category)
    before = data["texts"].get(language)
    data["texts"] = {**data["texts"], language: {"name": text.get("name", ""), "synonyms": text.get("synonyms", [])}}
    try:
        entry = CategoryEntry.model_validate(data)
    except ValidationError as error:
        raise Invalid([problem_of(item) for item in error.errors()]) from error
    sync_by_language(category.texts, entry.texts, CategoryText, fill_category_text, CATEGORY_TEXT_FIELDS)
    row = next(row for row in category.texts if row.language == language)
    mark_translated(row, category.texts, CATEGORY_TEXT_FIELDS)
    _stamp(category, now)
    record(session, now, actor, "category.text", OBJECT, category.id,
           None if before is None else {"language": language, **before},
           {"language": language, **category_entry(category)["texts"][language]})


async def confirm_category_text(session: AsyncSession, category: Category, language: str, version: str,
                                now: dt.datetime, actor: Actor) -> None:
    """"Still correct": an outdated translation is current again without a change of words."""
    if version != category_text_version(category, language):
        raise Conflict
    if not confirm_outdated(category.texts, language, CATEGORY_TEXT_FIELDS):
        raise Invalid([Problem("language", "not_outdated")])
    category.updated_at = now
    record(session, now, actor, "category.text_confirm", OBJECT, category.id,
           {"language": language, "state": Translation.OUTDATED.value},
           {"language": language, "state": Translation.CURRENT.value})


async def confirm_category_review(session: AsyncSession, category: Category, language: str, version: str,
                                  now: dt.datetime, actor: Actor) -> None:
    """"Checked": a native speaker read a text made with machine help (or not by a native speaker), and it
    stays as it is."""
    if version != category_text_version(category, language):
        raise Conflict
    if not confirm_reviewed(category.texts, language):
        raise Invalid([Problem("language", "not_unreviewed")])
    _stamp(category, now)
    record(session, now, actor, "category.text_reviewed", OBJECT, category.id,
           {"language": language, "reviewed": False}, {"language": language, "reviewed": True})


async def move_category(session: AsyncSession, category: Category, up: bool, now: dt.datetime,
                        actor: Actor) -> bool:
    """Swap the category with its neighbour in the menu; False when it is already first (or last).

    Positions are renumbered 0, 1, 2, … as the import numbers a file's entries, so the export writes
    them in this order and an import of that export changes nothing.
    """
    ordered = await categories_in_order(session, category.quarter)
    index = ordered.index(category)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return False
    before = [row.key for row in ordered]
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        if row.position != position or row in (category, ordered[index]):
            row.position = position
            _stamp(row, now)
    record(session, now, actor, "category.order", OBJECT, category.id, {"order": before},
           {"order": [row.key for row in ordered]})
    return True


def _stamp(category: Category, now: dt.datetime) -> None:
    exported = CategoryEntry.model_validate(category_entry(category))
    category.content_hash = content_digest(exported, category.position, category.example_data)
    category.updated_at = now
