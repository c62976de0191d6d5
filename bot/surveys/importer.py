"""A survey file into the database, keeping the meaning of answers already given.

Answers refer to question and option keys of the version they were given in. So once a
version has responses its meaning is frozen: a changed file becomes the next version, and the
old one is kept (inactive) for its results. Without responses yet, the version is simply
updated. The German text is the question asked; the other languages render it, so a corrected
translation (a typo, a more polite address) updates the answered version in place rather than
splitting its figures in two; so does a changed review mark (`unreviewed`, the languages a native
speaker should still check), which says something about the translations, not about the questions.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.surveys.definition import SurveyFile
from bot.surveys.models import Survey, SurveyResponse

MEANING_LANGUAGE = "de"  # the question as asked; the other languages render it
NOT_MEANING = ("unreviewed",)  # top-level fields about the translations only


async def upsert_survey(session: AsyncSession, survey: SurveyFile, quarter: str, clock: Clock) -> str:
    """"created", "updated", "new_version" or "unchanged"."""
    digest = hashlib.sha256(survey.model_dump_json().encode("utf-8")).hexdigest()
    current = await session.scalar(
        select(Survey).where(Survey.quarter == quarter, Survey.key == survey.key)
        .order_by(Survey.version.desc()).limit(1)
    )
    if current is not None and current.content_hash == digest:
        current.active = True
        return "unchanged"
    definition = survey.model_dump(mode="json")
    if current is not None:
        answered = await session.scalar(select(func.count(SurveyResponse.id))
                                        .where(SurveyResponse.survey_id == current.id))
        if not answered or meaning_of(current.definition) == meaning_of(definition):
            current.definition, current.content_hash = definition, digest
            current.example_data, current.imported_at, current.active = survey.example_data, clock.now(), True
            return "updated"
        current.active = False
    session.add(Survey(
        quarter=quarter, key=survey.key, version=current.version + 1 if current else 1, active=True,
        definition=definition, example_data=survey.example_data, content_hash=digest, imported_at=clock.now(),
    ))
    return "new_version" if current else "created"


def meaning_of(definition: dict[str, Any]) -> Any:
    """The definition without the translations and their review marks: what an answer given to it means."""
    return _meaning({key: value for key, value in definition.items() if key not in NOT_MEANING})


def _meaning(definition: Any) -> Any:
    if isinstance(definition, dict):
        if definition and set(definition) <= set(CONTENT_LANGUAGE_CODES) and MEANING_LANGUAGE in definition:
            return definition[MEANING_LANGUAGE]
        return {key: _meaning(value) for key, value in definition.items()}
    if isinstance(definition, list):
        return [_meaning(value) for value in definition]
    return definition
