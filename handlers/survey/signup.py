"""After the survey: residents who want to help organise something leave a way to reach them.

This is the one personal part of the survey, so it has its own consent, shown in full and
stored with its version and time, and it is written to a table of its own: nothing links a
sign-up to the anonymous answers; it is linked to the resident, who can see, withdraw and erase
it. Until it is saved, the contact stays in the flow state (an abandoned one is deleted, see
bot/privacy/retention.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.conversation.context import Context, StalePayload, on_top
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import Replies, ScreenHandler
from bot.surveys.definition import SurveyFile
from bot.surveys.progress import ANSWERED, Answers
from bot.surveys.signups import sign_up
from bot.surveys.store import LoadedSurvey
from handlers.survey.question import FLOW, text_of

CONTACT_LIMIT = 200
TOPIC_LIMIT = 300


def offered(definition: SurveyFile, answers: Answers) -> bool:
    signup = definition.signup
    if signup is None:
        return False
    answer = answers.get(signup.after_question)
    return answer is not None and answer.status == ANSWERED and answer.value in signup.when


def pending(state: dict[str, Any], survey_key: str) -> bool:
    return state.get("survey") == survey_key and isinstance(state.get("signup"), dict)


def invite(ctx: Context, survey: LoadedSurvey) -> Reply:
    assert survey.definition.signup is not None
    ctx.states.get(FLOW).update(survey=survey.key, signup={"step": "consent"})
    choices = [Choice(ctx._("✔ Yes, I agree"), f"{FLOW}:su:yes"), Choice(ctx._("No, thank you"), f"{FLOW}:su:no")]
    return ctx.reply(text_of(survey.definition.signup.consent, ctx), choices)


async def resume(ctx: Context, survey: LoadedSurvey) -> Replies:
    step = ctx.states.get(FLOW)["signup"].get("step")
    if step == "contact":
        return [ask_contact(ctx)]
    if step == "topic":
        return [ask_topic(ctx)]
    return [invite(ctx, survey)]


def ask_contact(ctx: Context, problem: str = "") -> Reply:
    ctx.expect_text(FLOW)
    text = ctx._("How can the team reach you? Please type your name and a phone number or e-mail address.")
    return ctx.reply(f"{problem}\n\n{text}" if problem else text)


def ask_topic(ctx: Context, problem: str = "") -> Reply:
    ctx.expect_text(FLOW)
    text = ctx._("What would you like to help with? A few words are enough.")
    return ctx.reply(f"{problem}\n\n{text}" if problem else text, [Choice(ctx._("⏭ Skip"), f"{FLOW}:su:skip")])


async def on_step(ctx: Context, step: str, survey: LoadedSurvey, menu: ScreenHandler) -> Replies:
    state = ctx.states.get(FLOW)
    signup = state.get("signup")
    current = signup.get("step") if isinstance(signup, dict) else None
    match step, current:
        case "yes", "consent":
            state["signup"] = {"step": "contact", "consented_at": ctx.clock.now().isoformat()}
            return [ask_contact(ctx)]
        case "no", "consent":
            ctx.states.clear(FLOW)
            return on_top(ctx.reply(ctx._("All right. Thank you for taking part!")), await menu(ctx))
        case "skip", "topic":
            return await save(ctx, survey, "", menu)
    raise StalePayload(f"{FLOW}:su:{step}")


async def on_text(ctx: Context, text: str, survey: LoadedSurvey, menu: ScreenHandler) -> Replies:
    state = ctx.states.get(FLOW)
    signup = state["signup"]
    typed = " ".join(text.split())
    if signup.get("step") == "contact":
        if len(typed) < 3 or len(typed) > CONTACT_LIMIT:
            return [ask_contact(ctx, _length_problem(ctx, typed, CONTACT_LIMIT))]
        signup.update(step="topic", contact=typed)
        return [ask_topic(ctx)]
    if signup.get("step") == "topic":
        if len(typed) > TOPIC_LIMIT:
            return [ask_topic(ctx, _length_problem(ctx, typed, TOPIC_LIMIT))]
        return await save(ctx, survey, typed, menu)
    return await resume(ctx, survey)  # consent is given by button (or its number) only


async def save(ctx: Context, survey: LoadedSurvey, topic: str, menu: ScreenHandler) -> Replies:
    signup = ctx.states.get(FLOW)["signup"]
    ctx.states.clear(FLOW)
    assert survey.definition.signup is not None
    await sign_up(ctx.session, survey_id=survey.id, resident_id=ctx.resident.id, contact=signup["contact"],
                  topic=topic, language=ctx.translator.code, consent_version=survey.definition.signup.consent_version,
                  consented_at=dt.datetime.fromisoformat(signup["consented_at"]))
    return on_top(ctx.reply(ctx._("Thank you! Someone from the team will get in touch with you.")), await menu(ctx))


def _length_problem(ctx: Context, typed: str, limit: int) -> str:
    if len(typed) > limit:
        return ctx._("Your text is {length} characters long. Please shorten it to at most {limit} characters."
                     ).format(length=len(typed), limit=limit)
    return ctx._("Please type a few words, or tap “Skip”.") if limit == TOPIC_LIMIT else ctx._(
        "That is too short for us to reach you.")
