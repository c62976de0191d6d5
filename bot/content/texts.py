"""Per-language text rows of a content entry: matched to the texts of its file, and whether each translation is
still that of the current German text.

A translation remembers a fingerprint of the German text it was made from (`source_fingerprint`). When the
German text changes and a translation does not, the translation is outdated; whoever changes a translation
(in the YAML file or the back office) makes it current again. German is the source: `de`. The German row
keeps its own fingerprint there too, written with every text of the entry, so that a list of thousands can
find the outdated translations in SQL (see bot/offers/listing.py); a row still without one (made before
fingerprints were kept) has translations without one too, and those count as current.

Texts kept as a dict (language → text, such as a Sprechstunde's titles) keep their fingerprints in a second
dict (language → fingerprint); `written_sources`, `confirmed_sources` and `kept_translations` treat them as
rows of one field, so the rules are those of the rows.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.languages import CONTENT_LANGUAGE_CODES

SOURCE_LANGUAGE = "de"


class TextRow(Protocol):
    language: str
    source_fingerprint: str | None


Row = TypeVar("Row", bound=TextRow)
Text = TypeVar("Text")


class Translation(enum.Enum):
    SOURCE = "source"  # the German text itself
    CURRENT = "current"
    OUTDATED = "outdated"  # the German text changed after this translation was made
    MISSING = "missing"


def fingerprint(row: Any, fields: Iterable[str]) -> str:
    """A short digest of a text row's words, the same wherever it is computed."""
    content = json.dumps([getattr(row, name) for name in fields], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def sync_by_language(rows: list[Row], texts: dict[str, Text], make: Callable[..., Row],
                     fill: Callable[[Row, Text], None], fields: tuple[str, ...]) -> None:
    """Match a row's per-language texts to the file's: reuse, add, and drop what the file no longer has.

    Rows are updated in place rather than replaced, because a replaced row with the same primary
    key (entry, language) would be inserted before the old one is deleted. Every text that is new or
    changed counts as made from the German text as it now is.
    """
    current = {row.language: row for row in rows}
    before = {language: fingerprint(row, fields) for language, row in current.items()}
    german = current.get(SOURCE_LANGUAGE)
    if german is not None and german.source_fingerprint is None:
        # Texts from before fingerprints were kept count as current: they were made from the German text as
        # it is now, so they say so before it changes.
        for row in current.values():
            if row.source_fingerprint is None:
                row.source_fingerprint = before[SOURCE_LANGUAGE]
    for language, text in texts.items():
        target = current.pop(language, None) or make(language=language)
        if target not in rows:
            rows.append(target)
        fill(target, text)
    for stale in current.values():
        rows.remove(stale)
    source = next((row for row in rows if row.language == SOURCE_LANGUAGE), None)
    made_from = fingerprint(source, fields) if source is not None else None
    for row in rows:
        if before.get(row.language) != fingerprint(row, fields):
            row.source_fingerprint = made_from
    if source is not None:
        source.source_fingerprint = made_from  # the German text carries its own, so lists compare in SQL


def mark_translated(row: TextRow, rows: Iterable[TextRow], fields: tuple[str, ...]) -> None:
    """`row` was just written (by hand or checked): it is a translation of the German text as it now is."""
    source = next((other for other in rows if other.language == SOURCE_LANGUAGE), None)
    row.source_fingerprint = fingerprint(source, fields) if source is not None else None
    if source is not None:
        source.source_fingerprint = row.source_fingerprint


def confirm_outdated(rows: Iterable[TextRow], language: str, fields: tuple[str, ...]) -> bool:
    """"Still correct": an outdated translation becomes current without a change of words; False when the
    language's text is not outdated (missing, current, or the German source itself)."""
    rows = list(rows)
    if translations(rows, [language], fields)[language] is not Translation.OUTDATED:
        return False
    mark_translated(next(row for row in rows if row.language == language), rows, fields)
    return True


class ReviewedRow(TextRow, Protocol):
    reviewed: bool


def unreviewed(rows: Iterable[ReviewedRow]) -> frozenset[str]:
    """The languages whose text a native speaker should still check (`reviewed` false)."""
    return frozenset(row.language for row in rows if not row.reviewed)


def confirm_reviewed(rows: Iterable[ReviewedRow], language: str) -> bool:
    """"Checked": a native speaker read the language's text and it stays as it is; False when there is no
    text in the language or it counts as checked already."""
    row = next((row for row in rows if row.language == language), None)
    if row is None or row.reviewed:
        return False
    row.reviewed = True
    return True


def translations(rows: Iterable[TextRow], languages: Iterable[str], fields: tuple[str, ...]) -> dict[str, Translation]:
    """Each language's state. A translation from before fingerprints were kept counts as current."""
    by_language = {row.language: row for row in rows}
    source = by_language.get(SOURCE_LANGUAGE)
    made_from = fingerprint(source, fields) if source is not None else None
    states = {}
    for language in languages:
        row = by_language.get(language)
        if row is None:
            states[language] = Translation.MISSING
        elif language == SOURCE_LANGUAGE:
            states[language] = Translation.SOURCE
        elif row.source_fingerprint in (None, made_from):
            states[language] = Translation.CURRENT
        else:
            states[language] = Translation.OUTDATED
    return states


@dataclass
class _Kept:
    """One text of a dict, as a text row."""

    language: str
    text: Any = None
    source_fingerprint: str | None = None


_KEPT_FIELDS = ("text",)


def _kept_rows(texts: dict[str, Any], sources: dict[str, str] | None) -> list[_Kept]:
    return [_Kept(language, text, (sources or {}).get(language)) for language, text in texts.items()]


def _sources_of(rows: Iterable[_Kept]) -> dict[str, str]:
    return {row.language: row.source_fingerprint for row in rows if row.source_fingerprint is not None}


def written_sources(before: dict[str, Any], sources: dict[str, str] | None, after: dict[str, Any]) -> dict[str, str]:
    """The fingerprints once the texts `before` become `after`: as `sync_by_language` keeps them for rows."""
    rows = _kept_rows(before, sources)

    def fill(row: _Kept, text: Any) -> None:
        row.text = text

    sync_by_language(rows, after, _Kept, fill, _KEPT_FIELDS)
    return _sources_of(rows)


def confirmed_sources(texts: dict[str, Any], sources: dict[str, str] | None,
                      languages: Iterable[str]) -> dict[str, str]:
    """The fingerprints once these translations count as made from the German text as it now is."""
    rows, chosen = _kept_rows(texts, sources), set(languages)
    for row in rows:
        if row.language in chosen:
            mark_translated(row, rows, _KEPT_FIELDS)
    return _sources_of(rows)


def kept_version(texts: dict[str, Any], language: str) -> str:
    """What "checked" was shown for, for texts kept as a dict: the language's text and the German one, as the
    rows' `text_version`s name them. A change to either since makes that page stale."""
    return "|".join(fingerprint(_Kept(code, texts[code]), _KEPT_FIELDS) if code in texts else "-"
                    for code in (language, SOURCE_LANGUAGE))


def kept_translations(texts: dict[str, Any], sources: dict[str, str] | None,
                      languages: Iterable[str]) -> dict[str, Translation]:
    """Each language's state, as `translations` gives it for rows."""
    return translations(_kept_rows(texts, sources), languages, _KEPT_FIELDS)


def in_language_order(texts: dict[str, Text]) -> dict[str, Text]:
    """The bot's language order, whatever order the database returned the rows in.

    The import's change detection hashes the texts in file order, so an export must write them in
    one fixed order to round-trip; the bot's order is also the one the example content uses.
    """
    rank = {code: index for index, code in enumerate(CONTENT_LANGUAGE_CODES)}
    return dict(sorted(texts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
