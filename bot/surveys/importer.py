"""A survey file into the database, keeping the meaning of answers already given.

Answers refer to question and option keys of the version they were given in. So once a
version has responses it is frozen: a changed file becomes the next version, and the old one
is kept (inactive) for its results. Without responses yet, the version is simply updated.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.surveys.definition import SurveyFile
from bot.surveys.models import Survey, SurveyResponse


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
        if not answered:
            current.definition, current.content_hash = definition, digest
            current.example_data, current.imported_at, current.active = survey.example_data, clock.now(), True
            return "updated"
        current.active = False
    session.add(Survey(
        quarter=quarter, key=survey.key, version=current.version + 1 if current else 1, active=True,
        definition=definition, example_data=survey.example_data, content_hash=digest, imported_at=clock.now(),
    ))
    return "new_version" if current else "created"
