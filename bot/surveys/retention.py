"""Deleting survey answers and sign-ups once their promised keeping time is over.

The introduction tells residents how long answers are kept (`retention_months` of the
survey file); this makes that promise true.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.models import Survey, SurveyResponse, SurveySignup


async def prune_expired(session: AsyncSession, today: dt.date) -> tuple[int, int]:
    """(responses, sign-ups) deleted: those last touched longer ago than their survey keeps them."""
    responses = signups = 0
    for survey_id, definition in (await session.execute(select(Survey.id, Survey.definition))).all():
        cutoff = today - relativedelta(months=int(definition.get("retention_months", 24)))
        result = await session.execute(delete(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                                    SurveyResponse.updated_on < cutoff))
        responses += result.rowcount  # type: ignore[attr-defined]
        cutoff_time = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
        result = await session.execute(delete(SurveySignup).where(SurveySignup.survey_id == survey_id,
                                                                  SurveySignup.consented_at < cutoff_time))
        signups += result.rowcount  # type: ignore[attr-defined]
    return responses, signups
