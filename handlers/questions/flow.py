"""Ask the team: a resident writes a question in their language and gets a person's answer here, later.

Before they write, one short screen says who answers and when, that it is not for emergencies (with the
numbers), that their own language is fine, and, gently, that some topics are better talked about in person
or on an encrypted channel. Then one message is the question; the confirmation gives a short reference.
Answers arrive through the outbox (handlers/questions/notices.py) with "reply", "that helped" and "I still
need help".

Payloads (stable, short):
  ask:home                the screen before writing
  ask:write               write a new question (the next text is the question)
  ask:my                  my questions, newest first
  ask:q:<id>              one of my questions, with the conversation
  ask:add:<id>            add to it / reply (the next text goes into that conversation)
  ask:wd:<id> → ask:wdok:<id>   withdraw it (asked once)
  ask:ok:<id>             the answer helped: done
  ask:more:<id>           I still need help: the team is told at once, and the resident may say more
"""

from __future__ import annotations

import logging

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import Replies
from bot.questions.delivery import tell_staff
from bot.questions.help_lines import hours_text, numbers_text
from bot.questions.models import ACTIVE, DONE, NEW, OPEN, RESIDENT, WAITING, WITHDRAWN, Question
from bot.questions.store import (
    MAX_TEXT,
    QuestionClosed,
    TooLong,
    add_from_resident,
    ask,
    helped,
    own_question,
    questions_of,
    withdraw,
)
from handlers.questions.labels import ASK_LABEL, MY_QUESTIONS_LABEL

FLOW = "ask"
WRITE, ADD = "ask", "ask-add"  # the text flows: a new question, a message to an existing one
QUOTE_LENGTH = 80
SHOWN_QUESTIONS = 8
SHOWN_MESSAGES = 6
ENCRYPTED_CHANNELS = ("matrix",)
log = logging.getLogger(__name__)

def status_label(ctx: Context, status: str) -> str:
    labels = {NEW: ctx._("🕓 waiting for an answer"), OPEN: ctx._("🕓 the team is working on it"),
              WAITING: ctx._("💬 answered"), DONE: ctx._("✅ done"), WITHDRAWN: ctx._("✖ withdrawn")}
    return labels.get(status, status)


def quoted(text: str, length: int = QUOTE_LENGTH) -> str:
    line = " ".join(text.split())
    return "“" + (line if len(line) <= length else line[: length - 1].rstrip() + "…") + "”"


def before_writing(ctx: Context) -> Reply:
    settings, tr = ctx.settings, ctx.translator
    when = ctx.ngettext("The team of the Quartiersmanagement answers you here, usually within {days} working day.",
                        "The team of the Quartiersmanagement answers you here, usually within {days} working "
                        "days.", settings.questions_answer_days).format(days=settings.questions_answer_days)
    lines = [when, ctx._("Office hours:"), hours_text(tr, settings.office_hours), "",
             ctx._("You may write in your own language."), "",
             ctx._("⚠ Not for emergencies. Call:"), numbers_text(tr, settings.emergency_numbers), "",
             ctx._("About violence, health or your residence status, it is often better to talk in person or "
                   "by phone. Come to the Sprechstunde or call us.")]
    if ctx.incoming.channel not in ENCRYPTED_CHANNELS:
        lines.append(ctx._("Messages here are not end-to-end encrypted. For very personal matters, write to us "
                           "on Matrix (encrypted) or come in person."))
    choices = [Choice(ctx._("✍ Write my question"), f"{FLOW}:write"), Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my")]
    return ctx.reply("\n".join(lines), choices, title=ctx._(ASK_LABEL), route=f"{FLOW}:home")


def prompt(ctx: Context) -> Reply:
    ctx.expect_text(WRITE, numbers_are_answers=True)
    return ctx.reply(ctx._("Please write your question in one message, in your language. "
                           "Pictures cannot be read here: please describe a letter in words, or bring it "
                           "to the Sprechstunde."))


async def new_question(ctx: Context, text: str) -> Replies:
    try:
        question = await ask(ctx.session, resident_id=ctx.resident.id, quarter=ctx.settings.quarter,
                             channel=ctx.incoming.channel, language=ctx.translator.code, text=text,
                             now=ctx.clock.now())
    except TooLong as error:
        return [too_long(ctx, error, WRITE)]
    except ValueError:
        return [prompt(ctx)]
    await tell_staff(ctx.session, ctx.settings, question, question.messages[-1], ctx.clock.now())
    log.info("a resident asked a question (%s)", question.reference)
    text = ctx._("✅ Thank you. Your question has the reference {reference}. The team answers you here; "
                 "you do not need to do anything.").format(reference=question.reference)
    return [ctx.reply(text, [Choice(ctx._("➕ Add something"), f"{FLOW}:add:{question.id}"),
                             Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my")])]


def too_long(ctx: Context, error: TooLong, flow: str) -> Reply:
    ctx.expect_text(flow, numbers_are_answers=True)
    return ctx.reply(ctx._("This is too long ({length} characters). Please write at most {limit} characters, "
                           "or send it in two messages.").format(length=error.length, limit=MAX_TEXT))


async def my_questions(ctx: Context) -> Reply:
    questions = (await questions_of(ctx.session, ctx.resident.id))[:SHOWN_QUESTIONS]
    if not questions:
        return ctx.reply(ctx._("You have not asked the team anything yet."),
                         [Choice(ctx._(ASK_LABEL), f"{FLOW}:home")], route=f"{FLOW}:my")
    choices = [Choice(f"{question.reference} · {status_label(ctx, question.status)}", f"{FLOW}:q:{question.id}")
               for question in questions]
    choices.append(Choice(ctx._("✍ Write a new question"), f"{FLOW}:write"))
    return ctx.reply(ctx._("Your questions to the team. Choose one to see the answers."), choices,
                     title=ctx._(MY_QUESTIONS_LABEL), route=f"{FLOW}:my")


def conversation(ctx: Context, question: Question) -> Reply:
    lines = [f"{question.reference} · {status_label(ctx, question.status)}"]
    for message in question.messages[-SHOWN_MESSAGES:]:
        who = ctx._("You") if message.author == RESIDENT else ctx._("Team")
        text = quoted(message.text, 300)
        if message.machine_translated:
            text += " " + ctx._("(machine-translated)")
        lines.append(f"• {who}: {text}")
    choices = []
    if question.status in ACTIVE:
        label = ctx._("↩ Reply") if question.first_answer_at else ctx._("➕ Add something")
        choices.append(Choice(label, f"{FLOW}:add:{question.id}"))
    if question.status == WAITING:
        choices.append(Choice(ctx._("👍 That helped, thank you"), f"{FLOW}:ok:{question.id}"))
    if question.status in ACTIVE:
        choices.append(Choice(ctx._("✖ Withdraw the question"), f"{FLOW}:wd:{question.id}"))
    choices.append(Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my"))
    return ctx.reply("\n".join(lines), choices, route=f"{FLOW}:q:{question.id}")


async def one_question(ctx: Context, number: int) -> Reply:
    question = await own_question(ctx.session, ctx.resident.id, number)
    if question is None:
        raise StalePayload(f"{FLOW}:q")
    return conversation(ctx, question)


async def start_adding(ctx: Context, number: int) -> Reply:
    question = await own_question(ctx.session, ctx.resident.id, number)
    if question is None:
        raise StalePayload(f"{FLOW}:add")
    if question.status not in ACTIVE:
        return closed(ctx)
    ctx.states.get(FLOW)["question"] = question.id
    ctx.expect_text(ADD, numbers_are_answers=True)
    return ctx.reply(ctx._("Please write your message to the team about {reference}.").format(
        reference=question.reference))


def closed(ctx: Context) -> Reply:
    return ctx.reply(ctx._("This question is closed. If you need more help, please write a new question."),
                     [Choice(ctx._("✍ Write a new question"), f"{FLOW}:write"),
                      Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my")])


async def added(ctx: Context, text: str) -> Replies:
    number = ctx.states.get(FLOW).get("question")
    question = await own_question(ctx.session, ctx.resident.id, number) if isinstance(number, int) else None
    if question is None:
        return [prompt(ctx)]  # the question is gone (deleted after its time): this becomes a new one
    try:
        message = await add_from_resident(ctx.session, question, text=text, language=ctx.translator.code,
                                          now=ctx.clock.now())
    except QuestionClosed:
        return [closed(ctx)]
    except TooLong as error:
        return [too_long(ctx, error, ADD)]
    except ValueError:
        return [await start_adding(ctx, question.id)]
    ctx.states.get(FLOW).pop("question", None)
    await tell_staff(ctx.session, ctx.settings, question, message, ctx.clock.now())
    text = ctx._("✅ Sent to the team ({reference}). You get the answer here.").format(reference=question.reference)
    return [ctx.reply(text, [Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my")])]


def confirm_withdrawal(ctx: Context, number: int) -> Reply:
    return ctx.reply(ctx._("Withdraw this question? The team will not answer it then."),
                     [Choice(ctx._("Yes, withdraw"), f"{FLOW}:wdok:{number}"),
                      Choice(ctx._("No"), f"{FLOW}:q:{number}")])


async def withdrawn(ctx: Context, number: int) -> Replies:
    if not await withdraw(ctx.session, ctx.resident.id, number, ctx.clock.now()):
        return [await one_question(ctx, number)]  # closed meanwhile: show how it stands
    return [ctx.reply(ctx._("The question is withdrawn.")), await my_questions(ctx)]


async def that_helped(ctx: Context, number: int) -> Replies:
    if await helped(ctx.session, ctx.resident.id, number, ctx.clock.now()) is None:
        return [await one_question(ctx, number)]
    return [ctx.reply(ctx._("Thank you! We are glad we could help. You can ask again at any time."),
                      [Choice(ctx._(MY_QUESTIONS_LABEL), f"{FLOW}:my")])]


async def still_need_help(ctx: Context, number: int) -> Replies:
    """Said with one tap, so the team knows at once, even if the resident writes nothing more."""
    question = await own_question(ctx.session, ctx.resident.id, number)
    if question is None:
        raise StalePayload(f"{FLOW}:more")
    if question.status not in ACTIVE:
        return [closed(ctx)]
    message = await add_from_resident(ctx.session, question, text=ctx._("I still need help."),
                                      language=ctx.translator.code, now=ctx.clock.now())
    await tell_staff(ctx.session, ctx.settings, question, message, ctx.clock.now())
    ctx.states.get(FLOW)["question"] = question.id
    ctx.expect_text(ADD, numbers_are_answers=True)
    return [ctx.reply(ctx._("The team knows that you still need help. If you like, write what is still "
                            "unclear, and we will answer here."))]
