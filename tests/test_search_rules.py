"""The search's rules on a small index of its own: what a word may meet, and when nothing is an answer.

The quality over real queries is measured in test_search_quality.py; here each rule is shown alone,
so that a change breaking one names it.
"""

from __future__ import annotations

from bot.offers.search import Document, Field, SearchIndex
from bot.offers.words import fold, query_forms

REPAIR, TENANTS, CLOTHES, SENIORS, DEBTS = 1, 2, 3, 4, 5
DOCUMENTS = [
    Document(REPAIR, (Field("Reparatur-Café", "de", 3), Field("reparieren kaputt Fahrrad Toaster", "de", 3),
                      Field("repair broken bike", "en", 3), Field("ремонт сломан велосипед", "ru", 3),
                      Field("tamir bozuk bisiklet", "tr", 3))),
    Document(TENANTS, (Field("Mieterberatung", "de", 3), Field("Miete Vermieter Schimmel", "de", 3),
                       Field("rent landlord mould", "en", 3))),
    Document(CLOTHES, (Field("Kleiderkammer", "de", 3), Field("Kleidung Jacke kaufen", "de", 3),
                       Field("giysi kıyafet kız", "tr", 3))),
    Document(SENIORS, (Field("Seniorentreff", "de", 3), Field("Rente Senioren Kaffee", "de", 3),
                       Field("Schlimm ist Einsamkeit", "de", 3))),
    Document(DEBTS, (Field("Schuldnerberatung", "de", 3), Field("Schulden Mahnung", "de", 3))),
    # Others of a quarter, so that a word's rarity weighs as it does among forty offers.
    *(Document(100 + number, (Field(f"Angebot {name}", "de", 3), Field(f"offer {name}", "en", 3)))
      for number, name in enumerate(["Garten", "Sport", "Bücherei", "Sprachcafé", "Jugendtreff", "Krabbelgruppe",
                                     "Tafel", "Computerhilfe", "Nähstube", "Chor", "Lesepaten", "Frühstück",
                                     "Stadtteilputz", "Familienzentrum"])),
]
ELSEWHERE = [Field("Auto", "de", 3), Field("car", "en", 3), Field("машина", "ru", 3), Field("kaufen", "de", 3),
             Field("Wetter", "de", 3), Field("samochód", "pl", 3)]
INDEX = SearchIndex(DOCUMENTS, elsewhere=ELSEWHERE)


def test_a_need_the_quarter_has_no_offer_for_finds_nothing_however_well_another_word_matches() -> None:
    assert INDEX.search("ремонт", "ru")[:1] == [REPAIR]
    assert INDEX.search("ремонт машины", "ru") == []
    assert INDEX.search("car repair", "en") == []
    assert INDEX.search("Fahrrad reparieren", "de")[:1] == [REPAIR]


def test_a_word_of_a_need_met_elsewhere_still_finds_the_offer_whose_own_words_have_it() -> None:
    assert INDEX.search("Jacke kaufen", "de")[:1] == [CLOTHES]  # the clothes store's words include buying
    assert INDEX.search("Fahrrad kaufen", "de") == []  # the repair café's do not


def test_a_german_word_met_elsewhere_marks_its_compounds_but_not_words_that_only_share_its_stem() -> None:
    assert INDEX.search("Autowerkstatt kaputt", "de") == []
    assert INDEX.search("Wetterbericht Rente", "de") == []
    assert INDEX.search("Wettbewerb Senioren", "de")[:1] == [SENIORS]  # "Wetter" is not "Wettbewerb"


def test_a_longer_stem_met_elsewhere_marks_its_other_forms() -> None:
    assert INDEX.search("naprawa samochodowy", "pl") == []


def test_words_of_different_languages_that_share_a_stem_do_not_meet() -> None:
    # German "Rente" and English "rent" stem alike: a pensioner is not sent to the tenants' counselling.
    assert INDEX.search("Rente", "de")[:1] == [SENIORS]
    assert TENANTS not in INDEX.search("Rente", "de")
    assert INDEX.search("rent", "en")[:1] == [TENANTS]


def test_a_typo_meets_the_word_it_misses_but_a_real_word_never_becomes_another() -> None:
    assert INDEX.search("Schuldnerbertung", "de")[:1] == [DEBTS]
    assert INDEX.search("Mahnnung", "de")[:1] == [DEBTS]
    assert SENIORS not in INDEX.search("schwimmen", "de")  # a word of its own, not a typo of "schlimm"
    assert [word.known for word in query_forms("schwimmen Schuldnerbertung", "de")] == [True, False]


def test_the_turkish_dotless_i_is_met_when_typed_as_i() -> None:
    assert fold("kız") == fold("kiz")
    assert INDEX.search("kiz giysi", "tr")[:1] == [CLOTHES]
