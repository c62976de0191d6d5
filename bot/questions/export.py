"""The conversations of a period as one JSON document, for Leitung (personal data: the residents' own words).

What a request for information, a complaint or the city's review needs: per question its reference, status,
language, channel, topic and dates, every message both ways (who wrote it, the text as sent or received, the
German beside it, its language, whether it was machine-translated) and staff's internal notes. Residents are
named by nothing but the question's reference; staff by their account name. The web route writes the audit
entry (who exported which period, how many questions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffAccount
from bot.questions.models import Question, QuestionNote

FORMAT = "quartiersbot-questions-1"
CHUNK = 500  # ids per IN (...), well under every backend's limit on parameters


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


async def export_conversations(session: AsyncSession, quarter: str, start: dt.datetime, end: dt.datetime,
                               now: dt.datetime) -> dict[str, Any]:
    """Questions asked in [start, end), oldest first, with their messages and notes."""
    questions = list(await session.scalars(
        select(Question).where(Question.quarter == quarter, Question.created_at >= start, Question.created_at < end)
        .order_by(Question.created_at, Question.id)))
    ids = [question.id for question in questions]
    notes: dict[int, list[QuestionNote]] = {}
    for chunk in range(0, len(ids), CHUNK):
        for note in await session.scalars(
                select(QuestionNote).where(QuestionNote.question_id.in_(ids[chunk:chunk + CHUNK]))
                .order_by(QuestionNote.created_at, QuestionNote.id)):
            notes.setdefault(note.question_id, []).append(note)
    names = {row.id: row.name for row in await session.execute(select(StaffAccount.id, StaffAccount.name))}
    return {
        "format": FORMAT,
        "quarter": quarter,
        "exported_at": _iso(now),
        "period": {"from": _iso(start), "to": _iso(end)},
        "count": len(questions),
        "questions": [{
            "reference": question.reference,
            "status": question.status,
            "language": question.language,
            "channel": question.channel,
            "topic": question.topic or None,
            "assigned_to": names.get(question.assigned_account_id) if question.assigned_account_id else None,
            "created_at": _iso(question.created_at),
            "updated_at": _iso(question.updated_at),
            "first_answer_at": _iso(question.first_answer_at),
            "closed_at": _iso(question.closed_at),
            "messages": [{
                "author": message.author,
                "staff": names.get(message.account_id) if message.account_id else None,
                "at": _iso(message.created_at),
                "language": message.language,
                "text": message.text,
                "german": message.german,
                "machine_translated": message.machine_translated,
                "detected_language": message.detected_language,
                "card": message.card,
            } for message in question.messages],
            "notes": [{"staff": names.get(note.account_id) if note.account_id else None,
                       "at": _iso(note.created_at), "text": note.text} for note in notes.get(question.id, [])],
        } for question in questions],
    }
