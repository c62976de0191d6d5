"""The texts of "Ask the team" messages the outbox sends, written when sent: a staff answer for the resident, in
their language, and the notice of a new question for staff, without its content.

An answer is dropped (with its reason, shown to staff beside it) only when its question is gone, erased with
the resident; a withdrawn or closed question still gets an answer that was written before.
"""

from __future__ import annotations

from bot.conversation.context import isolate_direction
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import Router
from bot.outbox.dispatcher import Notice
from bot.questions.cards import event_card, offer_card
from bot.questions.delivery import ANSWER, STAFF_NOTICE
from bot.questions.models import ACTIVE, RESIDENT, Question
from bot.questions.store import message_of, question_by_id
from handlers.events.card import card_text, title
from handlers.questions.flow import FLOW, quoted

GONE = "the question no longer exists"


def register(router: Router) -> None:
    router.notification(ANSWER, answer)
    router.notification(STAFF_NOTICE, staff_notice)


def first_words(question: Question) -> str:
    first = next((message for message in question.messages if message.author == RESIDENT), None)
    return quoted(first.text) if first is not None else ""


async def answer(notice: Notice) -> list[Reply] | str:
    question = await question_by_id(notice.session, notice.payload["question"])
    message = await message_of(notice.session, notice.payload["question"], notice.payload["message"])
    if question is None or message is None:
        return GONE
    tr = notice.translator
    heading = "💬 " + tr.gettext("Answer from the team ({reference})").format(reference=question.reference)
    lines = [tr.gettext("Your question: {question}").format(question=first_words(question)), "", message.text]
    if message.machine_translated:
        lines.append("\n" + tr.gettext("(This answer was translated by a machine. If something is unclear, "
                                       "please ask.)"))
    choices: list[Choice] = []
    if message.card:
        kind, _, name = message.card.partition(":")
        lines.append("")
        if kind == "offer" and (offer := await offer_card(notice.session, question.quarter, name, tr.code)):
            lines.append(f"📌 {offer.title}\n{offer.summary}")
            choices.append(Choice(tr.gettext("📌 Show the offer"), f"offers:o:{offer.key}"))
        elif kind == "event" and name.isdigit() and (
                event := await event_card(notice.session, question.quarter, int(name), notice.now,
                                          notice.settings.zone)):
            lines.append(f"📅 {title(tr, event.event)}\n{card_text(tr, event.event, event.occurrence, None)}")
            route = f"events:e:{event.event.id}:{event.occurrence.date}"
            choices.append(Choice(tr.gettext("📅 Show the event"), route))
        else:
            lines.append(tr.gettext("(The offer or event we wanted to show you is no longer available.)"))
    if question.status in ACTIVE:
        choices += [Choice(tr.gettext("↩ Reply"), f"{FLOW}:add:{question.id}"),
                    Choice(tr.gettext("👍 That helped, thank you"), f"{FLOW}:ok:{question.id}"),
                    Choice(tr.gettext("🆘 I still need help"), f"{FLOW}:more:{question.id}")]
    reply = Reply(text="\n".join(lines), title=heading, choices=tuple(choices), right_to_left=tr.right_to_left)
    return [isolate_direction(reply)]


async def staff_notice(notice: Notice) -> list[Reply] | str:
    question = await question_by_id(notice.session, notice.payload["question"])
    if question is None:
        return GONE
    if question.status not in ACTIVE:
        return "the question is closed"
    tr = notice.translator
    language = tr.language_name(question.language)
    first = question.messages[0].id == notice.payload["message"] if question.messages else True
    if first:
        text = tr.gettext("📨 New question {reference} ({language}, {channel}).").format(
            reference=question.reference, language=language, channel=question.channel)
    else:
        text = tr.gettext("📨 New message on question {reference} ({language}, {channel}).").format(
            reference=question.reference, language=language, channel=question.channel)
    text += "\n" + tr.gettext("Answer in the back office, or here: /answer {reference} and your text.").format(
        reference=question.reference)
    return [isolate_direction(Reply(text=text, right_to_left=tr.right_to_left))]
