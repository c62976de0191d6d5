"""A survey as staff write it in YAML, checked completely before anything is stored.

Every resident must be able to answer in their own language, so every text must exist in
every language the bot speaks; conditions must point to earlier choice questions and their
real options. All problems are collected, so staff fix them in one go.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from bot.content.schema import ReviewMarks, Unreviewed
from bot.languages import CONTENT_LANGUAGE_CODES

# Short keys keep button payloads ("survey:t:<question>:<option>") within Telegram's 64 bytes.
SurveyKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,23}$")]
Texts = dict[str, Annotated[str, Field(min_length=1, max_length=1500)]]
Kind = Literal["single", "multiple", "scale", "yes_no", "number", "text"]
CHOICE_KINDS = ("single", "multiple", "yes_no")
YES_NO = ("yes", "no")
SCALE = range(1, 6)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    key: SurveyKey
    text: Texts


class Condition(_Strict):
    """Show a question only if an earlier answer is one of `any_of` (for multiple choice: contains one)."""

    question: SurveyKey
    any_of: list[SurveyKey | int] = Field(min_length=1)


class Question(_Strict):
    key: SurveyKey
    kind: Kind
    text: Texts
    optional: bool = False
    options: list[Option] = []
    minimum: int | None = None  # number
    maximum: int | None = None  # number
    max_length: Annotated[int, Field(ge=1, le=2000)] = 500  # text
    show_if: Condition | None = None
    # A free-text question whose answers the survey promises may be read in the figures (the question's text
    # should say so to the resident). Part of what an answer means: changing it after answers makes a new
    # version, so a text written under "not shown" is never shown.
    show_answers: bool = False

    @model_serializer(mode="wrap")
    def _show_answers_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Absent when false, so surveys written before it keep their digest and their version."""
        data = handler(self)
        if not self.show_answers and isinstance(data, dict):
            data.pop("show_answers", None)
        return data

    def option_keys(self) -> list[str]:
        if self.kind == "yes_no":
            return list(YES_NO)
        return [option.key for option in self.options]


class Segment(_Strict):
    """How results are split, e.g. newcomers against old-established residents."""

    question: SurveyKey
    groups: dict[SurveyKey, list[SurveyKey]] = Field(min_length=1)


class Signup(_Strict):
    """The optional contact sign-up offered after the answers, with its own consent text."""

    after_question: SurveyKey
    when: list[SurveyKey] = Field(min_length=1)
    consent_version: Annotated[int, Field(ge=1)]
    consent: Texts


class SurveyFile(ReviewMarks):
    key: SurveyKey
    example_data: bool = False
    retention_months: Annotated[int, Field(ge=1, le=120)] = 24
    # The languages whose whole text was made with machine help or not by a native speaker (`unreviewed: [ru,
    # pl]`): a survey is translated as one piece. Absent: all checked. Not part of what an answer means.
    unreviewed: Unreviewed = ()
    title: Texts
    introduction: Texts
    closing: Texts
    segment: Segment | None = None
    signup: Signup | None = None
    questions: list[Question] = Field(min_length=1)

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)


def unreviewed_in(definition: dict[str, Any]) -> tuple[str, ...]:
    """The languages a stored definition (a `SurveyFile` dumped) marks as still to be checked, in the bot's order."""
    return tuple(definition.get("unreviewed", ()))


def definition_errors(survey: SurveyFile) -> list[str]:
    """What pydantic cannot see: references between questions, duplicates, missing translations."""
    errors = _translation_errors(survey)
    keys = [question.key for question in survey.questions]
    errors += [f"questions: key {key!r} appears {count} times" for key, count in Counter(keys).items() if count > 1]
    seen: dict[str, Question] = {}
    for question in survey.questions:
        errors += _question_errors(question, seen)
        seen[question.key] = question
    by_key = {question.key: question for question in survey.questions}
    if survey.segment is not None:
        errors += _reference_errors("segment", survey.segment.question,
                                    [key for keys in survey.segment.groups.values() for key in keys], by_key)
    if survey.signup is not None:
        errors += _reference_errors("signup", survey.signup.after_question, list(survey.signup.when), by_key)
    return errors


def _question_errors(question: Question, earlier: dict[str, Question]) -> list[str]:
    where = f"questions.{question.key}"
    errors = []
    if question.kind in ("single", "multiple"):
        if len(question.options) < 2:
            errors.append(f"{where}: a {question.kind} choice needs at least two options")
        duplicates = Counter(option.key for option in question.options)
        errors += [f"{where}: option key {key!r} appears {count} times" for key, count in duplicates.items()
                   if count > 1]
    elif question.options:
        errors.append(f"{where}: only single and multiple choice questions have options")
    if question.kind == "number":
        if question.minimum is None or question.maximum is None:
            errors.append(f"{where}: a number question needs minimum and maximum")
        elif question.maximum <= question.minimum:
            errors.append(f"{where}: maximum must be greater than minimum")
    elif question.minimum is not None or question.maximum is not None:
        errors.append(f"{where}: only number questions have minimum and maximum")
    if question.show_answers and question.kind != "text":
        errors.append(f"{where}: only text questions have show_answers")
    if question.kind == "text" and not question.optional:
        errors.append(f"{where}: free text questions must be optional")
    if question.show_if is not None:
        condition = question.show_if
        target = earlier.get(condition.question)
        if target is None:
            errors.append(f"{where}: show_if: unknown or later question {condition.question!r}")
        elif target.kind not in (*CHOICE_KINDS, "scale"):
            errors.append(f"{where}: show_if: {condition.question!r} is not a choice or scale question")
        else:
            allowed: list[Any] = list(SCALE) if target.kind == "scale" else target.option_keys()
            errors += [f"{where}: show_if: {condition.question!r} has no option {value!r}"
                       for value in condition.any_of if value not in allowed]
    return errors


def _reference_errors(where: str, question_key: str, options: list[str], by_key: dict[str, Question]) -> list[str]:
    question = by_key.get(question_key)
    if question is None:
        return [f"{where}: unknown question {question_key!r}"]
    if question.kind not in CHOICE_KINDS:
        return [f"{where}: {question_key!r} is not a choice question"]
    return [f"{where}: {question_key!r} has no option {option!r}" for option in options
            if option not in question.option_keys()]


def all_texts(survey: SurveyFile) -> list[tuple[str, dict[str, str]]]:
    """Every translated text of the survey, named by where it is, in the file's order."""
    texts: list[tuple[str, dict[str, str]]] = [
        ("title", survey.title), ("introduction", survey.introduction), ("closing", survey.closing),
    ]
    if survey.signup is not None:
        texts.append(("signup.consent", survey.signup.consent))
    for question in survey.questions:
        texts.append((f"questions.{question.key}.text", question.text))
        texts += [(f"questions.{question.key}.options.{option.key}", option.text) for option in question.options]
    return texts


def _translation_errors(survey: SurveyFile) -> list[str]:
    """Every text in every language: a resident must never meet a question they cannot read."""
    errors = []
    for where, text in all_texts(survey):
        missing = [code for code in CONTENT_LANGUAGE_CODES if code not in text]
        unknown = sorted(set(text) - set(CONTENT_LANGUAGE_CODES))
        if missing:
            errors.append(f"{where}: missing translation(s): {', '.join(missing)}")
        if unknown:
            errors.append(f"{where}: unknown language code(s): {', '.join(unknown)}")
    return errors
