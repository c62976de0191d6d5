"""Per-language text rows of a content entry, matched to the texts of its file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
