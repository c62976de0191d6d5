"""Where a resident stands in a survey, derived from their answers alone.

The position is not stored next to the resident: the next question is the first shown one
without a final answer, so a restart, a new device or a week's pause all continue correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.surveys.definition import Question, SurveyFile

ANSWERED = "answered"
SKIPPED = "skipped"
PICKING = "picking"  # a multiple choice with options ticked but not yet "done"


@dataclass(frozen=True)
class Answer:
    status: str
    value: Any = None

    @property
    def final(self) -> bool:
        return self.status in (ANSWERED, SKIPPED)


Answers = dict[str, Answer]


def is_shown(question: Question, answers: Answers) -> bool:
    condition = question.show_if
    if condition is None:
        return True
    answer = answers.get(condition.question)
    if answer is None or answer.status != ANSWERED:
        return False
    chosen = answer.value if isinstance(answer.value, list) else [answer.value]
    return any(value in condition.any_of for value in chosen)


def shown_questions(survey: SurveyFile, answers: Answers) -> list[Question]:
    return [question for question in survey.questions if is_shown(question, answers)]


def next_question(survey: SurveyFile, answers: Answers) -> Question | None:
    """The first shown question without a final answer; None when the survey is complete."""
    return next((question for question in shown_questions(survey, answers)
                 if not (question.key in answers and answers[question.key].final)), None)


def previous_question(survey: SurveyFile, answers: Answers, current: str) -> Question | None:
    shown = shown_questions(survey, answers)
    keys = [question.key for question in shown]
    if current not in keys:
        return None
    index = keys.index(current)
    return shown[index - 1] if index > 0 else None


def position(survey: SurveyFile, answers: Answers, current: str) -> tuple[int, int]:
    """("question 3 of 12"): the number of the current question and the expected total.

    Before a branching question is answered, the total assumes the longer branch, so the
    count never grows while the resident answers.
    """
    keys = [question.key for question in shown_questions(survey, answers)]
    number = keys.index(current) + 1 if current in keys else len(keys)
    return number, max(number, _expected_total(survey, answers))


def _expected_total(survey: SurveyFile, answers: Answers) -> int:
    undecided = next((question for question in shown_questions(survey, answers)
                      if _controls_others(survey, question.key)
                      and not (question.key in answers and answers[question.key].status == ANSWERED)), None)
    if undecided is None:
        return len(shown_questions(survey, answers))
    hypotheses: list[Any] = list(range(1, 6)) if undecided.kind == "scale" else undecided.option_keys()
    return max(_expected_total(survey, {**answers, undecided.key: Answer(ANSWERED, [value])})
               for value in hypotheses)


def _controls_others(survey: SurveyFile, key: str) -> bool:
    return any(question.show_if is not None and question.show_if.question == key for question in survey.questions)


def drop_hidden(survey: SurveyFile, answers: Answers) -> list[str]:
    """Answers to questions a changed earlier answer now hides; they are deleted on completion."""
    shown = {question.key for question in shown_questions(survey, answers)}
    return [key for key in answers if key not in shown]
