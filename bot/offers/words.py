"""From text to search terms, per language: words, stop words, stems or lemmas, other scripts.

The search ranks offers by the words that matter, so filler words ("zu", "за", "dla", "mi")
must not count, and "Schulden" must meet "Schuldnerberatung", "дългове" meet "дълг". Snowball
(PyStemmer) stems the languages it has; simplemma lemmatises Bulgarian and Ukrainian, which
Snowball lacks. Stop words come from the maintained `stop-words` lists. Both sides, the offers'
texts and the typed query, go through the same steps, so the terms meet.

Residents of the Cyrillic-script languages often type in Latin letters ("iskam da ucha nemski"),
and some type Russian in the Ukrainian chat; `query_forms` gives each typed word the forms it
may stand for, and the index takes the best of them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import simplemma
import Stemmer
import wordfreq
from bm25s.stopwords import STOPWORDS_EN
from stop_words import get_stop_words

SNOWBALL = {"de": "german", "de@easy": "german", "en": "english", "tr": "turkish", "ar": "arabic",
            "ro": "romanian", "ru": "russian", "pl": "polish"}
LEMMATISED = {"bg": "bg", "uk": "uk"}  # no Snowball stemmer: simplemma's lemmas
# English is not among them: the package's English list has 1,333 words, among them "help", "course", "free",
# "work", "home" and "information", the very words residents need; English gets bm25s's short list instead.
STOP_WORD_LISTS = {"de": "german", "de@easy": "german", "tr": "turkish", "ar": "arabic",
                   "ro": "romanian", "bg": "bulgarian", "uk": "ukrainian", "ru": "russian", "pl": "polish"}
CYRILLIC = ("bg", "uk", "ru")
LATIN_GUESSES = ("de", "en")  # German and English words are typed in every chat ("Jobcenter", "Minijob")
MIN_TERM_LENGTH = 2
# Spoken and everyday words the lists lack; they only ever carry the sentence, never the need.
EXTRA_STOP_WORDS = {
    "de": "ich mein meine meinen meinem meiner mir mich du wir uns kann können will möchte brauche "
          "suche gibt wo was wie wer hallo bitte danke gerne mal schon immer mehr viel sehr nicht kein keine "
          "machen habe hat haben bin ist sind bekomme geht mache tun",
    "en": "i im i'm my me we our need want looking find where can please get got anymore you your he she him "
          "her his its them what which who whom when why how do does did have has had am were been being could "
          "would should may might must about from up out over here those some any very too so just than",
    "tr": "ben benim bana bir ve ile için istiyorum lazım var yok nerede nasıl çok oldu olmak almak yapmak",
    # "بدور على" (I am looking for) would meet "دورة" (a course): the stemmer makes them one word
    "ar": "انا أنا بدي عندي في من على الى إلى مع شو وين كيف لو ما لا ممكن بدنا ابحث أبحث بدور ادور عم",
    "ro": "eu meu mea mi am vreau caut unde cum pentru nu mai si și la de cu o un",
    "bg": "аз ми ме имам искам търся къде как за на с и да не",
    "uk": "я мені мене маю хочу шукаю де як для на з і та не у в потрібна",
    "ru": "я мне меня у есть хочу ищу где как для на с и не в нужна",
    "pl": "ja mi mnie mam chcę szukam gdzie jak dla na z i w nie się",
}
# Weak words: in this domain they carry the sentence, never the need. Booking an appointment and "near me"
# are what residents add to any request ("Zahnarzt Termin buchen", "Friseur in der Nähe"), and every offer's
# text mentions appointments and places, so such a word alone met the wrong offer ("Termin" the Sprechstunde,
# "Nähe" → "nähen" the repair café's sewing, "buchen" → "Buch" the library). Matched as typed (folded), not
# by stem, for that reason. A weak word still counts as a word of the query (an offer that meets only the
# rest covers less of it: search.py), but never adds to a score nor makes a match strong.
WEAK_WORDS = {
    "de": "termin termine terminen buchen buche gebucht vereinbaren nähe naehe nahe",
    "en": "appointment appointments booking near nearby",
    "tr": "randevu randevusu randevum yakın yakında yakınımda",
    "ar": "موعد مواعيد حجز احجز أحجز قريب بالقرب",
    "ro": "programare programări aproape",
    "bg": "час записване близо наблизо",
    "uk": "запис записатися поблизу близько",
    "ru": "запись записаться рядом поблизости",
    "pl": "wizyta wizytę umówić blisko pobliżu",
}
_SAME_WORDS = {"de@easy": "de"}  # Easy German is German: its stop and weak words are German's


def _base(language: str) -> str:
    """The language whose words `language` uses ("de@easy" → "de")."""
    return _SAME_WORDS.get(language, language)

_WORD = re.compile(r"\w+", re.UNICODE)
# Latin letters to Cyrillic, longest first; one table per language, as residents spell by ear.
_COMMON_LATIN = [("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
                 ("yu", "ю"), ("ju", "ю"), ("iu", "ю"), ("ya", "я"), ("ja", "я"), ("ia", "я"),
                 ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
                 ("z", "з"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
                 ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"),
                 ("h", "х"), ("c", "ц"), ("x", "кс"), ("q", "к")]
_LATIN_TO_CYRILLIC = {
    "bg": [("sht", "щ"), ("y", "ъ"), *_COMMON_LATIN],
    "ru": [("iy", "ий"), ("yy", "ый"), ("yo", "ё"), ("y", "ы"), *_COMMON_LATIN],
    "uk": [("yi", "ї"), ("ye", "є"), ("h", "г"), ("g", "ґ"), ("y", "и"), ("i", "і"), *_COMMON_LATIN],
}


def fold(text: str) -> str:
    """Casefold and drop accents and Arabic diacritics, so "Mädchen", "madchen", "maedchen" are near."""
    # The soft sign is lost in Latin letters; the Turkish dotless ı is typed as i on other keyboards ("kiz").
    decomposed = unicodedata.normalize("NFKD", text.casefold()).replace("ь", "").replace("ı", "i")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")


def tokens(text: str) -> list[str]:
    """The casefolded words of `text`, accents kept (the stemmers need them)."""
    return _WORD.findall(unicodedata.normalize("NFC", text.casefold()).replace("_", " "))


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    if language == "en":
        listed: list[str] = list(STOPWORDS_EN)
    else:
        listed = get_stop_words(STOP_WORD_LISTS[language]) if language in STOP_WORD_LISTS else []
    extra = EXTRA_STOP_WORDS.get(_base(language), "")
    return frozenset(fold(word) for word in [*listed, *extra.split()])


@functools.cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = SNOWBALL.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


@functools.lru_cache(maxsize=65536)
def term(word: str, language: str) -> str:
    """The word's stem (Snowball) or lemma (simplemma) in `language`, folded."""
    stemmer = _stemmer(language)
    if stemmer is not None:
        return fold(stemmer.stemWord(word))
    if language in LEMMATISED:
        return fold(simplemma.lemmatize(word, lang=LEMMATISED[language]))
    return fold(word)


def tagged(word: str, language: str) -> str:
    """The word's term marked with its language ("de:rent" for "Rente", "en:rent" for "rent"), so that words
    of different languages that happen to share a stem never meet; "" when the word has no term."""
    found = term(word, language)
    return f"{_base(language)}:{found}" if found else ""


def terms(text: str, language: str) -> list[str]:
    """The search terms of a text written in `language` (an offer's title, keywords, summary …)."""
    stops = stop_words(language)
    return [tagged(word, language) for word in tokens(text)
            if len(word) >= MIN_TERM_LENGTH and fold(word) not in stops and not word.isdigit()]


@functools.cache
def weak_words(language: str) -> frozenset[str]:
    """The weak words (folded) a query typed in `language` may contain: its own, German and English ones."""
    languages = {language, *LATIN_GUESSES, *_query_languages(language)}
    return frozenset(fold(word) for code in languages
                     for word in WEAK_WORDS.get(_base(code), "").split())


class QueryWord(NamedTuple):
    forms: set[str]  # the terms the typed word may stand for
    weak: bool  # one of WEAK_WORDS
    known: bool  # a word of the language as typed, so no typo: "schwimmen" is not "schlimm"


KNOWN_ZIPF = 3.0  # wordfreq's "small" lists: words met at least once in a million; typos are not


def known_word(word: str, languages: tuple[str, ...]) -> bool:
    """Whether `word` is a word of one of `languages` as typed (wordfreq's frequency lists)."""
    return any(wordfreq.zipf_frequency(word, _base(code), wordlist="small") >= KNOWN_ZIPF
               for code in languages)


def query_forms(text: str, language: str) -> list[QueryWord]:
    """For each word that matters in a typed query, the terms it may stand for, and whether it is weak.

    Filler words of the resident's language (or, in the Cyrillic chats, of any Cyrillic language)
    are dropped. A Latin word in a Cyrillic chat is also read as transliterated Cyrillic.
    """
    languages = _query_languages(language)
    weak = weak_words(language)
    result: list[QueryWord] = []
    for word in dict.fromkeys(tokens(text)):
        folded = fold(word)
        if len(word) < MIN_TERM_LENGTH or word.isdigit() or any(folded in stop_words(code) for code in languages):
            continue
        forms = {tagged(word, language)}
        latin = word.isascii()
        if latin:
            forms.update(tagged(word, code) for code in _latin_guesses(language))
            if language in CYRILLIC:
                cyrillic = transliterate(word, language)
                if fold(cyrillic) in stop_words(language):
                    continue
                forms.update(tagged(cyrillic, code) for code in CYRILLIC)
        elif language in CYRILLIC:
            forms.update(tagged(word, code) for code in CYRILLIC)
        forms.discard("")
        if forms:
            guesses = _latin_guesses(language) if latin else ()
            result.append(QueryWord(forms, folded in weak, known_word(word, (*languages, *guesses))))
    return result


def own_tags(language: str) -> tuple[str, ...]:
    """The language tags (see `tagged`) of words read in the chat's own language; the rest are guesses
    ("Jobcenter" typed in the Turkish chat read as German), which rank after the chat's own words."""
    return tuple(f"{_base(code)}:" for code in _query_languages(language))


def _latin_guesses(language: str) -> tuple[str, ...]:
    """German chats read a word as German only: "Rente" is not the English "rent"."""
    return ("de",) if _base(language) == "de" else LATIN_GUESSES


def _query_languages(language: str) -> tuple[str, ...]:
    return CYRILLIC if language in CYRILLIC else (language,)


def transliterate(word: str, language: str) -> str:
    """Latin letters as a resident of `language` (bg, uk, ru) would mean them in Cyrillic."""
    table = _LATIN_TO_CYRILLIC[language]
    out: list[str] = []
    position = 0
    while position < len(word):
        for latin, cyrillic in table:
            if word.startswith(latin, position):
                out.append(cyrillic)
                position += len(latin)
                break
        else:
            out.append(word[position])
            position += 1
    return "".join(out)
