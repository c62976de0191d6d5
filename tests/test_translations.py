"""Which translations are missing, current or outdated: the German text is the source, and a translation
remembers the German text it was made from, through the YAML import and by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.app import App
from bot.content.importer import import_folder
from bot.content.texts import Translation, mark_translated, translations
from bot.languages import LANGUAGE_CODES
from bot.offers.models import OFFER_TEXT_FIELDS, Offer
from tests.support.databases import HORST

OFFER = "sozialberatung-horst"


def edited_copy(folder: Path, change: dict[str, str]) -> Path:
    """The example content with some of the offer's texts changed: language → new title."""
    target = folder / "content"
    shutil.copytree(HORST, target)
    offers_file = target / "offers.yaml"
    offers = yaml.safe_load(offers_file.read_text(encoding="utf-8"))
    entry = next(offer for offer in offers["offers"] if offer["key"] == OFFER)
    for language, title in change.items():
        entry["texts"][language]["title"] = title
    offers_file.write_text(yaml.safe_dump(offers, allow_unicode=True), encoding="utf-8")
    return target


async def states(app: App) -> dict[str, Translation]:
    async with app.sessions() as session:
        offer = await session.scalar(select(Offer).where(Offer.quarter == app.settings.quarter, Offer.key == OFFER))
        assert offer is not None
        return translations(offer.texts, LANGUAGE_CODES, OFFER_TEXT_FIELDS)


async def test_a_changed_german_text_outdates_the_translations_left_as_they_were(own: App, tmp_path: Path) -> None:
    imported = await states(own)
    assert imported["de"] is Translation.SOURCE
    assert imported["ar"] is Translation.CURRENT and imported["tr"] is Translation.CURRENT
    assert imported["ru"] is Translation.CURRENT  # the example content has a text in every language
    await import_folder(own.sessions, edited_copy(tmp_path / "1", {"de": "Offene Sozialberatung (neu)",
                                                                   "tr": "Açık sosyal danışmanlık (yeni)"}),
                        own.settings.quarter, own.clock)
    changed = await states(own)
    assert changed["ar"] is Translation.OUTDATED and changed["ro"] is Translation.OUTDATED
    assert changed["tr"] is Translation.CURRENT  # changed together with the German text
    # Importing the same folder again changes nothing, so nothing becomes current by itself.
    await import_folder(own.sessions, tmp_path / "1" / "content", own.settings.quarter, own.clock)
    assert await states(own) == changed


async def test_a_translation_checked_by_hand_is_current_again(own: App) -> None:
    async with own.sessions() as session, session.begin():
        offer = await session.scalar(select(Offer).where(Offer.quarter == own.settings.quarter, Offer.key == OFFER))
        assert offer is not None
        german = next(text for text in offer.texts if text.language == "de")
        german.title = "Offene Sozialberatung im Quartier"
        assert translations(offer.texts, ["ar"], OFFER_TEXT_FIELDS)["ar"] is Translation.OUTDATED
        arabic = next(text for text in offer.texts if text.language == "ar")
        mark_translated(arabic, offer.texts, OFFER_TEXT_FIELDS)
    assert (await states(own))["ar"] is Translation.CURRENT and (await states(own))["ro"] is Translation.OUTDATED


async def test_the_offer_list_filters_agree_with_each_offers_states(own: App, tmp_path: Path) -> None:
    """The list filters in SQL by fingerprints; each offer's state is computed from its words. They agree."""
    from bot.offers.listing import OfferFilter, offer_page
    await import_folder(own.sessions, edited_copy(tmp_path / "1", {"de": "Offene Sozialberatung (neu)",
                                                                   "tr": "Açık sosyal danışmanlık (yeni)"}),
                        own.settings.quarter, own.clock)
    async with own.sessions() as session:
        offers = list(await session.scalars(select(Offer).where(Offer.quarter == own.settings.quarter,
                                                                Offer.active)))
        for language in ("ar", "tr", "ru", "de"):
            for state, where in ((Translation.OUTDATED, OfferFilter(outdated=language)),
                                 (Translation.MISSING, OfferFilter(missing=language))):
                expected = {offer.id for offer in offers
                            if translations(offer.texts, [language], OFFER_TEXT_FIELDS)[language] is state}
                listed = await offer_page(session, own.settings.quarter, where, per_page=1000)
                assert {row.id for row in listed.rows} == expected, (language, state)
                assert listed.total == len(expected)
    assert (await states(own))["ar"] is Translation.OUTDATED  # the filter had something to find


async def test_translations_from_before_fingerprints_become_outdated_when_the_german_text_changes(
        own: App, tmp_path: Path) -> None:
    """A database from before migration 0012: no text has a fingerprint, so all count as current, until the
    German text changes; then the translations left as they were are outdated, as for any other."""
    from sqlalchemy import update

    from bot.offers.models import OfferText
    async with own.sessions() as session, session.begin():
        await session.execute(update(OfferText).values(source_fingerprint=None))
    assert (await states(own))["ar"] is Translation.CURRENT
    await import_folder(own.sessions, edited_copy(tmp_path / "1", {"de": "Offene Sozialberatung (neu)"}),
                        own.settings.quarter, own.clock)
    changed = await states(own)
    assert changed["ar"] is Translation.OUTDATED and changed["tr"] is Translation.OUTDATED
