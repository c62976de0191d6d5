"""Survey results for staff: the surveys and their versions, the group a response belongs to, and the anonymous
exports. The counts per question are made in bot/surveys/tally.py and shown as tables by bot/figures/survey.py.

Splits can single people out (the one Bulgarian-speaking newcomer with three children), so
every split column with fewer than five responses, and every split cell counting one to four
people, is shown as "<5". The overall column is not split and stays exact.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.definition import SurveyFile, unreviewed_in
from bot.surveys.models import Survey, SurveyResponse, SurveySignup
from bot.surveys.progress import ANSWERED, SKIPPED, Answer, Answers

OTHER_GROUP = "other"


@dataclass(frozen=True)
class ResponseRow:
    number: int
    language: str
    complete: bool
    started_on: dt.date
    completed_on: dt.date | None
    group: str
    answers: Answers
    text_languages: dict[str, str]


@dataclass(frozen=True)
class SurveySummary:
    key: str
    version: int
    active: bool
    title: str
    complete: int
    partial: int
    signups: int
    unreviewed: tuple[str, ...]  # languages whose text a native speaker should still check


async def list_surveys(session: AsyncSession, quarter: str) -> list[SurveySummary]:
    surveys = (await session.scalars(select(Survey).where(Survey.quarter == quarter)
                                      .order_by(Survey.key, Survey.version))).all()
    counts = dict(((survey_id, done), count) for survey_id, done, count in (await session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.completed_on.is_not(None), func.count())
        .group_by(SurveyResponse.survey_id, SurveyResponse.completed_on.is_not(None))
    )).all())
    signups = dict((await session.execute(
        select(SurveySignup.survey_id, func.count()).group_by(SurveySignup.survey_id))).all())
    return [SurveySummary(survey.key, survey.version, survey.active, survey.definition["title"]["de"],
                          counts.get((survey.id, True), 0), counts.get((survey.id, False), 0),
                          signups.get(survey.id, 0), unreviewed_in(survey.definition))
            for survey in surveys]


async def find_survey(session: AsyncSession, quarter: str, key: str, version: int | None) -> Survey | None:
    query = select(Survey).where(Survey.quarter == quarter, Survey.key == key)
    if version is not None:
        query = query.where(Survey.version == version)
    return await session.scalar(query.order_by(Survey.version.desc()).limit(1))


async def load_responses(session: AsyncSession, survey: Survey, definition: SurveyFile) -> list[ResponseRow]:
    responses = (await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                       .order_by(SurveyResponse.id))).all()
    rows = []
    for number, response in enumerate(responses, start=1):
        answers = {answer.question: Answer(answer.status, answer.value) for answer in response.answers}
        text_languages = {answer.question: answer.text_language for answer in response.answers if answer.text_language}
        rows.append(ResponseRow(number, response.language, response.completed_on is not None, response.started_on,
                                response.completed_on, group_of(definition, answers), answers, text_languages))
    return rows


def group_of(definition: SurveyFile, answers: Answers) -> str:
    if definition.segment is None:
        return OTHER_GROUP
    answer = answers.get(definition.segment.question)
    if answer is None or answer.status != ANSWERED:
        return OTHER_GROUP
    return next((group for group, options in definition.segment.groups.items() if answer.value in options),
                OTHER_GROUP)


def write_responses_csv(definition: SurveyFile, version: int, rows: list[ResponseRow], path: Path) -> None:
    """One anonymous row per response: no link, no day (months only), in the order of the random keys."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        header = ["response", "survey", "version", "language", "status", "started_on", "completed_on", "group"]
        for question in definition.questions:
            header += [question.key, f"{question.key}_language"] if question.kind == "text" else [question.key]
        writer.writerow(header)
        for row in rows:
            line = [row.number, definition.key, version, row.language, "complete" if row.complete else "partial",
                    row.started_on.isoformat(), row.completed_on.isoformat() if row.completed_on else "", row.group]
            for question in definition.questions:
                line.append(_csv_value(row.answers.get(question.key)))
                if question.kind == "text":
                    line.append(row.text_languages.get(question.key, ""))
            writer.writerow(line)


def _csv_value(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.status == SKIPPED:
        return "(skipped)"
    if answer.status != ANSWERED:
        return ""
    return ";".join(answer.value) if isinstance(answer.value, list) else str(answer.value)


async def write_signups_csv(session: AsyncSession, survey_key: str, quarter: str, path: Path, zone: Any) -> int:
    signups = (await session.execute(
        select(SurveySignup, Survey.version).join(Survey, Survey.id == SurveySignup.survey_id)
        .where(Survey.quarter == quarter, Survey.key == survey_key).order_by(SurveySignup.consented_at)
    )).all()
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["survey", "version", "contact", "topic", "language", "consent_version", "consented_at"])
        for signup, version in signups:
            consented = signup.consented_at.astimezone(zone).isoformat(timespec="minutes")
            writer.writerow([survey_key, version, signup.contact, signup.topic, signup.language,
                             signup.consent_version, consented])
    return len(signups)


async def completed_in_month(session: AsyncSession, quarter: str, day: dt.date) -> dict[str, int]:
    """Completed responses per survey key in the month of `day`: completion dates are kept by month only
    (see SurveyResponse), so a month is the finest period there is."""
    rows = await session.execute(
        select(Survey.key, func.count()).join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .where(Survey.quarter == quarter, SurveyResponse.completed_on == day.replace(day=1))
        .group_by(Survey.key))
    return {key: count for key, count in rows.all()}
