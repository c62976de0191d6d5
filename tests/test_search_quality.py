"""How well residents find offers: hit@1, hit@3 and false positives per language.

tests/data/search_queries.yaml holds residents' queries in the ten languages, each with the
offers a caseworker would point to, and queries for things the quarter does not have. They run
through the real catalog and index built from the Horst example content (with its needs
vocabulary). The floors sit a little under what was measured, so a change that makes residents
find less fails here; `pytest -s` prints the table. Russian and Polish have no offer texts yet
(only category names and the needs vocabulary), so their floors are lower for now.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.offers.catalog import QuarterCatalog, load_catalog
from tests.support.databases import Database

QUERIES = Path(__file__).parent / "data" / "search_queries.yaml"
TOP = 3
# Measured (sqlite and postgresql alike): hit@3 0.91-1.00 per language, 0.99 overall; 5 of 20
# nothing-queries answered with offers (8 before the coverage rule and the weak words). What is left
# is one need word meeting an offer that does not do it ("araba tamiri", "ремонт машины" → the repair
# café; "bus nach Essen" → lunch). The target is at most 1: not met yet, so this ceiling only
# stops it getting worse. Held out (measured apart): hit@3 0.90 on 10, 5 of 12 (8 before).
FLOOR_HIT3 = {"de": 0.9, "de@easy": 0.95, "en": 0.95, "tr": 0.95, "ar": 0.9, "ro": 0.95, "bg": 0.95, "uk": 0.95,
              "ru": 0.95, "pl": 0.95}
FLOOR_HIT3_OVERALL = 0.97
MAX_FALSE_POSITIVES = 5  # of the 20 nothing-queries
FLOOR_HIT3_HELD_OUT = 0.9  # 10 queries: one miss is 0.1
MAX_FALSE_POSITIVES_HELD_OUT = 5  # of the 12 held-out nothing-queries


def measure(catalog: QuarterCatalog, held_out: bool = False) -> tuple[str, dict[str, tuple[int, int, int]],
                                                                       list[str], list[str]]:
    """The table, per language (queries, hit@1, hit@3), the misses and the false positives, of the
    original queries or (held_out) of those marked `held_out: true`."""
    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
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
    lines = [f"{'held out' if held_out else 'original'}:", f"{'language':<9} {'queries':>7} {'hit@1':>6} {'hit@3':>6}"]
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
    table, results, misses, false_positives = measure(catalog)
    report = "\n".join([table, "misses:", *misses, "false positives:", *false_positives])
    held_table, held_results, held_misses, held_false_positives = measure(catalog, held_out=True)
    held_report = "\n".join([held_table, "misses:", *held_misses, "false positives:", *held_false_positives])
    print("\n" + report + "\n\n" + held_report)
    total = sum(count for count, _, _ in results.values())
    assert sum(top for _, _, top in results.values()) / total >= FLOOR_HIT3_OVERALL, report
    for language, (count, _, top) in results.items():
        assert top / count >= FLOOR_HIT3[language], report
    assert len(false_positives) <= MAX_FALSE_POSITIVES, report
    held_total = sum(count for count, _, _ in held_results.values())
    assert sum(top for _, _, top in held_results.values()) / held_total >= FLOOR_HIT3_HELD_OUT, held_report
    assert len(held_false_positives) <= MAX_FALSE_POSITIVES_HELD_OUT, held_report
