"""`quartiersbot import PATH`: a content folder into the database, all or nothing.

Staff edit YAML by hand. A mistake must never leave half a folder imported, and they should
fix every mistake in one go, so all files are validated first and every error is reported
with file, entry and field; only then is everything written in one transaction. Entries are
matched by their stable `key`; an unchanged entry is not touched, so "last updated" means
what it says and importing twice changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.content.schema import WEEKDAYS, CategoriesFile, NeedsFile, OfferEntry, OffersFile
from bot.content.texts import sync_by_language
from bot.events.importer import upsert_event
from bot.events.schema import EventsFile
from bot.offers.hours import parse_slot
from bot.offers.models import (
    CATEGORY_TEXT_FIELDS,
    OFFER_TEXT_FIELDS,
    Category,
    CategoryText,
    Offer,
    OfferText,
    OpeningSlot,
)
from bot.offers.needs import known_keys, replace_needs, unknown_keys
from bot.queue.importer import upsert_consultations
from bot.queue.schema import SprechstundenFile
from bot.surveys.definition import SurveyFile, definition_errors
from bot.surveys.importer import upsert_survey

KNOWN_FILES: dict[str, type[BaseModel]] = {
    "categories.yaml": CategoriesFile, "offers.yaml": OffersFile, "events.yaml": EventsFile,
    "bedarfsabfrage.yaml": SurveyFile, "sprechstunden.yaml": SprechstundenFile, "needs.yaml": NeedsFile,
}
BERLIN = ZoneInfo("Europe/Berlin")
SURVEY_FILES = "survey-*.yaml"  # further surveys, besides the Bedarfsabfrage


class ContentError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s) in the content")
        self.errors = errors


@dataclass
class Content:
    categories: CategoriesFile | None = None
    offers: OffersFile | None = None
    events: EventsFile | None = None
    surveys: list[SurveyFile] = field(default_factory=list)
    sprechstunden: SprechstundenFile | None = None
    needs: NeedsFile | None = None


@dataclass
class ImportReport:
    counts: Counter[str] = field(default_factory=Counter)
    told: int = 0  # residents to be told of moved, cancelled or new events

    def summary(self) -> str:
        kinds = sorted({kind.split(".")[0] for kind in self.counts})
        return "; ".join(f"{kind}: " + ", ".join(
            f"{self.counts[f'{kind}.{status}']} {label}" for status, label in _STATUSES
            if status not in ("new_version", "deactivated", "deleted") or self.counts[f"{kind}.{status}"]
        ) for kind in kinds) + (f"; {self.told} resident(s) will be told of changed or new events" if self.told else "")


_STATUSES = (("created", "new"), ("new_version", "as a new version"), ("updated", "updated"),
             ("unchanged", "unchanged"), ("deactivated", "no longer offered"), ("deleted", "deleted"))


def read_folder(folder: Path) -> Content:
    """Parse and validate every file; raise ContentError listing all problems."""
    if not folder.is_dir():
        raise ContentError([f"{folder}: not a folder"])
    errors: list[str] = []
    content = Content()
    for path in sorted(folder.glob("*.y*ml")):
        schema = SurveyFile if path.match(SURVEY_FILES) else KNOWN_FILES.get(path.name)
        if schema is None:
            errors.append(f"{path.name}: unknown file; known: {', '.join(KNOWN_FILES)}, {SURVEY_FILES}")
            continue
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            errors.append(f"{path.name}: not readable as YAML: {error}".replace("\n", " "))
            continue
        try:
            parsed = schema.model_validate(raw)
        except ValidationError as error:
            errors.extend(_describe(path.name, raw, error))
            continue
        if isinstance(parsed, CategoriesFile):
            content.categories = parsed
            errors += _duplicates(path.name, "categories", [entry.key for entry in parsed.categories])
        elif isinstance(parsed, OffersFile):
            content.offers = parsed
            errors += _duplicates(path.name, "offers", [entry.key for entry in parsed.offers])
        elif isinstance(parsed, EventsFile):
            content.events = parsed
            errors += _duplicates(path.name, "events", [entry.key for entry in parsed.events])
        elif isinstance(parsed, SprechstundenFile):
            content.sprechstunden = parsed
            errors += _duplicates(path.name, "sprechstunden", [entry.key for entry in parsed.sprechstunden])
        elif isinstance(parsed, NeedsFile):
            content.needs = parsed
        elif isinstance(parsed, SurveyFile):
            content.surveys.append(parsed)
            errors += [f"{path.name}: {problem}" for problem in definition_errors(parsed)]
    errors += _duplicates("surveys", "surveys", [survey.key for survey in content.surveys])
    if content == Content() and not errors:
        errors.append(f"{folder}: no content files found ({', '.join(KNOWN_FILES)}, {SURVEY_FILES})")
    if errors:
        raise ContentError(errors)
    return content


async def import_folder(sessions: async_sessionmaker[AsyncSession], folder: Path, quarter: str,
                        clock: Clock, zone: ZoneInfo = BERLIN) -> ImportReport:
    content = read_folder(folder)
    report = ImportReport()
    async with sessions() as session, session.begin():
        if content.categories is not None:
            await _upsert_categories(session, content.categories, quarter, clock, report)
        if content.offers is not None:
            await _upsert_offers(session, content.offers, quarter, clock, report)
        if content.needs is not None:
            await session.flush()
            if problems := unknown_keys(content.needs, *await known_keys(session, quarter)):
                raise ContentError(problems)
            for status, count in (await replace_needs(session, content.needs, quarter, clock.now())).items():
                report.counts[f"needs.{status}"] += count
        if content.events is not None:
            for entry in content.events.events:
                outcome = await upsert_event(session, entry, quarter, content.events.example_data, clock.now(), zone)
                report.counts[f"events.{outcome.status}"] += 1
                report.told += outcome.told
        for survey in content.surveys:
            report.counts[f"surveys.{await upsert_survey(session, survey, quarter, clock)}"] += 1
        if content.sprechstunden is not None:
            for status in await upsert_consultations(session, content.sprechstunden, quarter, clock.now()):
                report.counts[f"sprechstunden.{status}"] += 1
    return report


async def _upsert_categories(session: AsyncSession, content: CategoriesFile, quarter: str, clock: Clock,
                             report: ImportReport) -> None:
    existing = {row.key: row for row in await session.scalars(select(Category).where(Category.quarter == quarter))}
    for position, entry in enumerate(content.categories):
        digest = content_digest(entry, position, content.example_data)
        row = existing.get(entry.key)
        if not _changed(row, digest, "categories", report):
            continue
        if row is None:
            row = Category(quarter=quarter, key=entry.key)
            session.add(row)
        row.icon, row.position, row.example_data = entry.icon, position, content.example_data
        row.content_hash, row.updated_at = digest, clock.now()
        sync_by_language(row.texts, entry.texts, CategoryText, fill_category_text, CATEGORY_TEXT_FIELDS)


def _changed(row: Category | Offer | None, digest: str, kind: str, report: ImportReport) -> bool:
    """Count the entry as new, updated or unchanged; only the first two need writing.

    An inactive offer (taken out in the back office) that is in the file is offered again.
    """
    if row is not None and row.content_hash == digest and getattr(row, "active", True):
        report.counts[f"{kind}.unchanged"] += 1
        return False
    report.counts[f"{kind}.updated" if row else f"{kind}.created"] += 1
    return True


async def _upsert_offers(session: AsyncSession, content: OffersFile, quarter: str, clock: Clock,
                         report: ImportReport) -> None:
    categories = {row.key: row for row in await session.scalars(select(Category).where(Category.quarter == quarter))}
    missing = [
        f"offers.yaml: offers[{index}] (key {entry.key!r}): category: unknown category {entry.category!r}"
        for index, entry in enumerate(content.offers)
        if entry.category not in categories
    ]
    if missing:
        raise ContentError(missing)
    await session.flush()
    existing = {row.key: row for row in await session.scalars(select(Offer).where(Offer.quarter == quarter))}
    now = clock.now()
    for entry in content.offers:
        digest = content_digest(entry, content.example_data)
        row = existing.get(entry.key)
        if not _changed(row, digest, "offers", report):
            continue
        if row is None:
            row = Offer(quarter=quarter, key=entry.key, created_at=now)
            session.add(row)
        fill_offer(row, entry, categories[entry.category].id, content.example_data)
        row.active, row.content_hash, row.updated_at = True, digest, now


def fill_offer(row: Offer, entry: OfferEntry, category_id: int, example_data: bool) -> None:
    """The row as `entry` describes it; the back office's editing writes through here too."""
    row.category_id = category_id
    row.provider = entry.provider
    row.street = entry.address.street if entry.address else ""
    row.postcode = entry.address.postcode if entry.address else ""
    row.city = entry.address.city if entry.address else ""
    row.latitude = entry.geo.lat if entry.geo else None
    row.longitude = entry.geo.lon if entry.geo else None
    row.phone, row.email, row.website = entry.contact.phone, entry.contact.email, entry.contact.website
    row.by_appointment, row.temporarily_closed = entry.by_appointment, entry.temporarily_closed
    row.closed_dates = sorted(day.isoformat() for day in entry.closed_dates)
    row.barrier_free = {True: "yes", False: "no"}.get(entry.barrier_free, "unknown")  # type: ignore[call-overload]
    row.languages, row.target_groups = list(entry.languages), list(entry.target_groups)
    row.cost, row.valid_from, row.valid_until = entry.cost, entry.valid_from, entry.valid_until
    row.example_data = example_data
    sync_by_language(row.texts, entry.texts, OfferText, fill_offer_text, OFFER_TEXT_FIELDS)
    row.slots.clear()
    for weekday, day in enumerate(WEEKDAYS):
        for slot in entry.hours.get(day, []):  # type: ignore[call-overload]
            opens, closes = parse_slot(slot)
            row.slots.append(OpeningSlot(weekday=weekday, opens_minute=opens, closes_minute=closes))


def fill_category_text(target: CategoryText, text: Any) -> None:
    target.name, target.synonyms, target.reviewed = text.name, list(text.synonyms), text.reviewed


def fill_offer_text(target: OfferText, text: Any) -> None:
    target.title, target.summary = text.title, text.summary
    target.cost_note, target.hours_note, target.keywords = text.cost_note, text.hours_note, list(text.keywords)
    target.reviewed = text.reviewed


def content_digest(*parts: Any) -> str:
    """The change detection's fingerprint of an entry; the back office keeps it right after an edit."""
    text = "|".join(part.model_dump_json() if isinstance(part, BaseModel) else repr(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _duplicates(file: str, section: str, keys: list[str]) -> list[str]:
    seen: Counter[str] = Counter(keys)
    return [f"{file}: {section}: key {key!r} appears {count} times" for key, count in seen.items() if count > 1]


def _describe(file: str, raw: Any, error: ValidationError) -> list[str]:
    """ "offers.yaml: offers[3] (key 'tafel'): texts.de.title: Field required"."""
    lines = []
    for item in error.errors():
        location = list(item["loc"])
        entry = ""
        if len(location) >= 2 and isinstance(location[1], int):
            section, index = location[0], location[1]
            key = None
            with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
                key = raw[section][index].get("key")
            entry = f"{section}[{index}]" + (f" (key {key!r})" if key else "") + ": "
            location = location[2:]
        where = ".".join(str(part) for part in location) or "(whole entry)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{file}: {entry}{where}: {message}")
    return lines
