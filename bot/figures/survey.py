"""The Bedarfsabfrage as tables: responses, then per question the counts and shares beside the previous period,
and the split by group (newcomers, old-established residents) and by language, small cells hidden as "<5".

The rule for small cells is the survey's own (bot/surveys/results.py): a split column of fewer than five
responses shows "<5" everywhere, and a split cell counting one to four people shows "<5"; the overall column
is exact. Free texts are not listed: the survey definition has no way to say that its free texts may be shown,
and a free text can name its writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.figures.common import CHANGE, PREVIOUS, delta, months_within, span
from bot.figures.labels import language_label, language_order
from bot.figures.tables import HIDDEN, SMALL, Chart, Literal, Period, Share, Table, Value
from bot.i18n import N_
from bot.surveys.definition import SCALE, YES_NO, Question, SurveyFile
from bot.surveys.models import Survey
from bot.surveys.results import OTHER_GROUP
from bot.surveys.tally import ALL, Column, Tally, tally

THIS = N_("this period")
GROUP_LABELS = {"newcomer": N_("Newcomers"), "established": N_("Old-established residents"),
                OTHER_GROUP: N_("Other or no answer")}
YES_NO_LABELS = {"yes": N_("yes"), "no": N_("no")}
NO_FREE_TEXT = N_("Free-text answers are not listed: the survey does not say that its free texts may be shown, "
                  "and a free text can name the one who wrote it. Only how many wrote one is counted.")
NOT_IN_EVERY_VERSION = N_("This question was not asked in every version of the survey counted here.")


def _size(count: int) -> Value:
    return HIDDEN if 0 < count < SMALL else count


def _share(count: int, of: int) -> Share | None:
    return Share(count / of) if of else None


def _median(values: dict[Any, int]) -> float | None:
    expanded = sorted(value for value, count in values.items() for _ in range(count))
    if not expanded:
        return None
    middle = len(expanded) // 2
    return float(expanded[middle]) if len(expanded) % 2 else (expanded[middle - 1] + expanded[middle]) / 2


def _mean(values: dict[Any, int]) -> float | None:
    total = sum(values.values())
    return sum(value * count for value, count in values.items()) / total if total else None


class _Survey:
    """One survey's versions, questions in the newest version's order (then those only older versions asked)."""

    def __init__(self, versions: Sequence[Survey]) -> None:
        self.versions = sorted(versions, key=lambda survey: survey.version)
        self.definitions = {survey.version: SurveyFile.model_validate(survey.definition) for survey in self.versions}
        newest = self.definitions[self.versions[-1].version]
        self.newest = newest
        self.questions: dict[str, Question] = {}
        self.asked_in: dict[str, set[int]] = {}
        for version in sorted(self.definitions, reverse=True):
            for question in self.definitions[version].questions:
                self.questions.setdefault(question.key, question)
                self.asked_in.setdefault(question.key, set()).add(version)
        self.groups = [*(newest.segment.groups if newest.segment else {}), OTHER_GROUP]


def _group_label(key: str) -> str:
    return GROUP_LABELS.get(key, Literal(key))


def _option_rows(question: Question, tally_: Tally) -> list[tuple[Value, Any]]:
    """(label, value) for each line of a question's table, as the CLI always listed them."""
    if question.kind in ("single", "multiple"):
        return [(Literal(option.text["de"]), option.key) for option in question.options]
    if question.kind == "yes_no":
        return [(YES_NO_LABELS[value], value) for value in YES_NO]
    if question.kind == "scale":
        return [(Literal(str(value)), value) for value in SCALE]
    return [(Literal(str(value)), value) for value in tally_.values(question.key)]


def _split_cell(tally_: Tally, column: Column, count: int) -> Value:
    if 0 < tally_.responses[column] < SMALL:
        return HIDDEN
    return _size(count)


def _responses_table(prefix: str, this: Tally, before: Tally, survey: _Survey) -> Table:
    rows: list[tuple[Value, ...]] = []

    def exact(name: Value, now: int, old: int) -> None:
        rows.append((name, now, old, delta(now, old)))

    def hidden(name: Value, now: int, old: int) -> None:
        shown_now, shown_old = _size(now), _size(old)
        rows.append((name, shown_now, shown_old, delta(shown_now, shown_old)))

    exact(N_("Responses"), this.responses[ALL], before.responses[ALL])
    exact(N_("of them completed"), this.complete[ALL], before.complete[ALL])
    for version in sorted({*this.versions, *before.versions}):
        exact(Literal(f"Version {version}"), this.versions[version], before.versions[version])
    for group in survey.groups:
        hidden(_group_label(group), this.responses[("group", group)], before.responses[("group", group)])
    for language in language_order({*this.columns("language"), *before.columns("language")}):
        hidden(language_label(language), this.responses[("language", language)],
               before.responses[("language", language)])
    return Table(
        f"{prefix}-responses", Literal(survey.newest.title["de"]),
        N_("Responses of the period, completed or not (the answers of unfinished ones count too), by version of the "
           "survey, by group (from the answer to how long they live here) and by the language they answered in. "
           "A completed response keeps only its month, so a month belongs to the period when most of its days lie in "
           "it. Groups and languages of 1 to 4 responses show \"<5\"."),
        (N_("Figure"), THIS, PREVIOUS, CHANGE), tuple(rows), chart=Chart(0, (1, 2)),
        note="" if this.responses[ALL] or before.responses[ALL] else N_("No responses in either period (whole "
                                                                        "months only: see above)."))


def _questions_table(prefix: str, this: Tally, before: Tally, survey: _Survey) -> Table:
    rows = []
    for index, (key, question) in enumerate(survey.questions.items(), start=1):
        answered, old = this.answered[(key, ALL)], before.answered[(key, ALL)]
        rows.append((Literal(f"{index}. {question.text['de']}"), this.shown[(key, ALL)], answered,
                     this.skipped[(key, ALL)], old, delta(answered, old)))
    return Table(
        f"{prefix}-questions", N_("Questions: shown, answered, skipped"),
        N_("How many responses were shown each question (some are asked only after a certain answer), answered it "
           "and skipped it; beside them how many answered it in the previous period."),
        (N_("Question"), N_("Shown to"), N_("Answered"), N_("Skipped"), N_("Answered (previous period)"), CHANGE),
        tuple(rows))


def _question_tables(prefix: str, index: int, question: Question, this: Tally, before: Tally,
                     survey: _Survey, versions: set[int]) -> list[Table]:
    key = question.key
    title = Literal(f"{index}. {question.text['de']}")
    note = NOT_IN_EVERY_VERSION if not versions <= survey.asked_in[key] else ""
    answered, old = this.answered[(key, ALL)], before.answered[(key, ALL)]
    if question.kind == "text":
        return [Table(
            f"{prefix}-q{index:02d}", title, N_("A free-text question: how many wrote an answer, and how many "
                                                "skipped it."),
            (N_("Figure"), THIS, PREVIOUS, CHANGE),
            ((N_("Answers written"), answered, old, delta(answered, old)),
             (N_("Skipped"), this.skipped[(key, ALL)], before.skipped[(key, ALL)],
              delta(this.skipped[(key, ALL)], before.skipped[(key, ALL)]))),
            note=NO_FREE_TEXT)]
    lines = _option_rows(question, this)
    if question.kind == "number":  # the previous period's numbers too, each once
        lines = [(Literal(str(value)), value) for value in sorted({*this.values(key), *before.values(key)})]
    rows = []
    for label, value in lines:
        count, was = this.chosen[(key, ALL, value)], before.chosen[(key, ALL, value)]
        share, share_before = _share(count, answered), _share(was, old)
        rows.append((label, count, share, was, share_before, delta(share, share_before, "share")))
    explanation = N_("Of the responses that answered the question: how many chose each answer, and their share. "
                     "Several answers could be chosen, so the shares add up to more than 100 %.") \
        if question.kind == "multiple" else N_("Of the responses that answered the question: how many chose each "
                                               "answer, and their share.")
    main = Table(f"{prefix}-q{index:02d}", title, explanation,
                 (N_("Answer option"), THIS, N_("Share"), PREVIOUS, N_("Share (previous period)"),
                  N_("Change of the share")),
                 tuple(rows), chart=Chart(0, (2, 4), percent=True),
                 total=(N_("answered"), answered, None, old, None, delta(answered, old)), note=note)
    columns = [*(("group", group) for group in survey.groups),
               *(("language", language) for language in language_order(this.columns("language")))]
    split_rows = [(N_("answered"), *(_split_cell(this, column, this.answered[(key, column)]) for column in columns))]
    split_rows += [(label, *(_split_cell(this, column, this.chosen[(key, column, value)]) for column in columns))
                   for label, value in lines]
    split = Table(
        f"{prefix}-q{index:02d}-split", title,
        N_("The answers of this period by group and by language. A column of fewer than 5 responses, and a cell of "
           "1 to 4 people, show \"<5\", so nobody can be recognised; compare the periods in the table above."),
        (N_("Answer option"), *(_group_label(group) if kind == "group" else language_label(group)
                         for kind, group in columns)), tuple(split_rows))
    tables = [main, split]
    if question.kind in ("number", "scale"):
        values = {value: count for (question_key, column, value), count in this.chosen.items()
                  if question_key == key and column == ALL}
        old_values = {value: count for (question_key, column, value), count in before.chosen.items()
                      if question_key == key and column == ALL}
        median, mean = _median(values), _mean(values)
        median_before, mean_before = _median(old_values), _mean(old_values)
        tables.append(Table(
            f"{prefix}-q{index:02d}-summary", title, N_("Median and mean of the answers given."),
            (N_("Figure"), THIS, PREVIOUS, CHANGE),
            ((N_("Median"), median, median_before, delta(median, median_before)),
             (N_("Mean"), mean, mean_before, delta(mean, mean_before)))))
    return tables


def tables_of_survey(prefix: str, versions: Sequence[Survey], this: Tally, before: Tally) -> list[Table]:
    survey = _Survey(versions)
    counted = {*this.versions, *before.versions} or {survey.versions[-1].version}
    tables = [_responses_table(prefix, this, before, survey), _questions_table(prefix, this, before, survey)]
    for index, question in enumerate(survey.questions.values(), start=1):
        tables += _question_tables(prefix, index, question, this, before, survey, counted)
    return tables


async def survey_versions(db: AsyncSession, quarter: str) -> dict[str, list[Survey]]:
    """Every survey of the quarter by key, its versions oldest first."""
    found: dict[str, list[Survey]] = {}
    for survey in await db.scalars(select(Survey).where(Survey.quarter == quarter)
                                   .order_by(Survey.key, Survey.version)):
        found.setdefault(survey.key, []).append(survey)
    return found


async def survey_tables(db: AsyncSession, quarter: str, period: Period, *, key: str | None = None,
                        version: int | None = None) -> list[Table]:
    """The tables of every survey asked in the quarter (or of one, or of one version of it) that is active or
    has responses in the period or the one before."""
    previous = period.previous()
    tables: list[Table] = []
    number = 0
    for survey_key, versions in (await survey_versions(db, quarter)).items():
        if key is not None and survey_key != key:
            continue
        chosen = [survey for survey in versions if version is None or survey.version == version]
        if not chosen:
            continue
        this, before = await tally(db, chosen, span(months_within(period)), span(months_within(previous)))
        if key is None and not (this.responses or before.responses or any(survey.active for survey in chosen)):
            continue
        number += 1
        tables += tables_of_survey("survey" if number == 1 else f"survey{number}", chosen, this, before)
    return tables
