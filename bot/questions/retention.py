"""Retention of residents' questions: deleted, with their messages and notes, a stated time after they were
closed (done or withdrawn); open questions stay while they are worked on, and go with the resident."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.questions.models import Question


async def closed_questions(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now - relativedelta(months=settings.retention_question_months)
    result = await session.execute(delete(Question).where(Question.closed_at.is_not(None),
                                                          Question.closed_at < cutoff))
    return {"closed questions": int(result.rowcount)}  # type: ignore[attr-defined]
