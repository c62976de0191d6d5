"""The needs survey (Bedarfsabfrage): introduction, questions, back and skip, completion.

Answers are written as they are given, so leaving or a restart loses nothing. While the
resident answers, the response is linked to them; on completion the link is cut and only the
fact of taking part stays (see bot/surveys/store.py). The flow state keeps only which survey is
open and, after "back", which question is shown; never an answer, and it is cleared on completion.

Payloads (stable, short; question and option keys are at most 24 characters):
  survey:open              the survey (introduction, continue, or "already taken part")
  survey:i:<survey>        one survey's introduction, when several are active
  survey:go:<survey>       start or continue
  survey:new:<survey>      start again (forget the unfinished answers)
  survey:a:<q>:<value>     answer a single choice, yes/no or scale question
  survey:t:<q>:<option>    tick or untick an option of a multiple choice question
  survey:d:<q>             done with a multiple choice question
  survey:s:<q> / :b:<q>    skip / back
  survey:su:<step>         the contact sign-up (see handlers/survey_signup.py)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.context import Context, StalePayload, on_top
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import MenuEntry, Replies, Router, ScreenHandler
from bot.i18n import N_
from bot.surveys.definition import SCALE, YES_NO, Question
from bot.surveys.models import SurveyResponse
from bot.surveys.progress import (
    ANSWERED,
    PICKING,
    SKIPPED,
    Answers,
    drop_hidden,
    next_question,
    position,
    previous_question,
    shown_questions,
)
from bot.surveys.store import (
    LoadedSurvey,
    SurveyCatalog,
    answers_of,
    complete_response,
    find_response,
    has_taken_part,
    put_answer,
    remove_answers,
    start_response,
)
from handlers.survey import signup as survey_signup
from handlers.survey.question import FLOW, check_typed, question_screen, text_of


@dataclass
class Progress:
    survey: LoadedSurvey
    response: SurveyResponse
    answers: Answers


class TakenPart(Exception):
    """The resident completed this survey version; its answers can no longer be reached from them."""

    def __init__(self, survey: LoadedSurvey) -> None:
        super().__init__(survey.key)
        self.survey = survey


def register(router: Router) -> None:
    def menu() -> ScreenHandler:
        assert router.main_menu is not None
        return router.main_menu

    async def open_survey(ctx: Context, args: str = "") -> Replies:
        surveys = await ctx.services.get(SurveyCatalog).active(ctx.session, ctx.settings.quarter)
        if not surveys:
            return [ctx.reply(ctx._("There is no survey at the moment. Thank you for your interest!")),
                    *await menu()(ctx)]
        if len(surveys) > 1:
            choices = [Choice(text_of(survey.definition.title, ctx), f"{FLOW}:i:{survey.key}") for survey in surveys]
            return [ctx.reply(ctx._("Which survey would you like to answer?"), choices, route=f"{FLOW}:open")]
        return await introduce(ctx, surveys[0])

    async def introduce(ctx: Context, survey: LoadedSurvey) -> Replies:
        state = ctx.states.get(FLOW)
        if survey_signup.pending(state, survey.key):
            return await survey_signup.resume(ctx, survey)
        title = text_of(survey.definition.title, ctx)
        if await has_taken_part(ctx.session, survey.id, ctx.resident.id):
            return on_top(ctx.reply(ctx._("You have already taken part in this survey. Thank you!"), title=title),
                          await menu()(ctx))
        response = await find_response(ctx.session, survey.id, ctx.resident.id)
        answers = answers_of(response)
        if response is not None and answers:
            upcoming = next_question(survey.definition, answers)
            number, total = position(survey.definition, answers, upcoming.key if upcoming else "")
            text = ctx._("You have started this survey before: {answered} of about {total} questions are answered. "
                         "Continue where you stopped?").format(answered=number - 1, total=total)
            return [ctx.reply(text, [Choice(ctx._("▶ Continue"), f"{FLOW}:go:{survey.key}"),
                                     Choice(ctx._("↺ Start again"), f"{FLOW}:new:{survey.key}")],
                              title=title, route=f"{FLOW}:open")]
        return [ctx.reply(text_of(survey.definition.introduction, ctx),
                          [Choice(ctx._("▶ Start the survey"), f"{FLOW}:go:{survey.key}")],
                          title=title, route=f"{FLOW}:open")]

    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        try:
            return await on_survey_payload(ctx, parts)
        except TakenPart as done:
            return await introduce(ctx, done.survey)

    async def on_survey_payload(ctx: Context, parts: list[str]) -> Replies:
        match parts:
            case ["open"]:
                return await open_survey(ctx)
            case ["i", key]:
                return await introduce(ctx, await survey_named(ctx, key))
            case ["go" | "new" as how, key]:
                progress = await begin(ctx, await survey_named(ctx, key))
                if how == "new":
                    await remove_answers(ctx.session, progress.response, list(progress.answers))
                    progress.answers = {}
                return await ask_next(ctx, progress)
            case ["su", step]:
                return await survey_signup.on_step(ctx, step, await survey_named(ctx, current_key(ctx)), menu())
            case [action, question_key, *rest] if action in ("a", "t", "d", "s", "b"):
                progress = await resume(ctx)
                question = shown(progress, question_key, ":".join((FLOW, *parts)))
                return await act(ctx, progress, question, action, rest)
        raise StalePayload(":".join((FLOW, *parts)))

    async def act(ctx: Context, progress: Progress, question: Question, action: str, rest: list[str]) -> Replies:
        state = ctx.states.get(FLOW)
        match action, rest:
            case "a", [value] if question.kind in ("single", "yes_no", "scale"):
                stored = parse_option(question, value, ":".join((FLOW, action, question.key, value)))
                record(ctx, progress, question, ANSWERED, stored)
            case "t", [option] if question.kind == "multiple" and option in question.option_keys():
                answer = progress.answers.get(question.key)
                picked = list(answer.value or []) if answer and answer.status in (ANSWERED, PICKING) else []
                picked = [key for key in picked if key != option] if option in picked else [*picked, option]
                ordered = [key for key in question.option_keys() if key in picked]
                record(ctx, progress, question, PICKING, ordered)
                state["at"] = question.key  # stay on this question until "done"
                return [screen(ctx, progress, question, edit=True)]
            case "d", [] if question.kind == "multiple":
                answer = progress.answers.get(question.key)
                picked = answer.value if answer and answer.status in (ANSWERED, PICKING) else []
                if not picked and not question.optional:
                    state["at"] = question.key
                    return [screen(ctx, progress, question, problem=ctx._("Please choose at least one answer."))]
                record(ctx, progress, question, ANSWERED if picked else SKIPPED, picked or None)
            case "s", [] if question.optional:
                record(ctx, progress, question, SKIPPED)
            case "b", []:
                previous = previous_question(progress.survey.definition, progress.answers, question.key)
                if previous is None:
                    raise StalePayload(f"{FLOW}:b:{question.key}")
                state["at"] = previous.key
                return [screen(ctx, progress, previous)]
            case _:
                raise StalePayload(":".join((FLOW, action, question.key, *rest)))
        state.pop("at", None)
        return await ask_next(ctx, progress)

    async def on_text(ctx: Context, text: str) -> Replies:
        state = ctx.states.get(FLOW)
        key = current_key(ctx)
        if survey_signup.pending(state, key):
            return await survey_signup.on_text(ctx, text, await survey_named(ctx, key), menu())
        try:
            progress = await resume(ctx)
        except TakenPart as done:
            return await introduce(ctx, done.survey)
        question = current_question(ctx, progress)
        if question is None:
            return await ask_next(ctx, progress)
        checked = check_typed(ctx, question, text)
        if checked.problem:
            return [screen(ctx, progress, question, problem=checked.problem)]
        record(ctx, progress, question, ANSWERED, checked.value)
        state.pop("at", None)
        return await ask_next(ctx, progress)

    async def ask_next(ctx: Context, progress: Progress) -> Replies:
        question = next_question(progress.survey.definition, progress.answers)
        if question is None:
            return await complete(ctx, progress)
        return [screen(ctx, progress, question)]

    async def complete(ctx: Context, progress: Progress) -> Replies:
        definition = progress.survey.definition
        await remove_answers(ctx.session, progress.response, drop_hidden(definition, progress.answers))
        await complete_response(ctx.session, progress.response, ctx.resident.id,
                                ctx.clock.now().astimezone(ctx.settings.zone).date())
        ctx.states.clear(FLOW)  # nothing of the survey stays next to the resident, not even its branch
        thanks = ctx.reply(text_of(definition.closing, ctx), title=text_of(definition.title, ctx))
        if survey_signup.offered(definition, progress.answers):
            return on_top(thanks, [survey_signup.invite(ctx, progress.survey)])
        return on_top(thanks, await menu()(ctx))

    router.command("survey", open_survey, deep_link=True, description=N_("Needs survey"))
    router.command("umfrage", open_survey, deep_link=True)
    router.namespace(FLOW, on_payload)
    router.text_flow(FLOW, on_text)
    router.menu_entry(MenuEntry(30, N_("📝 Needs survey"), f"{FLOW}:open"))


def current_key(ctx: Context) -> str:
    key = ctx.states.get(FLOW).get("survey")
    if not isinstance(key, str):
        raise StalePayload(f"{FLOW}: no survey open")
    return key


async def survey_named(ctx: Context, key: str) -> LoadedSurvey:
    survey = await ctx.services.get(SurveyCatalog).find(ctx.session, ctx.settings.quarter, key)
    if survey is None:
        raise StalePayload(f"{FLOW}: survey {key!r} is not active")
    return survey


async def begin(ctx: Context, survey: LoadedSurvey) -> Progress:
    if await has_taken_part(ctx.session, survey.id, ctx.resident.id):
        raise TakenPart(survey)
    today = ctx.clock.now().astimezone(ctx.settings.zone).date()
    response = await start_response(ctx.session, survey.id, ctx.resident.id, ctx.translator.code, today)
    ctx.states.get(FLOW).update(survey=survey.key)
    ctx.states.get(FLOW).pop("at", None)
    return Progress(survey, response, answers_of(response))


async def resume(ctx: Context) -> Progress:
    """The open survey's response; a button from another survey version is outdated.

    After completion the flow state is gone, so a button pressed then belongs to the only active
    survey, if there is just one (the resident hears they have taken part).
    """
    key = ctx.states.get(FLOW).get("survey")
    if not isinstance(key, str):
        active = await ctx.services.get(SurveyCatalog).active(ctx.session, ctx.settings.quarter)
        key = active[0].key if len(active) == 1 else current_key(ctx)
    survey = await survey_named(ctx, key)
    response = await find_response(ctx.session, survey.id, ctx.resident.id)
    if response is None:
        if await has_taken_part(ctx.session, survey.id, ctx.resident.id):
            raise TakenPart(survey)
        raise StalePayload(f"{FLOW}: no response to {survey.key!r} version {survey.version}")
    return Progress(survey, response, answers_of(response))


def shown(progress: Progress, key: str, payload: str) -> Question:
    question = progress.survey.definition.question(key)
    if question is None or question not in shown_questions(progress.survey.definition, progress.answers):
        raise StalePayload(payload)
    return question


def current_question(ctx: Context, progress: Progress) -> Question | None:
    at = ctx.states.get(FLOW).get("at")
    definition = progress.survey.definition
    if isinstance(at, str):
        question = definition.question(at)
        if question is not None and question in shown_questions(definition, progress.answers):
            return question
    return next_question(definition, progress.answers)


def parse_option(question: Question, value: str, payload: str) -> object:
    if question.kind == "scale":
        if value.isdigit() and value.isascii() and int(value) in SCALE:
            return int(value)
    elif value in (YES_NO if question.kind == "yes_no" else question.option_keys()):
        return value
    raise StalePayload(payload)


def record(ctx: Context, progress: Progress, question: Question, status: str, value: object = None) -> None:
    language = ctx.translator.code if question.kind == "text" and status == ANSWERED else None
    put_answer(progress.response, question.key, status, value, language)
    progress.answers = answers_of(progress.response)
    progress.response.language = ctx.translator.code
    progress.response.updated_on = ctx.clock.now().astimezone(ctx.settings.zone).date()


def screen(ctx: Context, progress: Progress, question: Question, *, edit: bool = False, problem: str = "") -> Reply:
    definition = progress.survey.definition
    number, total = position(definition, progress.answers, question.key)
    has_previous = previous_question(definition, progress.answers, question.key) is not None
    return question_screen(ctx, definition, question, progress.answers.get(question.key), number, total,
                           has_previous=has_previous, edit=edit, problem=problem)
