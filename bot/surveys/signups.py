"""A resident's contact sign-ups after a survey: consents they can see and withdraw themselves.

Withdrawing deletes the row, so the contact is gone at once and staff can no longer export it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Survey, SurveySignup


async def signups_of(session: AsyncSession, resident_id: int) -> list[tuple[SurveySignup, Survey]]:
    """The resident's sign-ups with the survey each belongs to, oldest first."""
    rows = await session.execute(select(SurveySignup, Survey).join(Survey, Survey.id == SurveySignup.survey_id)
                                 .where(SurveySignup.resident_id == resident_id)
                                 .order_by(SurveySignup.consented_at, SurveySignup.id))
    return [(signup, survey) for signup, survey in rows.all()]


async def withdraw_signup(session: AsyncSession, resident_id: int, signup_id: int) -> bool:
    """Delete one sign-up of this resident; anyone else's (an id from made-up button data) stays untouched."""
    result = await session.execute(delete(SurveySignup).where(SurveySignup.id == signup_id,
                                                              SurveySignup.resident_id == resident_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
