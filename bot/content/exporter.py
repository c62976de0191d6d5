"""`quartiersbot export PATH`: the database's content of one quarter back into a content folder.

Staff will change content in the back office as well as in YAML files. The export gives them the
database's state in the very format `quartiersbot import` reads, so the folder can be kept in
version control, reviewed as a diff and imported again: export and import round-trip, and an
export of an unchanged database is byte for byte the same. Only content is written, never
anything residents gave (registrations, tickets, answers, sign-ups).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.importer import KNOWN_FILES, SURVEY_FILES
from bot.content.rebuild import ExportError, example_flag, rebuild
from bot.content.schema import WEEKDAYS, CategoriesFile, CategoryEntry, OfferEntry, OffersFile
from bot.content.texts import in_language_order
from bot.events.exporter import export_events
from bot.files import private_dir, write_private
from bot.offers.models import Category, Offer
from bot.offers.needs import export_needs
from bot.queue.exporter import export_consultations
from bot.surveys.exporter import export_surveys, file_name

__all__ = ["ExportError", "ExportReport", "export_folder", "to_yaml"]


@dataclass
class ExportReport:
    folder: Path
    counts: Counter[str] = field(default_factory=Counter)
    removed: list[str] = field(default_factory=list)  # content files of an earlier export the database no longer has

    def summary(self) -> str:
        kinds = ", ".join(f"{self.counts[kind]} {label}" for kind, label in _LABELS if self.counts[kind])
        removed = f"; removed {', '.join(self.removed)}" if self.removed else ""
        return f"Exported to {self.folder}: {kinds}{removed}"


_LABELS = (("categories", "categories"), ("offers", "offers"), ("events", "events"), ("surveys", "survey(s)"),
           ("sprechstunden", "Sprechstunde(n)"))


async def export_folder(sessions: async_sessionmaker[AsyncSession], folder: Path, quarter: str,
                        force: bool = False) -> ExportReport:
    """Write every file or none: all content is read and validated before the first file is touched."""
    folder = Path(folder)
    existing = _check_target(folder, force)
    async with sessions() as session, session.begin():
        files, report = await _collect(session, quarter)
    report.folder = folder
    if not files:
        raise ExportError([f"the database holds no content for the quarter {quarter!r}"])
    if not folder.exists():
        private_dir(folder)  # a new folder is the bot's own; an existing one (a git checkout) keeps its mode
    for name, model in files.items():
        write_private(folder / name, to_yaml(model, quarter).encode("utf-8"))
    for stale in sorted(existing - set(files)):
        (folder / stale).unlink()
        report.removed.append(stale)
    return report


def _check_target(folder: Path, force: bool) -> set[str]:
    """The content files already in `folder`: with `force` those the database no longer has are removed,
    because an import would otherwise bring them back."""
    if folder.exists() and not folder.is_dir():
        raise ExportError([f"{folder} is not a folder"])
    if not folder.exists():
        return set()
    entries = list(folder.iterdir())
    if entries and not force:
        raise ExportError([f"{folder} is not empty; export into a new or empty folder, or overwrite it with --force"])
    return {path.name for path in entries
            if path.is_file() and (path.name in KNOWN_FILES or path.match(SURVEY_FILES))}


async def _collect(session: AsyncSession, quarter: str) -> tuple[dict[str, BaseModel], ExportReport]:
    problems: list[str] = []
    report = ExportReport(Path())
    files: dict[str, BaseModel] = {}
    categories = await export_categories(session, quarter, problems)
    offers = await export_offers(session, quarter, problems)
    events = await export_events(session, quarter, problems)
    surveys = await export_surveys(session, quarter, problems)
    sprechstunden = await export_consultations(session, quarter, problems)
    needs = await export_needs(session, quarter)
    if problems:
        raise ExportError(problems)
    if categories is not None:
        files["categories.yaml"] = categories
        report.counts["categories"] = len(categories.categories)
    if offers is not None:
        files["offers.yaml"] = offers
        report.counts["offers"] = len(offers.offers)
    if events is not None:
        files["events.yaml"] = events
        report.counts["events"] = len(events.events)
    for survey in surveys:
        files[file_name(survey)] = survey
        report.counts["surveys"] += 1
    if sprechstunden is not None:
        files["sprechstunden.yaml"] = sprechstunden
        report.counts["sprechstunden"] = len(sprechstunden.sprechstunden)
    if needs is not None:
        files["needs.yaml"] = needs
    return files, report


async def export_categories(session: AsyncSession, quarter: str, problems: list[str]) -> CategoriesFile | None:
    """In their position, which is the order of the file they came from (and of the chat's menu)."""
    rows = list(await session.scalars(select(Category).where(Category.quarter == quarter)
                                      .order_by(Category.position, Category.id)))
    if not rows:
        return None
    entries = [rebuild(CategoryEntry, {
        "key": row.key, "icon": row.icon,
        "texts": in_language_order({text.language: {"name": text.name, "synonyms": list(text.synonyms),
                                                    "reviewed": text.reviewed}
                                    for text in row.texts}),
    }, f"categories: key {row.key!r}", problems) for row in rows]
    return CategoriesFile(example_data=example_flag([row.example_data for row in rows]),
                          categories=[entry for entry in entries if entry is not None])


async def export_offers(session: AsyncSession, quarter: str, problems: list[str]) -> OffersFile | None:
    """In the order they were created, which for imported offers is the order of their file.

    Only active offers: an inactive one left out stays inactive when the file is imported again
    (the import leaves offers missing from the file alone), as with the Sprechstunden.
    """
    keys = dict((await session.execute(select(Category.id, Category.key).where(Category.quarter == quarter))).all())
    rows = list(await session.scalars(select(Offer).where(Offer.quarter == quarter, Offer.active.is_(True))
                                      .order_by(Offer.id)))
    if not rows:
        return None
    entries = [rebuild(OfferEntry, offer_entry(row, keys[row.category_id]), f"offers: key {row.key!r}", problems)
               for row in rows]
    return OffersFile(example_data=example_flag([row.example_data for row in rows]),
                      offers=[entry for entry in entries if entry is not None])


def offer_entry(row: Offer, category: str) -> dict[str, Any]:
    hours: dict[str, list[str]] = {}
    for slot in sorted(row.slots, key=lambda slot: (slot.weekday, slot.opens_minute)):
        hours.setdefault(WEEKDAYS[slot.weekday], []).append(f"{_clock(slot.opens_minute)}-{_clock(slot.closes_minute)}")
    entry: dict[str, Any] = {
        "key": row.key, "category": category, "provider": row.provider,
        "contact": {"phone": row.phone, "email": row.email, "website": row.website},
        "hours": hours, "by_appointment": row.by_appointment, "temporarily_closed": row.temporarily_closed,
        "closed_dates": list(row.closed_dates),
        "barrier_free": {"yes": True, "no": False}.get(row.barrier_free, "unknown"),
        "languages": list(row.languages), "target_groups": list(row.target_groups), "cost": row.cost,
        "valid_from": row.valid_from, "valid_until": row.valid_until,
        "texts": in_language_order({text.language: {
            "title": text.title, "summary": text.summary, "cost_note": text.cost_note,
            "hours_note": text.hours_note, "keywords": list(text.keywords),
            "reviewed": text.reviewed,
        } for text in row.texts}),
    }
    if row.street:
        entry["address"] = {"street": row.street, "postcode": row.postcode, "city": row.city}
    if row.latitude is not None and row.longitude is not None:
        entry["geo"] = {"lat": row.latitude, "lon": row.longitude}
    return entry


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"  # 1440 is written 24:00, as the file has it


class _Dumper(yaml.SafeDumper):
    """YAML as staff write it: short lists on one line, texts with line breaks as blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _sequence(dumper: yaml.SafeDumper, value: list[Any] | tuple[Any, ...]) -> yaml.SequenceNode:
    flat = all(isinstance(item, str | int | float | dt.date) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


def _wall_clock(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.ScalarNode:
    """2026-12-01T18:00, as on a poster: without seconds, and as the text the schema parses."""
    text = value.isoformat(timespec="minutes" if not value.second and not value.microsecond else "auto")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _sequence)
_Dumper.add_representer(tuple, _sequence)
_Dumper.add_representer(dt.datetime, _wall_clock)


def to_yaml(model: BaseModel, quarter: str) -> str:
    """The model in its schema's key order, without the fields that only repeat a default."""
    data = model.model_dump(mode="python", exclude_defaults=True)
    header = (f"# Exported from the database (quarter {quarter!r}) by `quartiersbot export`.\n"
              "# Edit it and bring it back with `quartiersbot import`; comments are not kept.\n")
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                              default_flow_style=False)
