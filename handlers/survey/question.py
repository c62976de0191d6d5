"""One survey question on screen, and a typed answer checked against it.

Every kind can be answered by buttons or by typing (a number picks a button; for number and
text questions the typed words are the answer), so the survey works on every channel and
for residents who cannot tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.conversation.context import Context
from bot.conversation.messages import Choice, Reply
from bot.surveys.definition import SCALE, YES_NO, Question, SurveyFile
from bot.surveys.progress import ANSWERED, PICKING, Answer

FLOW = "survey"


def text_of(texts: dict[str, str], ctx: Context) -> str:
    """Survey texts exist in every language (checked at import); German if one was disabled since."""
    return texts.get(ctx.translator.code) or texts["de"]


def question_screen(ctx: Context, survey: SurveyFile, question: Question, answer: Answer | None,
                    number: int, total: int, *, has_previous: bool, edit: bool = False,
                    problem: str = "") -> Reply:
    lines = [ctx._("Question {number} of {total}").format(number=number, total=total), "",
             text_of(question.text, ctx)]
    hint = _hint(ctx, question)
    if hint:
        lines += ["", hint]
    if answer is not None and answer.status == ANSWERED and question.kind in ("number", "text"):
        lines += ["", ctx._("Your answer so far: {answer}").format(answer=answer.value)]
    if problem:
        lines = [problem, "", *lines]
    choices = [*_answer_choices(ctx, question, answer)]
    if question.optional:
        choices.append(Choice(ctx._("⏭ Skip"), f"{FLOW}:s:{question.key}"))
    if has_previous:
        choices.append(Choice(ctx._("◀ Back"), f"{FLOW}:b:{question.key}"))
    typed = question.kind in ("number", "text")  # the answer is typed: a typed "2" is that answer
    ctx.expect_text(FLOW, numbers_are_answers=typed)
    return ctx.reply("\n".join(lines), choices, edit=edit, numbered=not typed)


def _hint(ctx: Context, question: Question) -> str:
    if question.kind == "multiple":
        return ctx._("Tap everything that fits, then “Done”.")
    if question.kind == "number":
        return ctx._("Please type a number from {minimum} to {maximum}.").format(
            minimum=question.minimum, maximum=question.maximum)
    if question.kind == "text":
        return ctx._("Please type your answer (at most {limit} characters).").format(limit=question.max_length)
    return ""


def _answer_choices(ctx: Context, question: Question, answer: Answer | None) -> list[Choice]:
    given: list[Any] = []
    if answer is not None and answer.status in (ANSWERED, PICKING):
        given = answer.value if isinstance(answer.value, list) else [answer.value]
    key = question.key
    if question.kind == "single":
        return [Choice(text_of(option.text, ctx), f"{FLOW}:a:{key}:{option.key}", option.key in given or None)
                for option in question.options]
    if question.kind == "yes_no":
        labels = {"yes": ctx._("Yes"), "no": ctx._("No")}
        return [Choice(labels[value], f"{FLOW}:a:{key}:{value}", value in given or None) for value in YES_NO]
    if question.kind == "scale":
        return [Choice(str(value), f"{FLOW}:a:{key}:{value}", value in given or None) for value in SCALE]
    if question.kind == "multiple":
        toggles = [Choice(text_of(option.text, ctx), f"{FLOW}:t:{key}:{option.key}", option.key in given)
                   for option in question.options]
        return [*toggles, Choice(ctx._("✔ Done"), f"{FLOW}:d:{key}")]
    return []


@dataclass(frozen=True)
class Checked:
    """A typed answer: the value to store, or the problem to tell the resident."""

    value: Any = None
    problem: str = ""


def check_typed(ctx: Context, question: Question, text: str) -> Checked:
    typed = " ".join(text.split())
    if question.kind == "number":
        assert question.minimum is not None and question.maximum is not None
        bounds = {"minimum": question.minimum, "maximum": question.maximum}
        digits = typed.replace(" ", "")
        # int() also reads Arabic-Indic and other Unicode digits; the length cap keeps it cheap.
        if not digits.isdecimal() or len(digits) > 6:
            return Checked(problem=ctx._("Please type only a number, for example 2.") + " " +
                           ctx._("Please type a number from {minimum} to {maximum}.").format(**bounds))
        value = int(digits)
        if not question.minimum <= value <= question.maximum:
            return Checked(problem=ctx._("{number} is not possible here. Please type a number from {minimum} "
                                         "to {maximum}.").format(number=value, **bounds))
        return Checked(value)
    if question.kind == "text":
        text = text.strip()
        if not text:
            return Checked(problem=ctx._("Please type a few words, or tap “Skip”."))
        if len(text) > question.max_length:
            return Checked(problem=ctx._("Your text is {length} characters long. Please shorten it to at most "
                                         "{limit} characters.").format(length=len(text), limit=question.max_length))
        return Checked(text)
    return Checked(problem=ctx._("Please choose one of the answers: tap it or type its number."))
