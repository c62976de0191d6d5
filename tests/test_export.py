"""Content export: the database back into the folder the import reads, round-tripping both ways."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import ExportError, export_folder
from bot.content.importer import Content, ImportReport, import_folder, read_folder
from bot.db.engine import session_factory
from bot.db.models import Resident
from bot.events.importer import entry_of, upsert_event
from bot.events.models import Event, EventRegistration
from bot.events.schema import EventEntry
from bot.offers.models import Offer, OfferText
from bot.queue.models import Consultation, QueueSession, QueueTicket
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveySignup
from tests.support.databases import BERLIN, HORST, TUESDAY_MORNING, Database, fresh_database, plain_url

MARKER = "resident-marker-7c1f"  # in every resident row below; must never reach an exported file


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def entry_counts(content: Content) -> Counter[str]:
    counts: Counter[str] = Counter()
    if content.categories:
        counts["categories"] = len(content.categories.categories)
    if content.offers:
        counts["offers"] = len(content.offers.offers)
    if content.events:
        counts["events"] = len(content.events.events)
    if content.sprechstunden:
        counts["sprechstunden"] = len(content.sprechstunden.sprechstunden)
    counts["surveys"] = len(content.surveys)
    return counts


def statuses(report: ImportReport) -> dict[str, int]:
    return {kind: count for kind, count in report.counts.items() if count}


def need_rows(content: Content) -> int:
    """Rows of the needs vocabulary (one per entry and language): the import counts these."""
    needs = content.needs
    return 0 if needs is None else sum(len(entry) for entry in (*needs.offers.values(), *needs.categories.values(),
                                                                *needs.elsewhere.values()))


async def test_export_import_export_is_byte_identical_and_re_imports_unchanged(
        own: App, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    report = await export_folder(own.sessions, first, "horst")
    horst = read_folder(HORST)
    expected = entry_counts(horst)
    assert report.counts == expected
    assert read_folder(first) == horst  # the same entries, field by field, as the file they came from
    async with fresh_database(database.backend, tmp_path) as other:
        imported = await import_folder(session_factory(other.engine), first, "horst", clock)
        assert statuses(imported) == {f"{kind}.created": count for kind, count in expected.items()} | {
            "needs.created": need_rows(horst)}
        await export_folder(session_factory(other.engine), second, "horst")
    assert files_of(second) == files_of(first)
    assert sorted(files_of(first)) == sorted(path.name for path in HORST.glob("*.yaml"))
    again = await import_folder(own.sessions, second, "horst", clock)
    assert statuses(again) == {f"{kind}.unchanged": count for kind, count in expected.items()} | {
        "needs.unchanged": need_rows(horst)}
    assert again.told == 0


async def test_changes_made_in_the_database_are_exported_and_survive_re_import(
        own: App, database: Database, tmp_path: Path, clock: FixedClock) -> None:
    horst = read_folder(HORST)
    assert horst.offers is not None and horst.events is not None
    offer_key = horst.offers.offers[0].key
    weekly = [entry for entry in horst.events.events
              if entry.recurrence and entry.recurrence.frequency == "weekly" and not entry.cancelled_dates]
    moved_key, cancelled_key = weekly[0].key, weekly[1].key
    cancelled_on = weekly[1].start.date() + dt.timedelta(weeks=weekly[1].recurrence.interval)  # type: ignore[union-attr]
    new_title = "استشارة جديدة كل يوم"
    async with own.sessions() as session, session.begin():
        offer = await session.scalar(select(Offer).where(Offer.quarter == "horst", Offer.key == offer_key))
        assert offer is not None
        text = next(text for text in offer.texts if text.language == "ar")
        assert text.title != new_title
        text.title = new_title  # as the back office will: straight in the row
        for key, change in ((moved_key, "move"), (cancelled_key, "cancel")):
            row = await session.scalar(select(Event).where(Event.quarter == "horst", Event.key == key))
            assert row is not None
            entry = entry_of(row)
            if change == "move":
                entry["start"] = (dt.datetime.fromisoformat(entry["start"]) + dt.timedelta(days=1, hours=1)).isoformat()
                entry["end"] = (dt.datetime.fromisoformat(entry["end"]) + dt.timedelta(days=1, hours=1)).isoformat()
            else:
                entry["cancelled_dates"] = [*entry["cancelled_dates"], cancelled_on]
            await upsert_event(session, EventEntry.model_validate(entry), "horst", row.example_data, clock.now(),
                               BERLIN)
    moved_start = weekly[0].start + dt.timedelta(days=1, hours=1)

    first, second = tmp_path / "first", tmp_path / "second"
    await export_folder(own.sessions, first, "horst")
    exported = read_folder(first)
    assert exported.offers is not None and exported.events is not None
    assert next(entry for entry in exported.offers.offers if entry.key == offer_key).texts["ar"].title == new_title
    assert new_title in (first / "offers.yaml").read_text(encoding="utf-8")  # as Arabic, not escaped
    events = {entry.key: entry for entry in exported.events.events}
    assert events[moved_key].start == moved_start
    assert cancelled_on in events[cancelled_key].cancelled_dates

    async with fresh_database(database.backend, tmp_path) as other:
        await import_folder(session_factory(other.engine), first, "horst", clock)
        async with session_factory(other.engine)() as session:
            title = await session.scalar(select(OfferText.title).join(Offer).where(
                Offer.quarter == "horst", Offer.key == offer_key, OfferText.language == "ar"))
            rows = {row.key: row for row in await session.scalars(select(Event).where(Event.quarter == "horst"))}
        assert title == new_title
        assert rows[moved_key].start_local == moved_start.isoformat(timespec="minutes")
        assert cancelled_on.isoformat() in rows[cancelled_key].cancelled_dates
        await export_folder(session_factory(other.engine), second, "horst")
    assert files_of(second) == files_of(first)

    await import_folder(own.sessions, first, "horst", clock)
    assert read_folder(first) == exported
    await export_folder(own.sessions, second, "horst", force=True)
    assert files_of(second) == files_of(first)
    assert statuses(await import_folder(own.sessions, first, "horst", clock)) == {
        f"{kind}.unchanged": count for kind, count in entry_counts(exported).items()} | {
        "needs.unchanged": need_rows(exported)}


async def add_resident_data(app: App) -> None:
    """A resident who registered, took a number, answered the survey and signed up, all marked."""
    now = TUESDAY_MORNING
    async with app.sessions() as session, session.begin():
        resident = Resident(channel="console", channel_user_id=MARKER, language="ar", created_at=now,
                            last_seen_at=now, address=MARKER)
        session.add(resident)
        await session.flush()
        event = await session.scalar(select(Event).where(Event.quarter == "horst").limit(1))
        survey = await session.scalar(select(Survey).where(Survey.quarter == "horst", Survey.active.is_(True)))
        consultation = await session.scalar(select(Consultation).where(Consultation.quarter == "horst"))
        assert event is not None and survey is not None and consultation is not None
        session.add(EventRegistration(event_id=event.id, occurrence=event.start_local[:10], resident_id=resident.id,
                                      status="registered", created_at=now))
        response = SurveyResponse(survey_id=survey.id, resident_id=resident.id, language="ar",
                                  started_on=now.date(), updated_on=now.date())
        session.add(response)
        await session.flush()
        session.add(SurveyAnswer(response_id=response.id, question=survey.definition["questions"][-1]["key"],
                                 status="answered", value=MARKER, text_language="ar"))
        session.add(SurveySignup(survey_id=survey.id, resident_id=resident.id, contact=f"{MARKER}@example.org",
                                 topic=MARKER, language="ar", consent_version=1, consented_at=now))
        queue = QueueSession(consultation_id=consultation.id, day=now.date(), starts_at=now, ends_at=now,
                             languages=["ar"])
        session.add(queue)
        await session.flush()
        session.add(QueueTicket(session_id=queue.id, number=1, resident_id=resident.id, topic="letters",
                                interpreter="ar", status="waiting", created_at=now))


async def test_the_export_validates_is_private_and_holds_no_resident_data(
        own: App, tmp_path: Path, clock: FixedClock) -> None:
    await add_resident_data(own)
    # An answered survey that changes becomes a new version: only the active one is exported.
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (HORST / "bedarfsabfrage.yaml").read_text(encoding="utf-8")
    assert "Bedarfsabfrage Horst: Was brauchen Sie?" in text
    (changed / "bedarfsabfrage.yaml").write_text(text.replace("Bedarfsabfrage Horst: Was brauchen Sie?",
                                                              "Bedarfsabfrage Horst 2027"), encoding="utf-8")
    assert statuses(await import_folder(own.sessions, changed, "horst", clock)) == {"surveys.new_version": 1}

    folder = tmp_path / "new" / "horst"
    await export_folder(own.sessions, folder, "horst")
    content = read_folder(folder)
    assert [survey.title["de"] for survey in content.surveys] == ["Bedarfsabfrage Horst 2027"]
    assert content.categories is not None and content.categories.example_data
    for name, data in files_of(folder).items():
        assert MARKER.encode() not in data, f"{name} holds resident data"
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700


async def test_an_export_refuses_a_folder_in_use_and_a_quarter_without_content(own: App, tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="not empty"):
        await export_folder(own.sessions, folder, "horst")
    assert files_of(folder) == {"notes.txt": b"mine"}
    with pytest.raises(ExportError, match="no content for the quarter 'elsewhere'"):
        await export_folder(own.sessions, tmp_path / "empty", "elsewhere")
    assert not (tmp_path / "empty").exists()


def quartiersbot(database: Database, tmp_path: Path, quarter: str, *arguments: str
                 ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_QUARTER": quarter,
           "QB_DATABASE_URL": plain_url(database.url)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


async def test_the_command_refuses_a_non_empty_folder_without_force(database: Database, tmp_path: Path) -> None:
    quarter = f"q{uuid.uuid4().hex[:12]}"
    await import_folder(session_factory(database.engine), HORST, quarter, FixedClock(TUESDAY_MORNING))
    target = tmp_path / "content"
    target.mkdir()
    (target / "offers.yaml").write_text("offers: []\n", encoding="utf-8")
    refused = quartiersbot(database, tmp_path, quarter, "export", str(target))
    assert refused.returncode != 0
    assert "Nothing was exported" in refused.stderr and "--force" in refused.stderr and refused.stdout == ""
    assert files_of(target) == {"offers.yaml": b"offers: []\n"}

    (target / "survey-old.yaml").write_text("key: old\n", encoding="utf-8")
    (target / "README.md").write_text("Our content.\n", encoding="utf-8")
    forced = quartiersbot(database, tmp_path, quarter, "export", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    counts = entry_counts(read_folder(HORST))
    assert forced.stdout == (
        f"Exported to {target}: {counts['categories']} categories, {counts['offers']} offers, "
        f"{counts['events']} events, {counts['surveys']} survey(s), {counts['sprechstunden']} Sprechstunde(n); "
        "removed survey-old.yaml\n")
    assert sorted(files_of(target)) == sorted(["README.md", *(path.name for path in HORST.glob("*.yaml"))])
    assert read_folder(target) == read_folder(HORST)
