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

Coverage: one word of a longer query meeting an offer is not yet an answer ("lawyer after a car
accident" met the senior meeting through "after"). A query of two or more words whose best offer
meets only a minority of them is answered only when one of the met words is a *strong* match: an
exact match of a term of the offer's title, keywords or needs vocabulary (fields of STRONG_WEIGHT),
the words that name its need. A prefix or typo match never makes a match strong. Weak words
(words.WEAK_WORDS: "Termin", "in der Nähe", "randevu", "موعد" …) count as words of the query but
never meet an offer, so "Friseur in der Nähe" no longer meets the repair café's "nähen".
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
STRONG_WEIGHT = 3  # titles, keywords and the needs vocabulary: the fields that name an offer's need


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
        strong: dict[str, set[int]] = {}
        for position, document in enumerate(documents):
            self._ids.append(document.offer_id)
            bag: list[str] = []
            for field in document.fields:
                field_terms = terms(field.text, field.language)
                bag.extend(field_terms * field.weight)
                if field.weight >= STRONG_WEIGHT:
                    for found in field_terms:
                        strong.setdefault(found, set()).add(position)
            corpus.append(bag)
        self._strong = {found: np.array(sorted(positions), dtype=np.int64) for found, positions in strong.items()}
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
        scores, strong, weak = self._match(query, language)
        if not len(weak):
            return []
        total = scores.sum(axis=0)
        best = int(np.argmax(total))
        top = float(total[best])
        if top < MIN_SCORE or not self._covered(scores[:, best], strong[:, best], weak):
            return []
        kept = np.flatnonzero(total >= top * RELATIVE_CUTOFF)
        ordered = kept[np.argsort(-total[kept], kind="stable")]
        return [int(offer_id) for offer_id in self._ids_array[ordered][:limit]]

    def _match(self, query: str, language: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per typed word and offer: its score, whether it met a strong term exactly, and whether it is weak."""
        words = query_forms(query, language)
        scores = np.zeros((len(words), len(self._ids)), dtype=np.float32)
        strong = np.zeros((len(words), len(self._ids)), dtype=bool)
        weak = np.array([word.weak for word in words], dtype=bool)
        for row, word in enumerate(words):
            if word.weak:
                continue
            for candidate, similarity in self._similar(word.forms).items():
                np.maximum(scores[row], self._bm25.get_scores([candidate]) * similarity, out=scores[row])
                if similarity == 1.0 and candidate in self._strong:
                    strong[row, self._strong[candidate]] = True
        return scores, strong, weak

    @staticmethod
    def _covered(scores: np.ndarray, strong: np.ndarray, weak: np.ndarray) -> bool:
        """Whether the best offer answers the query, not only one word of it (see the module's docstring)."""
        words = len(weak)
        met = int(np.count_nonzero(scores > 0))
        return words < 2 or met * 2 >= words or bool(strong.any())

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
