"""The quarter's content speaks every language of the bot, as the catalogs do (tests/test_i18n.py).

A resident who reads an offer in German because their language has no text finds little and
understands less, so every offer, category, event, survey text and Sprechstunde title must have a
text in each of the ten languages; the failure lists every gap at once. Leichte Sprache keeps its
rules for the words we know residents stumble over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.content.importer import Content, read_folder
from bot.i18n import LOCALES_DIR
from bot.languages import CONTENT_LANGUAGE_CODES
from tests.support.databases import HORST

EASY = "de@easy"
# Long compounds hyphenated, no abbreviations: "Sprech-Stunde", "Quartiers-Laden", not "Kita" or "Infos".
NOT_IN_EASY = re.compile(r"Sprechstunde|Quartiersladen|Quartiersmanagement|\bKitas?\b|\bInfos?\b|\bz\. ?B\.|\bbzw\.|"
                         r"\bca\.|\busw\.|barrierefrei")


@pytest.fixture(scope="module")
def horst() -> Content:
    return read_folder(HORST)


def texts_of(content: Content) -> Iterator[tuple[str, dict[str, object]]]:
    """Every translated text of the folder, named as a caseworker would look for it."""
    assert content.categories and content.offers and content.events and content.sprechstunden and content.surveys
    for category in content.categories.categories:
        yield f"categories.yaml: {category.key}", dict(category.texts)
    for offer in content.offers.offers:
        yield f"offers.yaml: {offer.key}", dict(offer.texts)
    for event in content.events.events:
        yield f"events.yaml: {event.key}", dict(event.texts)
    for consultation in content.sprechstunden.sprechstunden:
        yield f"sprechstunden.yaml: {consultation.key} (title)", dict(consultation.titles)
    for survey in content.surveys:
        where = f"survey {survey.key}"
        yield f"{where}: title", dict(survey.title)
        yield f"{where}: introduction", dict(survey.introduction)
        yield f"{where}: closing", dict(survey.closing)
        if survey.signup:
            yield f"{where}: signup consent", dict(survey.signup.consent)
        for question in survey.questions:
            yield f"{where}: question {question.key}", dict(question.text)
            for option in question.options:
                yield f"{where}: question {question.key}, option {option.key}", dict(option.text)


def test_every_text_of_the_content_is_in_every_language(horst: Content) -> None:
    missing = [f"{where}: {', '.join(code for code in CONTENT_LANGUAGE_CODES if code not in texts)}"
               for where, texts in texts_of(horst) if set(CONTENT_LANGUAGE_CODES) - set(texts)]
    assert not missing, f"{len(missing)} text(s) without every language:\n" + "\n".join(missing)


def _words(text: object) -> list[str]:
    """What residents read of a text (keywords and synonyms are search words, written as residents type)."""
    if isinstance(text, str):
        return [text]
    dumped = text.model_dump() if hasattr(text, "model_dump") else {}
    return [value for name, value in dumped.items() if isinstance(value, str) and name not in ("keywords", "synonyms")]


def test_leichte_sprache_hyphenates_long_words_and_spells_out_abbreviations(horst: Content) -> None:
    found = [f"{where}: {match!r}" for where, texts in texts_of(horst) if EASY in texts
             for words in _words(texts[EASY]) for match in NOT_IN_EASY.findall(words)]
    with (Path(LOCALES_DIR) / EASY / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        found += [f"messages.po: {message.id!r}: {match!r}" for string in strings if message.id
                  for match in NOT_IN_EASY.findall(string)]
    assert not found, "Leichte Sprache: hyphenate or explain\n" + "\n".join(found)
