"""The needs vocabulary's form, shared by an offer's page, a category's page and "Nicht im Quartier":
one text field per content language, words separated by commas, and what a problem is said as.

The form keeps what was typed, so a refused save (a problem, or someone else's newer change) shows it
again; the rules themselves live in `bot/offers/needs.py`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.i18n import N_, Translator
from bot.languages import CONTENT_LANGUAGE_CODES, LANGUAGES
from bot.offers import needs
from bot.offers.problems import Problem
from bot.web import offer_forms

MESSAGES = {
    "word_too_long": N_("“%(word)s” is longer than %(max)s characters."),
    "too_many_words": N_("At most %(max)s words per language."),
    "no_words": N_("Please enter at least one word in some language. To remove this need, delete it."),
    "key_format": N_("Lowercase letters, digits and hyphens only, for example dentist or driving-licence."),
    "key_taken": N_("There is already a need with this key."),
}
RIGHT_TO_LEFT = frozenset(language.code for language in LANGUAGES if language.right_to_left)
_SEPARATOR = re.compile(r"[,\n]")  # commas; a line break in the text field counts as one too
_TYPED_LIMIT = 20000  # far beyond 100 words of 60 characters, so the domain's own message still shows


def message(translator: Translator, problem: Problem) -> str:
    if problem.code in MESSAGES:
        return translator.gettext(MESSAGES[problem.code]) % problem.params
    return offer_forms.message(translator, problem)


def messages(translator: Translator, problems: dict[str, Problem]) -> dict[str, str]:
    return {name: message(translator, problem) for name, problem in problems.items()}


def typed(form: FormData) -> dict[str, str]:
    """The posted text fields as typed, per content language; a language whose field was not posted is left
    as it is (the domain changes only the languages it is given)."""
    return {code: str(form[f"words-{code}"])[:_TYPED_LIMIT] for code in CONTENT_LANGUAGE_CODES
            if f"words-{code}" in form}


def words(typed_text: dict[str, str]) -> dict[str, list[str]]:
    """The typed text as words per language; trimming, empty entries and repeats are the domain's."""
    return {code: _SEPARATOR.split(text) for code, text in typed_text.items()}


def shown(by_language: dict[str, list[str]]) -> dict[str, str]:
    return {code: ", ".join(by_language.get(code, [])) for code in CONTENT_LANGUAGE_CODES}


def basis(form: FormData) -> dict[str, str]:
    """Per language, the version of the words the page showed when the form was filled (posted beside each field),
    so that after a conflict the languages this form did not change can show the words as they are now."""
    return {code: str(form[f"shown-{code}"]) for code in CONTENT_LANGUAGE_CODES if f"shown-{code}" in form}


def fields(values: dict[str, str], errors: dict[str, str], versions: dict[str, str] | None = None,
           meanwhile: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"code": code, "value": values.get(code, ""), "error": errors.get(code, ""), "rtl": code in RIGHT_TO_LEFT,
             "lang": code.split("@")[0], "basis": (versions or {}).get(code, ""),
             "meanwhile": (meanwhile or {}).get(code, "")} for code in CONTENT_LANGUAGE_CODES]


def _version(code: str, text: str) -> str:
    return needs.needs_version({code: needs.clean_words(words({code: text})[code])})


async def section(db: AsyncSession, quarter: str, kind: str, key: str, action: str,
                  typed_text: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                  conflict: bool = False, done: bool = False, posted_basis: dict[str, str] | None = None
                  ) -> dict[str, Any]:
    """What `_needs_form.html` shows: the stored words, or what was typed when a save came back; the version
    is always the stored one, so saving again after a conflict keeps what is in the form.

    After a conflict, a language someone else changed meanwhile shows their words as they are now when this
    form left it as it was (`posted_basis`), so saving again does not undo their change; where both changed
    it, what was typed stays. Either is marked beside the field."""
    stored = await needs.words_of(db, quarter, kind, key)
    now = shown(stored)
    versions = {code: _version(code, text) for code, text in now.items()}
    values = {**now, **(typed_text or {})}
    meanwhile: dict[str, str] = {}
    if conflict:
        for code, was in (posted_basis or {}).items():
            if code in versions and was != versions[code]:
                untouched = typed_text is None or code not in typed_text or _version(code, typed_text[code]) == was
                meanwhile[code] = "theirs" if untouched else "both"
                if untouched:
                    values[code] = now[code]
    return {"kind": kind, "key": key, "action": action, "version": needs.needs_version(stored),
            "fields": fields(values, errors or {}, versions, meanwhile),
            "error": (errors or {}).get("words") or (errors or {}).get("language", ""),
            "invalid": bool(errors), "conflict": conflict, "done": done}
