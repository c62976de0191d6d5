"""Changing offers by hand (the back office): new, common fields, one language's text, still correct,
checked by a native speaker, deactivate and reactivate.

An edit goes through the same pydantic schema as a YAML file (`bot/content/schema.py`) and is
written by the import's own `fill_offer`, so a hand-made offer can always be exported and imported
again. Afterwards the offer's `content_hash` is that of the entry the export will write, so an
import of that export reports it unchanged, and `updated_at` moves, which the bot's catalog
notices (`bot/offers/catalog.py`). Every change is audited with before and after in the caller's
transaction.

Problems are returned as codes with the form field they belong to, not as sentences: the back
office words them in the staff member's language. Two staff members editing the same part of an
offer are told apart by a version (a digest of what the form was filled from): a save built on an
older version raises `Conflict` instead of overwriting the other's work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.exporter import offer_entry
from bot.content.importer import content_digest, fill_offer
from bot.content.schema import OfferEntry
from bot.content.texts import (
    SOURCE_LANGUAGE,
    Translation,
    confirm_outdated,
    confirm_reviewed,
    fingerprint,
    mark_translated,
    translations,
)
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers.models import OFFER_TEXT_FIELDS, Category, Offer
from bot.offers.problems import Conflict, Invalid, Problem

OBJECT = "offer"
COMMON_FIELDS = ("category", "provider", "address", "geo", "contact", "hours", "by_appointment",
                 "temporarily_closed", "closed_dates", "barrier_free", "languages", "target_groups", "cost",
                 "valid_from", "valid_until")
_SLOT_PROBLEM = re.compile(r"^(\w{3}): '(.*)' (is not of the form|closes before it opens)")


def entry_data(offer: Offer, category_key: str) -> dict[str, Any]:
    """The offer as the YAML schema describes it (the export's own mapping)."""
    return offer_entry(offer, category_key)


def offer_version(offer: Offer) -> str:
    data = offer_entry(offer, str(offer.category_id))
    data.pop("texts")
    return _digest(data)


def text_version(offer: Offer, language: str) -> str:
    """Changes when this language's text or the German text changes: either makes a saved form stale."""
    by_language = {row.language: row for row in offer.texts}
    parts = [fingerprint(by_language[code], OFFER_TEXT_FIELDS) if code in by_language else "-"
             for code in (language, SOURCE_LANGUAGE)]
    return _digest(parts)


def text_states(offer: Offer) -> dict[str, Translation]:
    return translations(offer.texts, CONTENT_LANGUAGE_CODES, OFFER_TEXT_FIELDS)


async def category_keys(session: AsyncSession, quarter: str) -> dict[str, int]:
    return dict((await session.execute(select(Category.key, Category.id).where(Category.quarter == quarter))).all())


async def create_offer(session: AsyncSession, quarter: str, fields: dict[str, Any], german: dict[str, Any],
                       now: dt.datetime, actor: Actor) -> Offer:
    """A new offer from the common fields and its German text; its key is made from the German title."""
    offer = Offer(quarter=quarter, key="", created_at=now, updated_at=now, content_hash="", example_data=False,
                  active=True, texts=[], slots=[])
    data = {**_known(fields, COMMON_FIELDS), "key": "new", "texts": {SOURCE_LANGUAGE: german}}
    entry = await _validated(session, quarter, data)
    offer.key = await _free_key(session, quarter, str(german.get("title", "")))
    categories = await category_keys(session, quarter)
    session.add(offer)
    _write(offer, entry.model_copy(update={"key": offer.key}), categories, now)
    await session.flush()
    record(session, now, actor, "offer.create", OBJECT, offer.id, None, _json(entry_data(offer, entry.category)))
    return offer


async def update_offer(session: AsyncSession, offer: Offer, fields: dict[str, Any], version: str,
                       now: dt.datetime, actor: Actor) -> None:
    """The common fields (everything but the texts); the texts stay as they are."""
    if version != offer_version(offer):
        raise Conflict
    categories = await category_keys(session, offer.quarter)
    before = _common(entry_data(offer, _key_of(categories, offer.category_id)))
    data = {name: value for name, value in entry_data(offer, _key_of(categories, offer.category_id)).items()
            if name not in COMMON_FIELDS}  # the key and the texts
    data.update(_known(fields, COMMON_FIELDS))
    entry = await _validated(session, offer.quarter, data)
    _write(offer, entry, categories, now)
    after = _common(entry_data(offer, entry.category))
    if after != before:
        record(session, now, actor, "offer.update", OBJECT, offer.id, _json(before), _json(after))


async def update_text(session: AsyncSession, offer: Offer, language: str, text: dict[str, Any], version: str,
                      now: dt.datetime, actor: Actor) -> None:
    """One language's text, written (or checked) by a person: it counts as made from the German text as it
    now is, and as checked (`reviewed`: the form's text carries no flag, so the schema's default holds). A
    changed German text leaves every other language outdated until it is saved or confirmed."""
    if language not in CONTENT_LANGUAGE_CODES:
        raise Invalid([Problem("language", "choice")])
    if version != text_version(offer, language):
        raise Conflict
    categories = await category_keys(session, offer.quarter)
    data = entry_data(offer, _key_of(categories, offer.category_id))
    before = data["texts"].get(language)
    data["texts"] = {**data["texts"], language: _known(text, OFFER_TEXT_FIELDS)}
    entry = await _validated(session, offer.quarter, data)
    _write(offer, entry, categories, now)
    row = next(row for row in offer.texts if row.language == language)
    mark_translated(row, offer.texts, OFFER_TEXT_FIELDS)
    record(session, now, actor, "offer.text", OBJECT, offer.id,
           None if before is None else _json({"language": language, **before}),
           _json({"language": language, **entry_data(offer, entry.category)["texts"][language]}))


async def confirm_text(session: AsyncSession, offer: Offer, language: str, version: str, now: dt.datetime,
                       actor: Actor) -> None:
    """"Still correct": an outdated translation is current again without a change of words."""
    if version != text_version(offer, language):
        raise Conflict
    if not confirm_outdated(offer.texts, language, OFFER_TEXT_FIELDS):
        raise Invalid([Problem("language", "not_outdated")])
    offer.updated_at = now
    record(session, now, actor, "offer.text_confirm", OBJECT, offer.id,
           {"language": language, "state": Translation.OUTDATED.value},
           {"language": language, "state": Translation.CURRENT.value})


async def confirm_review(session: AsyncSession, offer: Offer, language: str, version: str, now: dt.datetime,
                         actor: Actor) -> None:
    """"Checked": a native speaker read a text made with machine help (or not by a native speaker), and it stays
    as it is. The exported entry no longer says `reviewed: false`, so the content hash moves with it."""
    if version != text_version(offer, language):
        raise Conflict
    if not confirm_reviewed(offer.texts, language):
        raise Invalid([Problem("language", "not_unreviewed")])
    categories = await category_keys(session, offer.quarter)
    _write(offer, OfferEntry.model_validate(entry_data(offer, _key_of(categories, offer.category_id))), categories,
           now)
    record(session, now, actor, "offer.text_reviewed", OBJECT, offer.id, {"language": language, "reviewed": False},
           {"language": language, "reviewed": True})


async def set_active(session: AsyncSession, offer: Offer, active: bool, now: dt.datetime, actor: Actor) -> None:
    """Take the offer out of the bot, or bring it back; it is never deleted.

    As the import does with Sprechstunden missing from their file: the row stays (its history, the
    audit log and residents' old buttons keep their meaning; a button of a deactivated offer leads to
    the menu), the bot and the export leave it out, and an import of a file that has it brings it back.
    """
    if offer.active == active:
        return
    offer.active, offer.updated_at = active, now
    record(session, now, actor, "offer.activate" if active else "offer.deactivate", OBJECT, offer.id,
           {"active": not active}, {"active": active})


def _write(offer: Offer, entry: OfferEntry, categories: dict[str, int], now: dt.datetime) -> None:
    fill_offer(offer, entry, categories[entry.category], offer.example_data)
    exported = OfferEntry.model_validate(entry_data(offer, entry.category))  # what the export will write
    offer.content_hash, offer.updated_at = content_digest(exported, offer.example_data), now


async def _validated(session: AsyncSession, quarter: str, data: dict[str, Any]) -> OfferEntry:
    """The YAML schema's verdict, plus the one rule it cannot check alone: the category must exist."""
    problems: list[Problem] = []
    if data.get("category") not in await category_keys(session, quarter):
        problems.append(Problem("category", "choice"))
    entry = None
    try:
        entry = OfferEntry.model_validate(data)
    except ValidationError as error:
        problems += [problem_of(item) for item in error.errors()]
    if problems or entry is None:
        raise Invalid(problems)
    return entry


def problem_of(item: Any) -> Problem:
    """A pydantic error as the form field it concerns and a code the back office words."""
    location = [part for part in item["loc"] if isinstance(part, str)]
    message = str(item.get("msg", "")).removeprefix("Value error, ")
    context = dict(item.get("ctx") or {})
    kind = item["type"]
    slot = _SLOT_PROBLEM.match(message)
    if slot:
        code = "slot_order" if "closes" in slot.group(3) else "slot_format"
        return Problem(f"hours_{slot.group(1)}", code, {"slot": slot.group(2)})
    if not location:
        return Problem("valid_until", "validity_order") if "valid_until" in message else Problem("", "invalid")
    if location[0] == "texts":
        location = location[2:] or ["title"]
    name = f"hours_{location[1]}" if location[0] == "hours" and len(location) > 1 else location[-1]
    codes = {"missing": "required", "string_too_short": "required", "string_too_long": "too_long",
             "string_pattern_mismatch": "pattern", "float_parsing": "number", "float_type": "number",
             "greater_than_equal": "range", "less_than_equal": "range", "date_parsing": "date",
             "date_from_datetime_parsing": "date", "date_type": "date", "literal_error": "choice",
             "bool_parsing": "choice", "bool_type": "choice"}
    params = {"max": context["max_length"]} if "max_length" in context else {}
    return Problem(name, codes.get(kind, "invalid"), params)


async def _free_key(session: AsyncSession, quarter: str, title: str) -> str:
    """A stable key as the YAML has them (lowercase, digits, dashes), from the title, unique in the quarter."""
    plain = unicodedata.normalize("NFKD", title.casefold().replace("ß", "ss").replace("ä", "ae")
                                  .replace("ö", "oe").replace("ü", "ue")).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:34].strip("-") or "angebot"
    taken = set(await session.scalars(select(Offer.key).where(Offer.quarter == quarter, Offer.key.like(f"{base}%"))))
    number = 1
    key = base
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


def _known(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


def _common(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name) for name in COMMON_FIELDS}


def _key_of(categories: dict[str, int], category_id: int) -> str:
    return next(key for key, number in categories.items() if number == category_id)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON for the audit log (dates as ISO text)."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

