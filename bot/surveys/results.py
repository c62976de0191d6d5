"""Survey results for staff: counts and shares per question, split by group and by language.

Splits can single people out (the one Bulgarian-speaking newcomer with three children), so
every split column with fewer than five responses, and every split cell counting one to four
people, is shown as "<5". The overall column is not split and stays exact.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.definition import SCALE, YES_NO, Question, SurveyFile, unreviewed_in
from bot.surveys.models import Survey, SurveyResponse, SurveySignup
from bot.surveys.progress import ANSWERED, SKIPPED, Answer, Answers, is_shown

SMALL = 5
SUPPRESSED = "<5"
OTHER_GROUP = "other"
KIND_NAMES = {"single": "single choice", "multiple": "multiple choice", "scale": "scale 1-5", "yes_no": "yes/no",
              "number": "number", "text": "free text"}


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


def report(definition: SurveyFile, version: int, rows: list[ResponseRow]) -> list[str]:
    complete = sum(row.complete for row in rows)
    columns = _columns(definition, rows)
    lines = [f"{definition.title['de']} ({definition.key}, version {version})",
             f"Responses: {len(rows)} ({complete} complete, {len(rows) - complete} partial; "
             "answers of partial responses are counted)",
             "Columns: " + ", ".join(f"{name} {_size(members)}" for name, members in columns[1:]),
             f"Columns with fewer than {SMALL} responses, and split cells counting 1 to 4, show {SUPPRESSED}.", ""]
    for index, question in enumerate(definition.questions, start=1):
        lines += _question_table(index, question, columns)
    return lines


def _columns(definition: SurveyFile, rows: list[ResponseRow]) -> list[tuple[str, list[ResponseRow]]]:
    groups = [*(definition.segment.groups if definition.segment else {}), OTHER_GROUP]
    languages = sorted({row.language for row in rows})
    return [("all", rows), *((group, [row for row in rows if row.group == group]) for group in groups),
            *((language, [row for row in rows if row.language == language]) for language in languages)]


def _size(members: list[ResponseRow]) -> str:
    return SUPPRESSED if 0 < len(members) < SMALL else str(len(members))


def _question_table(index: int, question: Question, columns: list[tuple[str, list[ResponseRow]]]) -> list[str]:
    everyone = columns[0][1]
    answered = [row for row in everyone if _answer(row, question, ANSWERED)]
    skipped = sum(1 for row in everyone if _answer(row, question, SKIPPED))
    shown = sum(1 for row in everyone if is_shown(question, row.answers))
    header = (f"{index}. {question.key} ({KIND_NAMES[question.kind]}): {question.text['de']}\n"
              f"   shown to {shown}, answered by {len(answered)}, skipped by {skipped}")
    if question.kind == "text":
        return [header, "   free texts are in the CSV export (--csv FILE)", ""]
    table = [["answer", *(name for name, _ in columns)]]
    for label, matches in _rows_of(question, answered):
        table.append([label, *(_cell(name == "all", members, question, matches) for name, members in columns)])
    summary = _summary(question, answered)
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    rendered = ["   " + "  ".join(cell.ljust(widths[column]) if column == 0 else cell.rjust(widths[column])
                                  for column, cell in enumerate(row)) for row in table]
    return [header, *rendered, *([f"   {summary}"] if summary else []), ""]


def _answer(row: ResponseRow, question: Question, status: str) -> bool:
    answer = row.answers.get(question.key)
    return answer is not None and answer.status == status


def _rows_of(question: Question, answered: list[ResponseRow]) -> list[tuple[str, Any]]:
    """(label, test of an answer value) for each line of a question's table."""
    if question.kind in ("single", "multiple"):
        return [(f"{option.key}: {option.text['de']}", option.key) for option in question.options]
    if question.kind == "yes_no":
        return [(value, value) for value in YES_NO]
    if question.kind == "scale":
        return [(str(value), value) for value in SCALE]
    values = sorted({row.answers[question.key].value for row in answered})
    return [(str(value), value) for value in values]


def _cell(exact: bool, members: list[ResponseRow], question: Question, wanted: Any) -> str:
    if not exact and 0 < len(members) < SMALL:
        return SUPPRESSED
    answered = [row.answers[question.key].value for row in members if _answer(row, question, ANSWERED)]
    count = sum(1 for value in answered if (wanted in value if isinstance(value, list) else value == wanted))
    if not exact and 0 < count < SMALL:
        return SUPPRESSED
    share = f" ({count / len(answered):.0%})" if answered else ""
    return f"{count}{share}"


def _summary(question: Question, answered: list[ResponseRow]) -> str:
    if question.kind not in ("number", "scale") or not answered:
        return ""
    values = [row.answers[question.key].value for row in answered]
    return f"median {statistics.median(values):g}, mean {statistics.fmean(values):.1f} (all responses)"


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
