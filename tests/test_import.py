"""Content import: all errors at once with file, entry and field; all or nothing; idempotent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FixedClock
from bot.content.importer import ContentError, import_folder, read_folder
from bot.offers.models import Offer, OfferText
from tests.support.databases import HORST, TUESDAY_MORNING

CATEGORIES = """
example_data: true
categories:
  - key: food
    icon: "🛒"
    texts:
      de: {name: Lebensmittel}
      en: {name: Food}
"""
OFFER = """
  - key: {key}
    category: food
    provider: Beispiel-Verein
    hours: {{tue: ["10:00-12:00"]}}
    texts:
      de: {{title: "{title}", summary: Lebensmittel für wenig Geld.}}
"""


def folder(tmp_path: Path, offers: str, categories: str = CATEGORIES) -> Path:
    (tmp_path / "categories.yaml").write_text(textwrap.dedent(categories), encoding="utf-8")
    (tmp_path / "offers.yaml").write_text("example_data: true\noffers:\n" + offers, encoding="utf-8")
    return tmp_path


async def count_offers(app: App, quarter: str) -> int:
    async with app.sessions() as session:
        return await session.scalar(select(func.count(Offer.id)).where(Offer.quarter == quarter)) or 0


def test_the_horst_example_content_is_valid_and_large_enough() -> None:
    content = read_folder(HORST)
    categories, offers = content.categories, content.offers
    assert categories is not None and offers is not None
    assert categories.example_data and offers.example_data
    assert len(offers.offers) >= 30
    used = {offer.category for offer in offers.offers}
    assert len(used) >= 10
    for offer in offers.offers:
        for language in ("de", "en", "tr", "ar", "ro"):
            assert language in offer.texts, f"{offer.key} lacks {language}"
        for value in (offer.contact.email, offer.contact.website):
            assert not value or "example.org" in value, f"{offer.key}: {value} looks real"
        assert not offer.contact.phone or offer.contact.phone.replace(" ", "").startswith("+492090"), \
            f"{offer.key}: {offer.contact.phone} could be a real number"


def test_every_error_is_reported_at_once_with_file_entry_and_field(tmp_path: Path) -> None:
    broken = (
        OFFER.format(key="ok", title="Gut")
        + OFFER.format(key="BAD KEY", title="x")
        + "  - key: nohours\n    category: food\n    provider: X\n    hours: {mon: ['12:00-09:00']}\n"
          "    colour: blue\n    texts:\n      en: {title: T, summary: S}\n"
        + OFFER.format(key="ok", title="Doppelt")
    )
    with pytest.raises(ContentError) as caught:
        read_folder(folder(tmp_path, broken))
    errors = "\n".join(caught.value.errors)
    assert "offers.yaml: offers[1] (key 'BAD KEY'): key: String should match pattern" in errors
    assert "offers.yaml: offers[2] (key 'nohours'): hours: Value error" not in errors
    assert "offers.yaml: offers[2] (key 'nohours'): hours: mon: '12:00-09:00' closes before it opens" in errors
    assert "offers.yaml: offers[2] (key 'nohours'): colour: Extra inputs are not permitted" in errors
    assert "offers.yaml: offers[2] (key 'nohours'): texts: a German text ('de') is required" in errors
    assert len(caught.value.errors) == 4  # the duplicate key is reported once the entries are valid


def test_duplicates_unknown_files_and_bad_yaml(tmp_path: Path) -> None:
    path = folder(tmp_path, OFFER.format(key="a", title="A") + OFFER.format(key="a", title="B"))
    (path / "offer.yaml").write_text("x: 1", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_folder(path)
    assert "offers.yaml: offers: key 'a' appears 2 times" in caught.value.errors
    assert any(error.startswith("offer.yaml: unknown file") for error in caught.value.errors)
    (path / "offer.yaml").unlink()
    (path / "categories.yaml").write_text("categories: [\n", encoding="utf-8")
    with pytest.raises(ContentError, match="error"):
        read_folder(path)


async def test_an_invalid_folder_imports_nothing(app: App, tmp_path: Path) -> None:
    quarter = f"q{id(tmp_path) % 10**8}"
    # Valid YAML, but an offer refers to a category that exists nowhere: caught in the transaction.
    orphan = "  - key: b\n    category: nowhere\n    provider: X\n    texts:\n      de: {title: T, summary: S}\n"
    path = folder(tmp_path, OFFER.format(key="a", title="A") + orphan)
    with pytest.raises(ContentError) as caught:
        await import_folder(app.sessions, path, quarter, app.clock)
    assert caught.value.errors == ["offers.yaml: offers[1] (key 'b'): category: unknown category 'nowhere'"]
    assert await count_offers(app, quarter) == 0


async def test_import_is_an_idempotent_upsert_by_key(app: App, tmp_path: Path) -> None:
    quarter = f"q{id(tmp_path) % 10**8}"
    path = folder(tmp_path, OFFER.format(key="a", title="Alt") + OFFER.format(key="b", title="B"))
    first = await import_folder(app.sessions, path, quarter, FixedClock(TUESDAY_MORNING))
    assert first.counts["offers.created"] == 2
    again = await import_folder(app.sessions, path, quarter, FixedClock(TUESDAY_MORNING.replace(hour=12)))
    assert again.counts["offers.unchanged"] == 2 and again.counts["offers.created"] == 0
    folder(tmp_path, OFFER.format(key="a", title="Neu") + OFFER.format(key="b", title="B"))
    later = TUESDAY_MORNING.replace(hour=15)
    changed = await import_folder(app.sessions, path, quarter, FixedClock(later))
    assert (changed.counts["offers.updated"], changed.counts["offers.unchanged"]) == (1, 1)
    async with app.sessions() as session:
        rows = {row.key: row for row in await session.scalars(select(Offer).where(Offer.quarter == quarter))}
        assert rows["a"].updated_at == later
        assert rows["b"].updated_at == TUESDAY_MORNING
        title = await session.scalar(select(OfferText.title).where(OfferText.offer_id == rows["a"].id,
                                                                   OfferText.language == "de"))
        assert title == "Neu"
    assert await count_offers(app, quarter) == 2


async def test_a_language_removed_from_the_file_is_removed_from_the_database(app: App, tmp_path: Path) -> None:
    quarter = f"q{id(tmp_path) % 10**8}"
    two = OFFER.format(key="a", title="A") + "      en: {title: A, summary: Food for little money.}\n"
    path = folder(tmp_path, two)
    await import_folder(app.sessions, path, quarter, app.clock)
    folder(tmp_path, OFFER.format(key="a", title="A"))
    await import_folder(app.sessions, path, quarter, app.clock)
    async with app.sessions() as session:
        languages = set(await session.scalars(
            select(OfferText.language).join(Offer).where(Offer.quarter == quarter, Offer.key == "a")))
    assert languages == {"de"}


async def test_a_text_not_yet_reviewed_is_marked_and_checking_it_keeps_it_current(app: App, tmp_path: Path) -> None:
    """`reviewed: false` (machine help, or no native speaker) reaches the database; absent means reviewed.
    Marking it reviewed later changes no words, so the translation stays current."""
    quarter = f"q{id(tmp_path) % 10**8}"
    english = "      en: {title: A, summary: Food for little money., reviewed: false}\n"
    path = folder(tmp_path, OFFER.format(key="a", title="A") + english)
    await import_folder(app.sessions, path, quarter, app.clock)

    async def states() -> dict[str, tuple[bool, str | None]]:
        async with app.sessions() as session:
            rows = await session.scalars(select(OfferText).join(Offer).where(Offer.quarter == quarter))
            return {row.language: (row.reviewed, row.source_fingerprint) for row in rows}

    before = await states()
    assert {language: reviewed for language, (reviewed, _) in before.items()} == {"de": True, "en": False}
    folder(tmp_path, OFFER.format(key="a", title="A") + english.replace(", reviewed: false", ", reviewed: true"))
    report = await import_folder(app.sessions, path, quarter, app.clock)
    assert report.counts["offers.updated"] == 1
    after = await states()
    assert after["en"] == (True, before["en"][1])
    assert (await import_folder(app.sessions, path, quarter, app.clock)).counts["offers.unchanged"] == 1
