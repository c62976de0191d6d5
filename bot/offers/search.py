"""Typo-tolerant keyword search over offers in every language at once.

A resident types "Deutschkurs", "curs de germană", "Almanca kursu" or "german cours" and
should land on the same course. Every offer's titles, keywords and its category's names and
synonyms, in all languages, are split into normalised words; each typed word is matched to
that vocabulary exactly, by prefix or compound part, or with rapidfuzz's edit-distance ratio.
Offers are ranked first by how many typed words they match, then by a weight per field
(titles and keywords count more than summaries) times the word's rarity, so a common word
such as "course" cannot outrank the word that says *which* course; typing an offer's title or
keyword exactly puts that offer first.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
CATEGORY_WEIGHT = 1.5
SUMMARY_WEIGHT = 1.0
MIN_WORD_LENGTH = 2
PREFIX_MIN_LENGTH = 4
LONGEST_COMPOUND = 40  # typed words longer than this are not split into known words
PHRASE_BONUS = 100.0  # the whole query equals one of an offer's titles or keywords


def normalise(text: str) -> str:
    """Casefold, drop accents and Arabic diacritics, keep letters and digits."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = [
        ch if ch.isalnum() else " "
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    ]
    return " ".join("".join(kept).split())


def words(text: str) -> list[str]:
    return [word for word in normalise(text).split() if len(word) >= MIN_WORD_LENGTH]


@dataclass(frozen=True)
class Document:
    """What one offer contributes to the index: (text, weight) pairs in any language."""

    offer_id: int
    fields: tuple[tuple[str, float], ...]


class SearchIndex:
    def __init__(self, documents: Iterable[Document]) -> None:
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        phrases: dict[str, set[int]] = defaultdict(set)
        count = 0
        for document in documents:
            count += 1
            for text, weight in document.fields:
                if weight >= KEYWORD_WEIGHT:
                    phrases[normalise(text)].add(document.offer_id)
                for word in words(text):
                    current = postings[word].get(document.offer_id, 0.0)
                    postings[word][document.offer_id] = max(current, weight)
        self._postings = dict(postings)
        self._phrases = dict(phrases)
        self._vocabulary = sorted(self._postings)
        # All words on one line each: a prefix search is then one C-level str.find loop.
        self._joined = "\n" + "\n".join(self._vocabulary) + "\n"
        self._rarity = {
            word: math.log(1 + count / len(offers)) for word, offers in self._postings.items()
        }

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    def search(self, query: str, limit: int = 200) -> list[int]:
        """Offer ids, best first; only offers matching the most typed words are returned."""
        typed = list(dict.fromkeys(words(query)))
        if not typed:
            return []
        matched_words: dict[int, int] = defaultdict(int)
        scores: dict[int, float] = defaultdict(float)
        for word in typed:
            best: dict[int, float] = {}
            for candidate, similarity in self._similar(word):
                rarity = self._rarity[candidate]
                for offer_id, weight in self._postings[candidate].items():
                    value = similarity * weight * rarity
                    if value > best.get(offer_id, 0.0):
                        best[offer_id] = value
            for offer_id, value in best.items():
                matched_words[offer_id] += 1
                scores[offer_id] += value
        if not scores:
            return []
        for offer_id in self._phrases.get(normalise(query), ()):
            scores[offer_id] += PHRASE_BONUS
        most = max(matched_words.values())
        ranked = sorted(
            (offer_id for offer_id, hits in matched_words.items() if hits == most),
            key=lambda offer_id: -scores[offer_id],
        )
        return ranked[:limit]

    def _similar(self, word: str) -> list[tuple[str, float]]:
        """Vocabulary words close to `word`, with a similarity between 0 and 1."""
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = 1.0
        if len(word) >= PREFIX_MIN_LENGTH:
            for candidate in self._starting_with(word) | self._parts_of(word):
                if candidate != word:
                    found[candidate] = max(found.get(candidate, 0.0), 0.85)
        cutoff = _fuzzy_cutoff(word)
        if cutoff is not None:
            for candidate, score, _ in process.extract(
                word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=10
            ):
                found[candidate] = max(found.get(candidate, 0.0), score / 100 * 0.9)
        return list(found.items())


    def _starting_with(self, prefix: str) -> set[str]:
        """Vocabulary words that begin with `prefix` ("deutsch" → "deutschkurs")."""
        found = set()
        position = self._joined.find("\n" + prefix)
        while position != -1:
            end = self._joined.index("\n", position + 1)
            found.add(self._joined[position + 1 : end])
            position = self._joined.find("\n" + prefix, end)
        return found

    def _parts_of(self, word: str) -> set[str]:
        """Vocabulary words inside a typed compound ("deutschkursangebot" → "deutschkurs")."""
        shortest = PREFIX_MIN_LENGTH + 1
        if len(word) > LONGEST_COMPOUND:
            return set()
        return {
            word[start:end]
            for start in range(len(word) - shortest + 1)
            for end in range(start + shortest, len(word) + 1)
            if word[start:end] in self._postings
        }


def _fuzzy_cutoff(word: str) -> float | None:
    """Short words need an exact match; longer ones forgive one typo, longer still two."""
    if len(word) < 4:
        return None
    if len(word) <= 5:
        return 80.0
    return 75.0
