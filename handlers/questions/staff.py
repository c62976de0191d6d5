"""Answering residents' questions from a staff chat: `/answer F-XXXXX text`, or `/answer F-XXXXX` to choose a
prepared answer or write one. The answer goes the same way as from the back office (bot/questions/delivery.py),
so it lands in the same conversation and the inbox shows it.

Only the accounts in QB_STAFF_*_IDS get here; to anyone else /answer and `answer:` payloads do not exist.
Staff write German; when the resident's language is another and a translation service is configured, the
answer is machine-translated and marked so for the resident. Without a service, only an answer that is
already in the resident's language (or a prepared answer) is sent, so nobody gets German they cannot read.

Payloads:
  answer:p:<question>:<prepared>   send that prepared answer
"""

from __future__ import annotations

import logging

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Choice, Reply, row_id
from bot.conversation.router import Replies, Router
from bot.i18n import Translator
from bot.language_detection import detect
from bot.questions import prepared
from bot.questions.delivery import account_of_chat, send_answer
from bot.questions.models import ACTIVE, Question
from bot.questions.store import QuestionClosed, TooLong, by_reference, question_by_id
from bot.questions.translation import into_language, needs_german
from bot.staff import is_staff
from bot.translate import LibreTranslate, TranslationUnavailable, translation_configured

FLOW = "answer"
TEXT = "answer-text"
log = logging.getLogger(__name__)


def register(router: Router) -> None:
    async def command(ctx: Context, args: str) -> Replies:
        if not staff(ctx):
            assert router.help is not None
            return await router.help(ctx)
        return await answer_command(ctx, args)

    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        if not staff(ctx):
            assert router.help is not None
            return await router.help(ctx)
        match parts:
            case ["p", question, answer] if row_id(question) and row_id(answer):
                return [await send_prepared(ctx, int(question), int(answer))]
        raise StalePayload(":".join((FLOW, *parts)))

    async def typed(ctx: Context, text: str) -> Replies:
        number = ctx.states.get(FLOW).pop("question", None)
        question = await question_by_id(ctx.session, number) if isinstance(number, int) else None
        if question is None or question.quarter != ctx.settings.quarter or not staff(ctx):
            return [ctx.reply(ctx._("This question no longer exists."))]
        return [await send_free_text(ctx, question, text)]

    router.command("answer", command)  # no description: it stays out of the residents' command menus
    router.namespace(FLOW, on_payload)
    router.text_flow(TEXT, typed)


def staff(ctx: Context) -> bool:
    return is_staff(ctx.settings, ctx.incoming.channel, ctx.incoming.user_id)


def usage(ctx: Context) -> Reply:
    return ctx.reply(ctx._("Answer a question: /answer F-XXXXX and your text, or /answer F-XXXXX to choose a "
                           "prepared answer."))


async def answer_command(ctx: Context, args: str) -> Replies:
    reference, _, text = args.strip().partition(" ")
    if not reference:
        return [usage(ctx)]
    question = await by_reference(ctx.session, ctx.settings.quarter, reference)
    if question is None:
        return [ctx.reply(ctx._("There is no question {reference}.").format(reference=reference[:12])), usage(ctx)]
    if question.status not in ACTIVE:
        return [ctx.reply(ctx._("Question {reference} is closed.").format(reference=question.reference))]
    if text.strip():
        return [await send_free_text(ctx, question, text)]
    return [await choose(ctx, question)]


async def choose(ctx: Context, question: Question) -> Reply:
    """The prepared answers written in the resident's language, and a prompt to type one instead."""
    rows = await prepared.listed(ctx.session, ctx.settings.quarter, only_active=True)
    choices = [Choice(row.title[:60], f"{FLOW}:p:{question.id}:{row.id}") for row in rows
               if prepared.text_for(row, question.language)]
    ctx.states.get(FLOW)["question"] = question.id
    ctx.expect_text(TEXT, numbers_are_answers=not choices)
    text = ctx._("Question {reference} ({language}). Choose a prepared answer, or write your answer.").format(
        reference=question.reference, language=ctx.translator.language_name(question.language))
    return ctx.reply(text, choices)


async def send_prepared(ctx: Context, number: int, answer_id: int) -> Reply:
    question = await question_by_id(ctx.session, number)
    row = await prepared.get(ctx.session, ctx.settings.quarter, answer_id)
    text = prepared.text_for(row, question.language) if row is not None and question is not None else None
    if question is None or question.quarter != ctx.settings.quarter or text is None:
        raise StalePayload(f"{FLOW}:p")
    resident = Translator.for_language(question.language, ctx.settings.zone)
    return await _send(ctx, question, prepared.filled(text, question, ctx.settings, resident))


async def send_free_text(ctx: Context, question: Question, text: str) -> Reply:
    language = question.language
    if not needs_german(language) or detect(text) == language.split("@")[0]:
        return await _send(ctx, question, text)  # already in the resident's language
    if not translation_configured(ctx.settings):
        return ctx.reply(ctx._("Not sent: the resident reads {language}, and no translation service is "
                               "configured. Choose a prepared answer with /answer {reference}, or answer in the "
                               "back office.").format(language=ctx.translator.language_name(language),
                                                      reference=question.reference))
    try:
        async with LibreTranslate.from_settings(ctx.settings) as client:
            translated = await into_language(client, text, language)
    except TranslationUnavailable as error:
        log.warning("an answer from a staff chat was not translated: %s", error)
        return ctx.reply(ctx._("Not sent: the translation service is not available now. Please try again "
                               "later, or choose a prepared answer with /answer {reference}.").format(
            reference=question.reference))
    return await _send(ctx, question, translated, german=text)


async def _send(ctx: Context, question: Question, text: str, german: str | None = None) -> Reply:
    account = await account_of_chat(ctx.session, ctx.incoming.channel, ctx.incoming.user_id)
    try:
        await send_answer(ctx.session, question, account_id=account, text=text, language=question.language,
                          now=ctx.clock.now(), machine_translated=german is not None,
                          german=german if german is not None and german != text else None)
    except QuestionClosed:
        return ctx.reply(ctx._("Question {reference} is closed.").format(reference=question.reference))
    except TooLong:
        return ctx.reply(ctx._("This answer is too long. Please shorten it."))
    log.info("a staff chat answered question %s", question.reference)
    note = ctx._("✅ Answer to {reference} is on its way.").format(reference=question.reference)
    if german is not None:
        note += "\n" + ctx._("Sent machine-translated:") + "\n" + text
    return ctx.reply(note)


