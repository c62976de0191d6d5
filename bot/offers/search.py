"""Ranking offers by the words that matter: BM25 (bm25s) over per-language search terms.

A resident types "ich bekomme ständig Mahnungen", "am datorii mari" or "iskam da ucha nemski"
and should land on the debt counselling or the German course. Every offer's titles, keywords,
summaries, its category's names and the needs vocabulary (content/horst/needs.yaml) are turned
into terms per language (bot/offers/words.py: stop words out, Snowball stems or simplemma
lemmas); bm25s ranks them, so a rare word that names the need outweighs a common one, and a
filler word weighs nothing. Fields count by repetition (titles, keywords and needs three times).

Typed words are matched exactly on their terms; a word of five letters or more also meets
terms that begin with it (compounds: "schuld" → "schuldnerberat") and terms one edit away
that share its first two letters (a typo, not another word: "свет" never becomes "совет").
A query whose best offer scores below MIN_SCORE found nothing (only filler words, or none that
matches well); offers far below the best are left out, so one weak word cannot list half the
quarter.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz.distance import Levenshtein

from bot.offers.words import query_forms, terms

TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 3
NEEDS_WEIGHT = 3
CATEGORY_WEIGHT = 1
SUMMARY_WEIGHT = 1
MIN_FUZZY_LENGTH = 5  # shorter words must match exactly (or as a whole term)
LONG_WORD = 9  # from this length on, two typos are forgiven
PREFIX_SIMILARITY = 0.8
FUZZY_SIMILARITY = 0.7
MIN_SCORE = 1.0  # below this, no typed word matched well: "nothing found"
RELATIVE_CUTOFF = 0.3  # offers scoring under this share of the best are not listed


@dataclass(frozen=True)
class Field:
    """A text of an offer in one language, and how much it counts."""

    text: str
    language: str
    weight: int


@dataclass(frozen=True)
class Document:
    """What one offer contributes to the index."""

    offer_id: int
    fields: tuple[Field, ...]


class SearchIndex:
    def __init__(self, documents: Iterable[Document]) -> None:
        self._ids: list[int] = []
        corpus: list[list[str]] = []
        for document in documents:
            self._ids.append(document.offer_id)
            bag: list[str] = []
            for field in document.fields:
                bag.extend(terms(field.text, field.language) * field.weight)
            corpus.append(bag)
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self._vocabulary = sorted(term for term in self._bm25.vocab_dict if term) if corpus else []
        self._known = set(self._vocabulary)
        self._ids_array = np.array(self._ids, dtype=np.int64)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    def search(self, query: str, language: str = "de", limit: int = 200) -> list[int]:
        """Offer ids, best first; empty when no typed word matches well."""
        if not self._ids:
            return []
        total = np.zeros(len(self._ids), dtype=np.float32)
        for forms in query_forms(query, language):
            best = np.zeros(len(self._ids), dtype=np.float32)
            for candidate, similarity in self._similar(forms).items():
                np.maximum(best, self._bm25.get_scores([candidate]) * similarity, out=best)
            total += best
        top = float(total.max())
        if top < MIN_SCORE:
            return []
        kept = np.flatnonzero(total >= top * RELATIVE_CUTOFF)
        ordered = kept[np.argsort(-total[kept], kind="stable")]
        return [int(offer_id) for offer_id in self._ids_array[ordered][:limit]]

    def _similar(self, forms: set[str]) -> dict[str, float]:
        """Index terms one typed word may mean, with a similarity between 0 and 1."""
        found: dict[str, float] = {}
        for form in forms:
            if form in self._known:
                found[form] = 1.0
            if len(form) < MIN_FUZZY_LENGTH:
                continue
            for candidate in self._starting_with(form):
                found[candidate] = max(found.get(candidate, 0.0), PREFIX_SIMILARITY)
            for candidate in self._starting_with(form[:2]):
                allowed = 2 if len(form) >= LONG_WORD else 1
                if len(candidate) >= MIN_FUZZY_LENGTH and Levenshtein.distance(
                        form, candidate[:len(form) + 1] if len(candidate) < len(form) else candidate,
                        score_cutoff=allowed) <= allowed:
                    found[candidate] = max(found.get(candidate, 0.0), FUZZY_SIMILARITY)
        return found

    def _starting_with(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._vocabulary, prefix)
        end = bisect.bisect_left(self._vocabulary, prefix + "\U0010ffff")
        return self._vocabulary[start:end]
