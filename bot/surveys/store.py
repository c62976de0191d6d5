"""Reading active surveys and writing answers, one transaction per message like everything else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_insert
from bot.db.types import random_id
from bot.surveys.definition import SurveyFile
from bot.surveys.models import Survey, SurveyAnswer, SurveyParticipation, SurveyResponse
from bot.surveys.progress import Answer, Answers


@dataclass(frozen=True)
class LoadedSurvey:
    id: int
    key: str
    version: int
    definition: SurveyFile


class SurveyCatalog:
    """Active surveys per quarter; a definition is parsed once per stored version, not per message."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[int, str], SurveyFile] = {}

    async def active(self, session: AsyncSession, quarter: str) -> list[LoadedSurvey]:
        rows = (await session.execute(
            select(Survey.id, Survey.key, Survey.version, Survey.content_hash)
            .where(Survey.quarter == quarter, Survey.active.is_(True))
            .order_by(Survey.key)
        )).all()
        loaded = []
        for survey_id, key, version, digest in rows:
            definition = self._parsed.get((survey_id, digest))
            if definition is None:
                raw = await session.scalar(select(Survey.definition).where(Survey.id == survey_id))
                definition = SurveyFile.model_validate(raw)
                self._parsed[(survey_id, digest)] = definition
            loaded.append(LoadedSurvey(survey_id, key, version, definition))
        return loaded

    async def find(self, session: AsyncSession, quarter: str, key: str) -> LoadedSurvey | None:
        return next((survey for survey in await self.active(session, quarter) if survey.key == key), None)


async def find_response(session: AsyncSession, survey_id: int, resident_id: int) -> SurveyResponse | None:
    """The resident's response in progress; a completed one can no longer be found (see SurveyResponse)."""
    return await session.scalar(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey_id, SurveyResponse.resident_id == resident_id)
    )


async def has_taken_part(session: AsyncSession, survey_id: int, resident_id: int) -> bool:
    return await session.scalar(select(SurveyParticipation.resident_id).where(
        SurveyParticipation.survey_id == survey_id, SurveyParticipation.resident_id == resident_id)) is not None


async def start_response(session: AsyncSession, survey_id: int, resident_id: int, language: str,
                         today: dt.date) -> SurveyResponse:
    """The resident's response in progress, created if needed; the unique link makes a second one impossible."""
    await session.execute(
        dialect_insert(session, SurveyResponse)
        .values(id=random_id(), survey_id=survey_id, resident_id=resident_id, language=language, started_on=today,
                updated_on=today)
        .on_conflict_do_nothing(index_elements=["survey_id", "resident_id"])
    )
    response = await find_response(session, survey_id, resident_id)
    assert response is not None
    return response


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


async def complete_response(session: AsyncSession, response: SurveyResponse, resident_id: int,
                            today: dt.date) -> None:
    """Cut the link: the answers become anonymous, and only the fact of taking part stays with the resident."""
    month = month_of(today)
    response.resident_id = None
    response.started_on = response.updated_on = response.completed_on = month
    await session.execute(
        dialect_insert(session, SurveyParticipation)
        .values(survey_id=response.survey_id, resident_id=resident_id)
        .on_conflict_do_nothing(index_elements=["survey_id", "resident_id"])
    )


def answers_of(response: SurveyResponse | None) -> Answers:
    if response is None:
        return {}
    return {answer.question: Answer(answer.status, answer.value) for answer in response.answers}


def put_answer(response: SurveyResponse, question: str, status: str, value: Any = None,
               text_language: str | None = None) -> None:
    existing = next((answer for answer in response.answers if answer.question == question), None)
    if existing is None:
        existing = SurveyAnswer(question=question)
        response.answers.append(existing)
    existing.status, existing.value, existing.text_language = status, value, text_language


async def remove_answers(session: AsyncSession, response: SurveyResponse, questions: list[str]) -> None:
    if not questions:
        return
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id,
                                                     SurveyAnswer.question.in_(questions)))
    await session.refresh(response, ["answers"])
