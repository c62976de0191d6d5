"""The answers of a survey counted in SQL, by column: all responses, each group (newcomers, old-established …)
and each language. The figures pages, the Sachbericht and `quartiersbot survey results` read these counts.

A year holds thousands of responses with a dozen answers each, so nothing is read response by response: one
query counts the answers per question, status, value, language and the response's answer to the segment
question (which decides its group), another the responses. Multiple-choice lists are counted per combination
in SQL and split into their options here.

Responses are chosen by month: a completed response keeps only its month (see SurveyResponse), so the callers
pass whole months (bot/figures/common.py: the months with most of their days in a period), and an unfinished
response counts in the month it was last answered. Versions of a survey are counted together by question and
option key: keys are stable, and a changed file makes a new version whose old answers keep their meaning.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, literal, or_, select
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
    # The free texts of questions whose survey version says they may be shown (`show_answers`), by question;
    # only for the period itself, never for the one compared with.
    texts: dict[str, list[str]] = field(default_factory=dict)

    def columns(self, kind: str) -> list[str]:
        return sorted(key for column_kind, key in self.responses if column_kind == kind)

    def values(self, question: str) -> list[Any]:
        """The distinct values answered to a question (a number question's numbers)."""
        return sorted({value for (key, column, value) in self.chosen if key == question and column == ALL})


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@functools.lru_cache(maxsize=4096)
def _stored(text: str | None) -> Any:
    """A stored JSON value, a multiple choice's list as a tuple; a few hundred distinct texts among thousands of
    counted rows, so each is read once."""
    value = None if text is None else json.loads(text)
    return tuple(value) if isinstance(value, list) else value


async def tally(session: AsyncSession, surveys: list[Survey], this: tuple[dt.date, dt.date] | None,
                before: tuple[dt.date, dt.date] | None) -> tuple[Tally, Tally]:
    """The responses of `surveys` (versions of one survey) dated within `this` (first and last day, both included),
    and within `before`, which lies before it (the period to compare with): both in the same statements."""
    counted, compared = Tally(), Tally()
    if this is None and before is None:
        return counted, compared
    for survey in surveys:
        await _tally_version(session, survey, SurveyFile.model_validate(survey.definition), this, before,
                             (compared, counted))
    return counted, compared


async def _shown_texts(connection: Any, survey: Survey, definition: SurveyFile, within: Any, result: Tally) -> None:
    """The answers to this version's free-text questions that it says may be shown, as written."""
    shown = [question.key for question in definition.questions if question.kind == "text" and question.show_answers]
    if not shown:
        return
    rows = await connection.execute(
        select(SurveyAnswer.question, cast(SurveyAnswer.value, Text))
        .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey.id, within, SurveyAnswer.question.in_(shown),
               SurveyAnswer.status == ANSWERED))
    for question, stored in rows.all():
        value = None if stored is None else json.loads(stored)
        if isinstance(value, str) and value.strip():
            result.texts.setdefault(question, []).append(value.strip())


async def _tally_version(session: AsyncSession, survey: Survey, definition: SurveyFile,
                         this: tuple[dt.date, dt.date] | None, before: tuple[dt.date, dt.date] | None,
                         results: tuple[Tally, Tally]) -> None:
    dated = func.coalesce(SurveyResponse.completed_on, SurveyResponse.updated_on)
    within = [and_(dated >= span[0], dated <= span[1]) for span in (this, before) if span is not None]
    where = [SurveyResponse.survey_id == survey.id, or_(*within)]
    # 1: the period, 0: the one before
    which = (case((dated >= this[0], 1), else_=0) if this is not None else literal(0)).label("which")
    segment = aliased(SurveyAnswer)
    if definition.segment is not None:
        base = select(which, SurveyResponse.language, cast(segment.value, Text).label("segment_text")).outerjoin(
            segment, and_(segment.response_id == SurveyResponse.id, segment.question == definition.segment.question,
                          segment.status == ANSWERED))
    else:  # no split by group: every response is of the "other" group
        base = select(which, SurveyResponse.language, cast(None, Text).label("segment_text"))
    groups: dict[str | None, str] = {}

    def group(segment_text: str | None) -> str:
        if segment_text not in groups:
            answers = {} if segment_text is None or definition.segment is None else \
                {definition.segment.question: Answer(ANSWERED, _listed(_stored(segment_text)))}
            groups[segment_text] = group_of(definition, answers) if answers else OTHER_GROUP
        return groups[segment_text]

    connection = await session.connection()  # Core rows: thousands of them, no ORM around each
    in_version: tuple[Counter[Column], Counter[Column]] = (Counter(), Counter())
    responses = await connection.execute(
        base.add_columns(SurveyResponse.completed_on.is_not(None).label("is_complete"), func.count())
        .where(*where).group_by("which", SurveyResponse.language, "segment_text", "is_complete"))
    for index, language, segment_text, complete, count in responses.all():
        result = results[index]
        for column in (ALL, ("group", group(segment_text)), ("language", language)):
            in_version[index][column] += count
            if complete:
                result.complete[column] += count
        result.versions[survey.version] += count
    for index, result in enumerate(results):
        result.responses.update(in_version[index])

    if this is not None:
        await _shown_texts(connection, survey, definition, and_(dated >= this[0], dated <= this[1]), results[1])
    texts = [question.key for question in definition.questions if question.kind == "text"]
    stored_value = cast(SurveyAnswer.value, Text)
    value = case((SurveyAnswer.question.in_(texts), None), else_=stored_value) if texts else stored_value
    answers = await connection.execute(
        base.add_columns(SurveyAnswer.question, SurveyAnswer.status, value.label("answer_value"), func.count())
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*where, SurveyAnswer.status.in_((ANSWERED, SKIPPED)))
        .group_by("which", SurveyResponse.language, "segment_text", SurveyAnswer.question, SurveyAnswer.status,
                  "answer_value"))
    # First into the columns as stored (a multiple choice's whole list is one value): three additions a row;
    # then each column's values into their options, once per column rather than once per row.
    skipped: Counter[tuple[int, str, Column]] = Counter()
    given: Counter[tuple[int, str, Column, Any]] = Counter()
    for index, language, segment_text, question, status, value_text, count in answers.all():
        columns = (ALL, ("group", group(segment_text)), ("language", language))
        if status == SKIPPED:
            for column in columns:
                skipped[(index, question, column)] += count
        else:
            stored = _stored(value_text)
            for column in columns:
                given[(index, question, column, stored)] += count
    for (index, question, column), count in skipped.items():
        results[index].skipped[(question, column)] += count
    # (period, question) → (column, value as stored) → count, for the questions shown only after certain answers
    as_stored: dict[tuple[int, str], Counter[tuple[Column, Any]]] = {}
    for (index, question, column, stored), count in given.items():
        result = results[index]
        result.answered[(question, column)] += count
        kept = as_stored.get((index, question))
        if kept is None:
            kept = as_stored[(index, question)] = Counter()
        kept[(column, stored)] += count
        for item in stored if isinstance(stored, tuple) else (stored,):
            if item is not None:
                result.chosen[(question, column, item)] += count
    for index, result in enumerate(results):
        for question in definition.questions:
            condition = question.show_if
            if condition is None:
                for column, count in in_version[index].items():
                    result.shown[(question.key, column)] += count
                continue
            for (column, stored), count in as_stored.get((index, condition.question), Counter()).items():
                if any(item in condition.any_of for item in (stored if isinstance(stored, tuple) else (stored,))):
                    result.shown[(question.key, column)] += count


async def response_dates(session: AsyncSession, surveys: list[Survey]) -> tuple[dt.date | None, dt.date | None]:
    """The first and the last date of the responses (months, for the completed ones): all there is to count."""
    dated = func.coalesce(SurveyResponse.completed_on, SurveyResponse.updated_on)
    first, last = (await session.execute(select(func.min(dated), func.max(dated)).where(
        SurveyResponse.survey_id.in_([survey.id for survey in surveys])))).one()
    return first, last
