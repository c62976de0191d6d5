"""What a search that found nothing was about, so staff see needs, not spellings: "Auto", "araba", "машина"
and "autowerkstat" are one need (a car), across languages.

Two steps, both with the search's own word handling (bot/offers/words.py), so a word is read here as the search
read it:

1. The needs vocabulary (needs.yaml: per offer, category and need met elsewhere, the words residents use in
   every language) names a *concept*. A searched word meets a concept when one of the forms the search gives it
   (its stem or lemma in the chat's language, a Latin word also as German and English, Latin letters also as
   Cyrillic) is a term of the concept's words, or, for a word that is no word of the language as typed, a term
   one edit away (two from nine letters) with the same first two letters, as the search forgives typos. Words
   that belong to many concepts ("Hilfe") decide nothing. The concept most words of a search meet is its meaning.
2. A search no concept explains is grouped by its terms (stems, stop and weak words left out), typos of a term
   joined to it by the same rule: "Schwimmbad" and "schwimbad" are one line, "свет" and "совет" are not.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.offers.models import NeedWords
from bot.offers.needs import NeedsByOwner, load_needs
from bot.offers.search import LONG_WORD, MIN_FUZZY_LENGTH
from bot.offers.unmet import PERSONAL_TEXT
from bot.offers.words import QueryWord, fold, own_tags, query_forms, terms

PERSONAL = "personal"
MAX_OWNERS = 3  # a word of more concepts than this ("Hilfe", "Beratung") does not decide what a search is about
Concept = tuple[str, str]  # (kind, key) of needs.yaml


def _allowed(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


def _near(one: str, other: str) -> bool:
    """Whether two tagged terms are one typo apart, as the search judges it (same language and first letters)."""
    tag, _, word = one.partition(":")
    other_tag, _, other_word = other.partition(":")
    if tag != other_tag or word[:2] != other_word[:2] or min(len(word), len(other_word)) < MIN_FUZZY_LENGTH:
        return False
    allowed = _allowed(word)
    return Levenshtein.distance(word, other_word, score_cutoff=allowed) <= allowed


class Meanings:
    """The needs vocabulary as terms, to tell what a searched text is about."""

    def __init__(self, needs: NeedsByOwner) -> None:
        self._owners: dict[str, set[Concept]] = {}
        self._by_start: dict[str, list[str]] = {}
        self.labels: dict[Concept, str] = {}
        self._concepts: dict[tuple[str, str], Concept | None] = {}
        for concept, by_language in needs.items():
            words = [*by_language.get("de", []), *(word for words in by_language.values() for word in words)]
            self.labels[concept] = words[0] if words else concept[1]
            for language, listed in by_language.items():
                for word in listed:
                    for found in terms(word, language):
                        self._owners.setdefault(found, set()).add(concept)
        for found in self._owners:
            tag, _, word = found.partition(":")
            self._by_start.setdefault(f"{tag}:{word[:2]}", []).append(found)

    def concepts_of(self, word: QueryWord) -> set[Concept]:
        """The concepts one typed word meets (exactly, or as a typo of one of their terms)."""
        met: set[Concept] = set()
        for form in word.forms:
            met |= self._owners.get(form, set())
        if met or word.known:
            return met
        for form in word.forms:
            tag, _, typed = form.partition(":")
            if len(typed) < MIN_FUZZY_LENGTH:
                continue
            for candidate in self._by_start.get(f"{tag}:{typed[:2]}", []):
                if _near(form, candidate):
                    met |= self._owners[candidate]
        return met

    def concept(self, text: str, language: str) -> Concept | None:
        """The concept most words of a search meet; None when no word names one clearly."""
        if (text, language) not in self._concepts:
            self._concepts[(text, language)] = self._concept(text, language)
        return self._concepts[(text, language)]

    def _concept(self, text: str, language: str) -> Concept | None:
        votes: Counter[Concept] = Counter()
        for word in _forms(text, language):
            if word.weak:
                continue
            met = self.concepts_of(word)
            if 0 < len(met) <= MAX_OWNERS:
                for concept in met:
                    votes[concept] += 1 / len(met)
        if not votes:
            return None
        return max(sorted(votes), key=lambda concept: votes[concept])


@functools.lru_cache(maxsize=65536)
def _forms(text: str, language: str) -> tuple[QueryWord, ...]:
    return tuple(query_forms(text, language))


@functools.lru_cache(maxsize=65536)
def _own_terms(text: str, language: str) -> tuple[tuple[str, bool], ...]:
    """(term, known word) per word that matters, the term read in the chat's own language."""
    own = own_tags(language)
    found = []
    for word in _forms(text, language):
        if word.weak:
            continue
        mine = sorted(form for form in word.forms if form.startswith(own)) or sorted(word.forms)
        found.append((mine[0], word.known))
    return tuple(found)


@dataclass
class Need:
    """A group of searches with one meaning: its label, languages, the searched texts and counts per week."""

    key: str
    label: str
    concept: bool
    languages: Counter[str] = field(default_factory=Counter)
    texts: Counter[str] = field(default_factory=Counter)
    weeks: Counter[object] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.weeks.values())


def group(meanings: Meanings, searches: Iterable[tuple[object, str, str, int]]) -> dict[str, Need]:
    """(week, language, text, count) of searches that found nothing, grouped by meaning. Group searches of two
    periods in one call, so a need has the same key (and label) in both."""
    searches = list(searches)
    totals: Counter[tuple[str, str]] = Counter()
    for _week, language, text, count in searches:
        totals[(language, text)] += count
    keys: dict[tuple[str, str], tuple[str, str | None]] = {}  # (language, text) → (need key, label)
    loose: dict[tuple[str, str], tuple[tuple[str, bool], ...]] = {}
    for language, text in totals:
        concept = None if text == PERSONAL_TEXT else meanings.concept(text, language)
        if text == PERSONAL_TEXT:
            keys[(language, text)] = (PERSONAL, PERSONAL_TEXT)
        elif concept is not None:
            keys[(language, text)] = (f"need:{concept[0]}:{concept[1]}", meanings.labels[concept])
        else:
            loose[(language, text)] = _own_terms(text, language)
    weighted: Counter[tuple[str, bool]] = Counter()
    for searched, found in loose.items():
        for term, known in found:
            weighted[(term, known)] += totals[searched]
    canonical = _typos_joined(weighted)
    typed_right: set[str] = set()  # texts whose every word is the form its typos are joined to
    for (language, text), found in loose.items():
        joined = " ".join(sorted({canonical.get(term, term) for term, _ in found})) or fold(text)
        keys[(language, text)] = (f"words:{joined}", None)
        if all(canonical.get(term, term) == term for term, _ in found):
            typed_right.add(text)
    needs: dict[str, Need] = {}
    for week, language, text, count in searches:
        key, label = keys[(language, text)]
        need = needs.get(key)
        if need is None:
            need = needs[key] = Need(key, label or "", label is not None)
        need.languages[language] += count
        need.texts[text] += count
        need.weeks[week] += count
    for need in needs.values():
        if not need.label:  # the search typed most often, a correctly typed one first
            need.label = min(need.texts, key=lambda text: (-need.texts[text], text not in typed_right, text))
    return needs


def _typos_joined(found: Counter[tuple[str, bool]]) -> dict[str, str]:
    """Each term → the term its cluster of typos is named by; only a term that is no word of its language can be a
    typo, so two real words are never joined."""
    counts: Counter[str] = Counter()
    known: set[str] = set()
    for (term, is_known), count in found.items():
        counts[term] += count
        if is_known:
            known.add(term)
    parent = {term: term for term in counts}

    def root(term: str) -> str:
        while parent[term] != term:
            parent[term] = parent[parent[term]]
            term = parent[term]
        return term

    by_start: dict[str, list[str]] = {}
    for term in sorted(counts):
        tag, _, word = term.partition(":")
        by_start.setdefault(f"{tag}:{word[:2]}", []).append(term)
    for bucket in by_start.values():
        for index, one in enumerate(bucket):
            for other in bucket[index + 1:]:
                if (one not in known or other not in known) and _near(one, other):
                    parent[root(one)] = root(other)
    clusters: dict[str, list[str]] = {}
    for term in counts:
        clusters.setdefault(root(term), []).append(term)
    result = {}
    for members in clusters.values():
        # a real word, else the most searched, else the longest (a left-out letter is the commonest typo)
        best = min(members, key=lambda term: (term not in known, -counts[term], -len(term), term))
        result.update({term: best for term in members})
    return result


_cache: dict[tuple[str, object], Meanings] = {}


async def meanings_of(session: AsyncSession, quarter: str) -> Meanings:
    """The quarter's needs vocabulary as Meanings, made again only when the words changed."""
    version = tuple((await session.execute(select(func.count(), func.max(NeedWords.updated_at))
                                           .where(NeedWords.quarter == quarter))).one())
    cached = _cache.get((quarter, version))
    if cached is None:
        cached = Meanings(await load_needs(session, quarter))
        for key in [key for key in _cache if key[0] == quarter]:
            del _cache[key]
        _cache[(quarter, version)] = cached
    return cached

