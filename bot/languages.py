"""The languages Quartiersbot speaks, named in their own language.

One list serves the language picker, configuration checks, content validation and Babel
formatting, so adding a language is one line here plus its catalog in `locales/`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    babel_locale: str
    right_to_left: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("de", "Deutsch", "de_DE"),
    Language("de@easy", "Leichte Sprache", "de_DE"),
    Language("en", "English", "en_GB"),
    Language("tr", "Türkçe", "tr_TR"),
    Language("ar", "العربية", "ar", right_to_left=True),
    Language("ro", "Română", "ro_RO"),
    Language("bg", "Български", "bg_BG"),
    Language("uk", "Українська", "uk_UA"),
    Language("ru", "Русский", "ru_RU"),
    Language("pl", "Polski", "pl_PL"),
)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
LANGUAGE_CODES: tuple[str, ...] = tuple(BY_CODE)
# Content (offers, categories) is written per language; German is what staff always write.
CONTENT_LANGUAGE_CODES = LANGUAGE_CODES
FALLBACK_CONTENT_LANGUAGE = "de"


def match_language_hint(hint: str | None, enabled: tuple[str, ...]) -> str | None:
    """Map a platform's language hint ("de-AT", "uk", "en_US.UTF-8") to an enabled language."""
    if not hint:
        return None
    normalized = hint.strip().replace("_", "-").split(".")[0].lower()
    if normalized in enabled:
        return normalized
    primary = normalized.split("-")[0]
    return primary if primary in enabled else None
