"""The surveys of a quarter back into survey files, for `quartiersbot export`.

Only the active version of each survey is written: it is the one residents answer and the one
a changed file would supersede. Older versions stay in the database for their results.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.rebuild import rebuild
from bot.surveys.definition import SurveyFile
from bot.surveys.models import Survey

NEEDS_SURVEY = "bedarfsabfrage"  # written as bedarfsabfrage.yaml; every other survey as survey-KEY.yaml


async def export_surveys(session: AsyncSession, quarter: str, problems: list[str]) -> list[SurveyFile]:
    rows = await session.scalars(select(Survey).where(Survey.quarter == quarter, Survey.active.is_(True))
                                 .order_by(Survey.key, Survey.version.desc()))
    surveys: dict[str, SurveyFile] = {}
    for row in rows:
        if row.key in surveys:
            continue  # should two versions be active, the newest is the one residents are asked
        survey = rebuild(SurveyFile, row.definition, f"survey {row.key!r} version {row.version}", problems)
        if survey is not None:
            surveys[row.key] = survey
    return list(surveys.values())


def file_name(survey: SurveyFile) -> str:
    return f"{NEEDS_SURVEY}.yaml" if survey.key == NEEDS_SURVEY else f"survey-{survey.key}.yaml"
