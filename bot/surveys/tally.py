"""The answers of a survey counted in SQL, by column: all responses, each group (newcomers, old-established …)
and each language. The figures pages, the Sachbericht and `quartiersbot survey results` read these counts.

A year holds thousands of responses with a dozen answers each, so nothing is read response by response: one
query counts the answers per question, status, value, language and the response's answer to the segment
question (which decides its group), another the responses. Multiple-choice lists are counted per combination
in SQL and split into their options here.

Responses are chosen by month: a completed response keeps only its month (see SurveyResponse), so a response
counts in a period when the first day of its month lies in it; an unfinished one by the day (or, once unlinked,
the month) it was last answered. Versions of a survey are counted together by question and option key: keys are
stable, and a changed file makes a new version whose old answers keep their meaning.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.surveys.definition import SurveyFile
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse
from bot.surveys.progress import ANSWERED, SKIPPED, Answer
from bot.surveys.results import OTHER_GROUP, group_of

ALL: Column = ("all", "")
Column = tuple[str, str]  # ("all", ""), ("group", "newcomer"), ("language", "tr")


@dataclass
class Tally:
    """Counts of one set of responses; every counter is keyed by column."""

    responses: Counter[Column] = field(default_factory=Counter)
    complete: Counter[Column] = field(default_factory=Counter)
    versions: Counter[int] = field(default_factory=Counter)  # responses per version number
    shown: Counter[tuple[str, Column]] = field(default_factory=Counter)  # (question, column)
    answered: Counter[tuple[str, Column]] = field(default_factory=Counter)
    skipped: Counter[tuple[str, Column]] = field(default_factory=Counter)
    chosen: Counter[tuple[str, Column, Any]] = field(default_factory=Counter)  # (question, column, value)

    def columns(self, kind: str) -> list[str]:
        return sorted(key for column_kind, key in self.responses if column_kind == kind)

    def values(self, question: str) -> list[Any]:
        """The distinct values answered to a question (a number question's numbers)."""
        return sorted({value for (key, column, value) in self.chosen if key == question and column == ALL})


def _loaded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


async def tally(session: AsyncSession, surveys: list[Survey], first: dt.date | None = None,
                last: dt.date | None = None) -> Tally:
    """The responses of `surveys` (versions of one survey) dated within [first, last] (both optional)."""
    result = Tally()
    for survey in surveys:
        await _tally_version(session, survey, SurveyFile.model_validate(survey.definition), first, last, result)
    return result


async def _tally_version(session: AsyncSession, survey: Survey, definition: SurveyFile, first: dt.date | None,
                         last: dt.date | None, result: Tally) -> None:
    dated = func.coalesce(SurveyResponse.completed_on, SurveyResponse.updated_on)
    where = [SurveyResponse.survey_id == survey.id]
    if first is not None:
        where.append(dated >= first)
    if last is not None:
        where.append(dated <= last)
    segment = aliased(SurveyAnswer)
    base = select(SurveyResponse.language, cast(segment.value, Text).label("segment_text"))
    if definition.segment is not None:
        base = base.outerjoin(segment, and_(segment.response_id == SurveyResponse.id,
                                            segment.question == definition.segment.question,
                                            segment.status == ANSWERED))
    else:  # no split by group: every response is of the "other" group
        base = select(SurveyResponse.language, cast(None, Text).label("segment_text"))
    groups: dict[str | None, str] = {}

    def columns(language: str, segment_text: str | None) -> tuple[Column, Column, Column]:
        if segment_text not in groups:
            answers = {} if segment_text is None or definition.segment is None else \
                {definition.segment.question: Answer(ANSWERED, _loaded(segment_text))}
            groups[segment_text] = group_of(definition, answers) if answers else OTHER_GROUP
        return ALL, ("group", groups[segment_text]), ("language", language)

    in_version: Counter[Column] = Counter()
    responses = await session.execute(
        base.add_columns(SurveyResponse.completed_on.is_not(None).label("is_complete"), func.count())
        .where(*where).group_by(SurveyResponse.language, "segment_text", "is_complete"))
    for language, segment_text, complete, count in responses.all():
        for column in columns(language, segment_text):
            in_version[column] += count
            if complete:
                result.complete[column] += count
        result.versions[survey.version] += count
    result.responses.update(in_version)

    texts = [question.key for question in definition.questions if question.kind == "text"]
    stored_value = cast(SurveyAnswer.value, Text)
    value = case((SurveyAnswer.question.in_(texts), None), else_=stored_value) if texts else stored_value
    answers = await session.execute(
        base.add_columns(SurveyAnswer.question, SurveyAnswer.status, value.label("answer_value"), func.count())
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*where, SurveyAnswer.status.in_((ANSWERED, SKIPPED)))
        .group_by(SurveyResponse.language, "segment_text", SurveyAnswer.question, SurveyAnswer.status, "answer_value"))
    as_stored: Counter[tuple[str, Column, Any]] = Counter()  # a multiple choice's list as one value
    for language, segment_text, question, status, value_text, count in answers.all():
        for column in columns(language, segment_text):
            if status == SKIPPED:
                result.skipped[(question, column)] += count
                continue
            result.answered[(question, column)] += count
            stored = _hashable(_loaded(value_text))
            as_stored[(question, column, stored)] += count
            for chosen in stored if isinstance(stored, tuple) else (stored,):
                if chosen is not None:
                    result.chosen[(question, column, chosen)] += count
    for question in definition.questions:
        condition = question.show_if
        for column, count in in_version.items():
            if condition is None:
                result.shown[(question.key, column)] += count
            else:
                result.shown[(question.key, column)] += sum(
                    found for (key, where_column, stored), found in as_stored.items()
                    if key == condition.question and where_column == column
                    and any(value in condition.any_of for value in (stored if isinstance(stored, tuple)
                                                                    else (stored,))))


async def response_dates(session: AsyncSession, surveys: list[Survey]) -> tuple[dt.date | None, dt.date | None]:
    """The first and the last date of the responses (months, for the completed ones): all there is to count."""
    dated = func.coalesce(SurveyResponse.completed_on, SurveyResponse.updated_on)
    first, last = (await session.execute(select(func.min(dated), func.max(dated)).where(
        SurveyResponse.survey_id.in_([survey.id for survey in surveys])))).one()
    return first, last
