"""A resident's contact sign-ups after a survey: consents they can see and withdraw themselves.

Withdrawing deletes the row, so the contact is gone at once and staff can no longer export it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.models import Survey, SurveySignup


async def sign_up(session: AsyncSession, *, survey_id: int, resident_id: int, contact: str, topic: str, language: str,
                  consent_version: int, consented_at: dt.datetime) -> SurveySignup:
    """Store a contact sign-up with the consent it was given under, so it can be shown back and withdrawn."""
    signup = SurveySignup(survey_id=survey_id, resident_id=resident_id, contact=contact, topic=topic,
                          language=language, consent_version=consent_version, consented_at=consented_at)
    session.add(signup)
    await session.flush()
    return signup


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
