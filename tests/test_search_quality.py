"""How well residents find offers: hit@1, hit@3 and false positives per language.

tests/data/search_queries.yaml holds residents' queries in the ten languages, each with the
offers a caseworker would point to, and queries for things the quarter does not have. They run
through the real catalog and index built from the Horst example content (with its needs
vocabulary). tests/data/search_queries_fresh.yaml and search_queries_fresh2.yaml were written apart from
both (see FLOOR_HIT3_FRESH and FLOOR_HIT3_FRESH2). The floors sit a little under what was measured, so a
change that makes residents find less fails here; `pytest -s` prints the tables.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.offers.catalog import QuarterCatalog, load_catalog
from tests.support.databases import Database

DATA = Path(__file__).parent / "data"
QUERIES = DATA / "search_queries.yaml"
FRESH = DATA / "search_queries_fresh.yaml"
FRESH2 = DATA / "search_queries_fresh2.yaml"
TOP = 3
# The floors sit a little under what was measured (see the README, "Search"), so a change that makes
# residents find less fails here. The targets: hit@3 >= 0.90 per language and >= 0.95 overall,
# at most 1 in 20 nothing-queries answered with offers.
FLOOR_HIT3 = {"de": 0.95, "de@easy": 0.9, "en": 0.95, "tr": 0.95, "ar": 0.9, "ro": 0.95, "bg": 0.95, "uk": 0.95,
              "ru": 0.95, "pl": 0.95}
FLOOR_HIT3_OVERALL = 0.97
MAX_FALSE_POSITIVES = 1  # of the 20 nothing-queries
FLOOR_HIT3_HELD_OUT = 0.9  # 10 queries: one miss is 0.1
MAX_FALSE_POSITIVES_HELD_OUT = 1  # of the 12 held-out nothing-queries
# The fresh set was written by someone who saw neither the search nor its vocabulary, after both were
# built; the vocabulary (needs and "elsewhere") was then rewritten by others who did not see the set. It is
# the honest measure of what residents will meet. Measured: hit@3 0.95 (0.80-1.00 per language); 4 of 30
# nothing-queries answered (14 before), then 1 of 30 once shops, driving and music words were added.
FLOOR_HIT3_FRESH = 0.93
FLOOR_HIT3_FRESH_LANGUAGE = 0.8
MAX_FALSE_POSITIVES_FRESH = 2  # of 30
# The second fresh set (200 queries, 30 nothing-queries) was written later, again without the search or its
# vocabulary. Measured on arrival: hit@3 0.95 (0.90-1.00 per language), 5 of 30 nothing-queries answered
# (four of them shops: "magazin romanesc", "български магазин", "polski sklep"); after shop words and
# "Germany" (family reunification) joined the vocabulary: hit@3 0.96, 2 of 30. Those two changes were made
# with this set in view, so it is no longer fresh for them.
FLOOR_HIT3_FRESH2 = 0.94
FLOOR_HIT3_FRESH2_LANGUAGE = 0.85
MAX_FALSE_POSITIVES_FRESH2 = 3  # of 30


def measure(catalog: QuarterCatalog, path: Path = QUERIES, held_out: bool = False,
            label: str = "original") -> tuple[str, dict[str, tuple[int, int, int]], list[str], list[str]]:
    """The table, per language (queries, hit@1, hit@3), the misses and the false positives, of the
    queries in `path` not marked `held_out` or (held_out) of those marked `held_out: true`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    key_of = {offer.id: offer.key for offer in catalog.offers.values()}
    results: dict[str, tuple[int, int, int]] = {}
    misses: list[str] = []
    for language, entries in data["queries"].items():
        first = top = 0
        chosen = [entry for entry in entries if entry.get("held_out", False) == held_out]
        for entry in chosen:
            found = [key_of[offer_id] for offer_id in catalog.index.search(entry["q"], language)[:TOP]]
            first += bool(found) and found[0] in entry["expect"]
            hit = any(key in entry["expect"] for key in found)
            top += hit
            if not hit:
                misses.append(f"{language}: {entry['q']!r} → {found}")
        if chosen:
            results[language] = (len(chosen), first, top)
    nothing = [entry for entry in data["nothing"] if entry.get("held_out", False) == held_out]
    false_positives = [
        f"{entry['lang']}: {entry['q']!r} → {[key_of[i] for i in found[:TOP]]}"
        for entry in nothing
        if (found := catalog.index.search(entry["q"], entry["lang"]))
    ]
    lines = [f"{label}:", f"{'language':<9} {'queries':>7} {'hit@1':>6} {'hit@3':>6}"]
    for language, (count, first, top) in results.items():
        lines.append(f"{language:<9} {count:>7} {first / count:>6.2f} {top / count:>6.2f}")
    total = sum(count for count, _, _ in results.values())
    lines.append(f"{'all':<9} {total:>7} {sum(f for _, f, _ in results.values()) / total:>6.2f} "
                 f"{sum(t for _, _, t in results.values()) / total:>6.2f}")
    lines.append(f"nothing-queries answered with offers: {len(false_positives)} of {len(nothing)}")
    return "\n".join(lines), results, misses, false_positives


async def test_residents_find_the_offers_a_caseworker_would_point_to(database: Database) -> None:
    async with AsyncSession(database.engine) as session:
        catalog = await load_catalog(session, "horst")
    reports = []
    for label, path, held_out in (("original", QUERIES, False), ("held out", QUERIES, True), ("fresh", FRESH, False),
                                    ("fresh 2", FRESH2, False)):
        table, results, misses, false_positives = measure(catalog, path, held_out, label)
        report = "\n".join([table, "misses:", *misses, "false positives:", *false_positives])
        reports.append((label, results, false_positives, report))
    print("\n" + "\n\n".join(report for *_, report in reports))
    ((_, original, original_false, report), (_, held, held_false, held_report), (_, fresh, fresh_false, fresh_report),
     (_, fresh2, fresh2_false, fresh2_report)) = reports
    assert _overall(original) >= FLOOR_HIT3_OVERALL, report
    for language, (count, _, top) in original.items():
        assert top / count >= FLOOR_HIT3[language], report
    assert len(original_false) <= MAX_FALSE_POSITIVES, report
    assert _overall(held) >= FLOOR_HIT3_HELD_OUT, held_report
    assert len(held_false) <= MAX_FALSE_POSITIVES_HELD_OUT, held_report
    assert _overall(fresh) >= FLOOR_HIT3_FRESH, fresh_report
    for count, _, top in fresh.values():
        assert top / count >= FLOOR_HIT3_FRESH_LANGUAGE, fresh_report
    assert len(fresh_false) <= MAX_FALSE_POSITIVES_FRESH, fresh_report
    assert _overall(fresh2) >= FLOOR_HIT3_FRESH2, fresh2_report
    for count, _, top in fresh2.values():
        assert top / count >= FLOOR_HIT3_FRESH2_LANGUAGE, fresh2_report
    assert len(fresh2_false) <= MAX_FALSE_POSITIVES_FRESH2, fresh2_report


def _overall(results: dict[str, tuple[int, int, int]]) -> float:
    return sum(top for _, _, top in results.values()) / sum(count for count, _, _ in results.values())
