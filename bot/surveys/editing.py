"""Staff correct a survey version's texts, mark a language's translation as checked by a native speaker, and
switch versions on and off in the back office.

Answers refer to the question and option keys of their version (see `importer.py`), so texts may
only change while a version has no response at all; after that a changed survey file makes a new
version on import. Only texts change here, never keys, kinds or conditions, and the whole
definition is checked again as the import checks it. The stored digest is the import's, so the
export of an edited version imports as "unchanged", and it doubles as the version a form was loaded
with: the chat's survey catalog re-reads a definition whose digest changed.

A survey is translated as one piece, so its review mark is per language (`unreviewed`), and correcting one
question in a language does not make that language's whole text checked. The mark is not part of what the
answers mean, so "checked" is possible on an answered version too, as an import of the changed file would
update that version in place.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.content.texts import kept_version
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.surveys.definition import SurveyFile, all_texts, definition_errors, unreviewed_in
from bot.surveys.models import Survey, SurveyResponse

OBJECT_TYPE = "survey"
ANSWERED, STALE, NO_QUESTION = "answered", "stale", "no_question"
NOT_UNREVIEWED = "not_unreviewed"  # "checked" for a language that needs no check


class SurveyEditError(Exception):
    """Why a change cannot be made (`code`), and the definition's problems for `INVALID`-like cases."""

    def __init__(self, code: str, problems: list[str] | None = None) -> None:
        super().__init__(code)
        self.code, self.problems = code, problems or []


async def survey_in_quarter(db: AsyncSession, survey_id: int, quarter: str, *, lock: bool = False) -> Survey | None:
    query = select(Survey).where(Survey.id == survey_id, Survey.quarter == quarter)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await db.scalar(query)


async def responses(db: AsyncSession, survey_id: int) -> int:
    """How many responses (complete or not) a version has: one is enough to freeze it."""
    return int(await db.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey_id))
               or 0)


def digest(survey: SurveyFile) -> str:
    """The import's digest of a survey file (`importer.upsert_survey`)."""
    return hashlib.sha256(survey.model_dump_json().encode("utf-8")).hexdigest()


async def edit_question(db: AsyncSession, survey: Survey, question_key: str, text: dict[str, str],
                        options: dict[str, dict[str, str]], version: str, now: dt.datetime, actor: Actor) -> bool:
    """New texts for one question and its options, in any of the languages; False if nothing changed.

    Raises `SurveyEditError` (answered, stale, no such question, or the definition's problems) and
    pydantic's `ValidationError` for a text that is empty or too long.
    """
    if await responses(db, survey.id):
        raise SurveyEditError(ANSWERED)
    if survey.content_hash != version:
        raise SurveyEditError(STALE)
    definition: dict[str, Any] = copy.deepcopy(survey.definition)
    question = next((item for item in definition["questions"] if item["key"] == question_key), None)
    if question is None:
        raise SurveyEditError(NO_QUESTION)
    before = {"question": question_key, "text": dict(question["text"]),
              "options": {option["key"]: dict(option["text"]) for option in question.get("options", [])}}
    question["text"].update({code: value for code, value in text.items() if code in CONTENT_LANGUAGE_CODES})
    for option in question.get("options", []):
        option["text"].update({code: value for code, value in options.get(option["key"], {}).items()
                               if code in CONTENT_LANGUAGE_CODES})
    parsed = SurveyFile.model_validate(definition)
    problems = definition_errors(parsed)
    if problems:
        raise SurveyEditError("invalid", problems)
    after = {"question": question_key, "text": dict(question["text"]),
             "options": {option["key"]: dict(option["text"]) for option in question.get("options", [])}}
    if after == before:
        return False
    survey.definition, survey.content_hash = parsed.model_dump(mode="json"), digest(parsed)
    record(db, now, actor, "survey.edit", OBJECT_TYPE, survey.id, before=before, after=after)
    return True


def text_version(survey: Survey, language: str) -> str:
    """What "checked" was shown for: every text of the survey in the language, and in German. A change to
    either since then makes that page stale; a change to another language does not."""
    texts = all_texts(SurveyFile.model_validate(survey.definition))
    return kept_version({code: [text.get(code) for _, text in texts] for code in CONTENT_LANGUAGE_CODES}, language)


def confirm_review(db: AsyncSession, survey: Survey, language: str, version: str, now: dt.datetime,
                   actor: Actor) -> None:
    """"Checked": a native speaker read the survey's text in `language`, and it stays as it is. The stored
    definition (the file) no longer lists the language under `unreviewed`, and the digest moves with it, as an
    import of the export computes it; the version stays the same, answered or not.

    Raises `SurveyEditError(STALE)` when a text in the language or in German changed since the page was loaded,
    and `SurveyEditError(NOT_UNREVIEWED)` when the language counts as checked already.
    """
    if version != text_version(survey, language):
        raise SurveyEditError(STALE)
    marked = unreviewed_in(survey.definition)
    if language not in marked:
        raise SurveyEditError(NOT_UNREVIEWED)
    parsed = SurveyFile.model_validate({**survey.definition,
                                        "unreviewed": [code for code in marked if code != language]})
    survey.definition, survey.content_hash = parsed.model_dump(mode="json"), digest(parsed)
    record(db, now, actor, "survey.text_reviewed", OBJECT_TYPE, survey.id,
           before={"language": language, "reviewed": False}, after={"language": language, "reviewed": True})


async def set_active(db: AsyncSession, survey: Survey, active: bool, now: dt.datetime, actor: Actor) -> list[int]:
    """Switch a version on or off. One version of a survey is asked at a time, so switching one on switches
    the survey's other versions off. Returns the ids of the versions that changed."""
    changed = []
    if active:
        others = await db.scalars(select(Survey).where(
            Survey.quarter == survey.quarter, Survey.key == survey.key, Survey.id != survey.id,
            Survey.active.is_(True)).with_for_update())
        for other in others:
            other.active = False
            changed.append(other.id)
            record(db, now, actor, "survey.deactivate", OBJECT_TYPE, other.id, before={"active": True},
                   after={"active": False, "because": f"version {survey.version} was switched on"})
    if survey.active != active:
        survey.active = active
        changed.append(survey.id)
        record(db, now, actor, "survey.activate" if active else "survey.deactivate", OBJECT_TYPE, survey.id,
               before={"active": not active}, after={"active": active})
    return changed
