"""Per-language text rows of a content entry, matched to the texts of its file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.languages import CONTENT_LANGUAGE_CODES

Row = TypeVar("Row")
Text = TypeVar("Text")


def sync_by_language(rows: list[Row], texts: dict[str, Text], make: Callable[..., Row]) -> list[tuple[Row, Text]]:
    """Match a row's per-language texts to the file's: reuse, add, and drop what the file no longer has.

    Rows are updated in place rather than replaced, because a replaced row with the same primary
    key (entry, language) would be inserted before the old one is deleted.
    """
    current = {row.language: row for row in rows}  # type: ignore[attr-defined]
    pairs = []
    for language, text in texts.items():
        target = current.pop(language, None) or make(language=language)
        if target not in rows:
            rows.append(target)
        pairs.append((target, text))
    for stale in current.values():
        rows.remove(stale)
    return pairs


def in_language_order(texts: dict[str, Text]) -> dict[str, Text]:
    """The bot's language order, whatever order the database returned the rows in.

    The import's change detection hashes the texts in file order, so an export must write them in
    one fixed order to round-trip; the bot's order is also the one the example content uses.
    """
    rank = {code: index for index, code in enumerate(CONTENT_LANGUAGE_CODES)}
    return dict(sorted(texts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
