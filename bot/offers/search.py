"""Ranking offers by the words that matter: BM25 (bm25s) over per-language search terms.

A resident types "ich bekomme ständig Mahnungen", "am datorii mari" or "iskam da ucha nemski"
and should land on the debt counselling or the German course. Every offer's titles, keywords,
summaries, its category's names and the needs vocabulary (content/horst/needs.yaml) are turned
into terms per language (bot/offers/words.py: stop words out, Snowball stems or simplemma
lemmas); bm25s ranks them, so a rare word that names the need outweighs a common one, and a
filler word weighs nothing. Fields count by repetition (titles, keywords and needs three times).

Terms carry their language ("de:rent" is Rente, "en:rent" is rent), so words of two languages
that happen to stem alike never meet. A typed word is read in the chat's language, and a Latin
word also as German and English (residents type "Jobcenter" in every chat; the German chat reads
German only); a match read in another language than the chat's ranks a little lower.

Typed words are matched exactly on their terms; a word of five letters or more also meets
terms that begin with it (compounds: "schuld" → "schuldnerberat") and, when it is no word of the
language as typed (wordfreq's lists), terms one edit away that share its first two letters: a
typo is forgiven ("Schuldnerbertung"), a real word never becomes another ("свет" is not
"совет", "schwimmen" not "schlimm").
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

Needs met elsewhere: the needs vocabulary also names needs the quarter has no offer for (a car
repair, a dentist, a bus timetable, buying things). A query with such a word is answered only by
an offer that meets that word and most of the query: "ремонт машины" is not an answer for the
repair café, however well "ремонт" matches it, nor "Fahrrad kaufen" for the clothes store, while
"Jacke kaufen" still finds the clothes store whose words include buying. A German word also marks
the compounds it begins ("Auto" → "Autowerkstatt", but "Wetter" not "Wettbewerb"), and a stem of
six letters or more the longer forms it begins ("samochód" → "samochodowy").
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz.distance import Levenshtein

from bot.offers.words import fold, own_tags, query_forms, terms, tokens

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
GUESS_SIMILARITY = 0.8  # a word read in another language than the chat's: "rent" in the English chat is rent
COMPOUND_LANGUAGES = frozenset({"de", "de@easy"})  # a need met elsewhere also marks the words it begins
MIN_COMPOUND_HEAD = 4  # "Auto" marks "Autowerkstatt"; "Bus" does not mark "Business"
MIN_HEAD = 6  # "samochod" marks "samochodowy"; shorter stems mark only themselves


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
    def __init__(self, documents: Iterable[Document], elsewhere: Iterable[Field] = ()) -> None:
        """`elsewhere`: the words of needs the quarter has no offer for (see the module's docstring)."""
        self._elsewhere: set[str] = set()
        self._elsewhere_heads: set[str] = set()
        for field in elsewhere:
            found = terms(field.text, field.language)
            self._elsewhere.update(found)
            # A longer stem also marks the forms it begins ("samochód" → "samochodowy"); in German the
            # word itself marks its compounds, not its stem ("Wetter": "Wetterbericht", not "Wettbewerb").
            self._elsewhere_heads.update(head for head in found if len(head.partition(":")[2]) >= MIN_HEAD)
            if field.language in COMPOUND_LANGUAGES:
                self._elsewhere_heads.update(f"de:{word}" for word in map(fold, tokens(field.text))
                                             if len(word) >= MIN_COMPOUND_HEAD)
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
        scores, strong, weak, elsewhere = self._match(query, language)
        if not len(weak):
            return []
        total = scores.sum(axis=0)
        best = int(np.argmax(total))
        top = float(total[best])
        if top < MIN_SCORE or not self._covered(scores[:, best], strong[:, best], weak):
            return []
        if elsewhere.any() and not self._answers_elsewhere_word(scores[:, best], elsewhere, weak):
            return []
        kept = np.flatnonzero(total >= top * RELATIVE_CUTOFF)
        ordered = kept[np.argsort(-total[kept], kind="stable")]
        return [int(offer_id) for offer_id in self._ids_array[ordered][:limit]]

    def _match(self, query: str, language: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per typed word and offer: its score and whether it met a strong term exactly; per typed word:
        whether it is weak, and whether it names a need met elsewhere."""
        words = query_forms(query, language)
        scores = np.zeros((len(words), len(self._ids)), dtype=np.float32)
        strong = np.zeros((len(words), len(self._ids)), dtype=bool)
        weak = np.array([word.weak for word in words], dtype=bool)
        elsewhere = np.array([self._met_elsewhere(word.forms) for word in words], dtype=bool)
        own = own_tags(language)
        for row, word in enumerate(words):
            if word.weak:
                continue
            for candidate, similarity in self._similar(word.forms, typo=not word.known).items():
                if not candidate.startswith(own):
                    similarity *= GUESS_SIMILARITY
                np.maximum(scores[row], self._bm25.get_scores([candidate]) * similarity, out=scores[row])
                if similarity == 1.0 and candidate in self._strong:
                    strong[row, self._strong[candidate]] = True
        return scores, strong, weak, elsewhere

    def _met_elsewhere(self, forms: set[str]) -> bool:
        return any(form in self._elsewhere or any(form[:length] in self._elsewhere_heads
                                                  for length in range(MIN_COMPOUND_HEAD, len(form)))
                   for form in forms)

    @staticmethod
    def _answers_elsewhere_word(scores: np.ndarray, elsewhere: np.ndarray, weak: np.ndarray) -> bool:
        """A query naming a need met elsewhere is answered only by an offer that meets that word and most of
        the query ("Jacke kaufen": the clothes store), not one that meets another word of it ("Fahrrad kaufen")."""
        met = scores > 0
        return bool(met[elsewhere].all()) and int(np.count_nonzero(met)) * 2 > len(weak)

    @staticmethod
    def _covered(scores: np.ndarray, strong: np.ndarray, weak: np.ndarray) -> bool:
        """Whether the best offer answers the query, not only one word of it (see the module's docstring)."""
        words = len(weak)
        met = int(np.count_nonzero(scores > 0))
        return words < 2 or met * 2 >= words or bool(strong.any())

    def _similar(self, forms: set[str], typo: bool = True) -> dict[str, float]:
        """Index terms one typed word may mean, with a similarity between 0 and 1; terms one or two edits
        away only when the word may be a typo (`typo`: it is no word of the language as typed)."""
        found: dict[str, float] = {}
        for form in forms:
            if form in self._known:
                found[form] = 1.0
            tag, _, word = form.partition(":")  # terms carry their language (words.tagged)
            if len(word) < MIN_FUZZY_LENGTH:
                continue
            for candidate in self._starting_with(form):
                found[candidate] = max(found.get(candidate, 0.0), PREFIX_SIMILARITY)
            if not typo:
                continue
            for candidate in self._starting_with(f"{tag}:{word[:2]}"):
                allowed = 2 if len(word) >= LONG_WORD else 1
                if len(candidate) - len(tag) - 1 >= MIN_FUZZY_LENGTH and Levenshtein.distance(
                        form, candidate[:len(form) + 1] if len(candidate) < len(form) else candidate,
                        score_cutoff=allowed) <= allowed:
                    found[candidate] = max(found.get(candidate, 0.0), FUZZY_SIMILARITY)
        return found

    def _starting_with(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._vocabulary, prefix)
        end = bisect.bisect_left(self._vocabulary, prefix + "\U0010ffff")
        return self._vocabulary[start:end]
