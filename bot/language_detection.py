"""Which of our languages a resident actually wrote in, offline: staff see it beside a question when it is not
the language the resident chose (a Romanian resident who picked German), the language picker offers it first,
and a notice in a group room speaks it.

The detector (lingua) runs on this machine: nothing residents wrote leaves it for this. Short texts ("ok",
"danke") say little, so below a length or a confidence the answer is "not sure" (None).
"""

from __future__ import annotations

from functools import lru_cache

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from bot.languages import LANGUAGE_CODES

MIN_LETTERS = 12
MIN_CONFIDENCE = 0.6
# Our codes by ISO 639-1; "de@easy" is German to a detector.
OURS: dict[str, str] = {code.split("@")[0]: code.split("@")[0] for code in LANGUAGE_CODES}


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    codes = [getattr(IsoCode639_1, code.upper()) for code in OURS]
    # Low-accuracy mode: trigrams only, about 40 MB instead of 260 MB and a tenth of the start-up time, and as
    # good on sentences; it is weaker on single words, which are "not sure" here anyway.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def detect(text: str) -> str | None:
    """Our language code of `text`, or None when the detector is not sure."""
    if sum(character.isalpha() for character in text) < MIN_LETTERS:
        return None
    [best, *_] = _detector().compute_language_confidence_values(text)
    if best.value < MIN_CONFIDENCE:
        return None
    return OURS.get(best.language.iso_code_639_1.name.lower())


def differs(text: str, chosen: str) -> str | None:
    """The detected language when it is not the chosen one (German and Leichte Sprache count as one)."""
    found = detect(text)
    return found if found is not None and found != chosen.split("@")[0] else None
