"""Answering a resident from the back office: a prepared answer in their language, an offer's or event's card,
or free text that staff write in German and send machine-translated after reviewing the translation (or send
as written, in German or in the resident's language if they speak it).

Each answer is stored and queued for the resident in one transaction by `bot/questions/delivery.py`. Every
form carries the id of the newest message it was made with; an answer from a form older than the conversation
is refused with what was typed kept, so a double click sends once and nobody answers past a new message
unseen. The question's row is locked while an answer is made, so two sent at once are checked one after the
other. A failing translation service never loses what was typed.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import record
from bot.i18n import Translator
from bot.questions import prepared, store
from bot.questions.delivery import send_answer
from bot.questions.models import ACTIVE, Question
from bot.questions.translation import into_language
from bot.translate import LibreTranslate, TranslationUnavailable, translation_configured
from bot.web.guard import Staff, guarded
from bot.web.questions import (
    AnswerForms,
    back_to,
    cards,
    closed_reason,
    conversation,
    not_found,
    the_question,
    too_long,
)

PREVIEW, SEND, PLAIN = "preview", "send", "plain"


def _web(request: Request) -> Any:
    return request.app.state.web.app


async def _checked(request: Request, staff: Staff, question: Question, form: FormData, forms: AnswerForms,
                   name: str) -> Response | None:
    """A refusal if the question takes no answers or the form is older than the conversation."""
    if question.status not in ACTIVE:
        forms.errors[name] = closed_reason(staff, question)
        return await conversation(request, staff, question, forms, 409)
    if str(form.get("after", "")) != str(store.last_message_id(question)):
        forms.errors[name] = staff.translator.gettext(
            "The conversation changed after you opened this page: a message came in, or this answer was already "
            "sent. Please read the conversation again; what you typed is kept below.")
        return await conversation(request, staff, question, forms, 409)
    return None


async def _send(request: Request, staff: Staff, question: Question, kind: str, text: str,
                prepared_id: int | None = None, **options: Any) -> None:
    now = _web(request).clock.now()
    message = await send_answer(staff.db, question, account_id=staff.account.id, text=text,
                                language=question.language, now=now, **options)
    after = {"message": message.id, "kind": kind, "status": question.status,
             "machine_translated": message.machine_translated}
    if message.card:
        after["card"] = message.card
    if prepared_id is not None:
        after["prepared"] = prepared_id
    record(staff.db, now, staff.actor, "question.answer", "question", question.id, after=after)


@guarded(Right.QUESTIONS)
async def send_prepared(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff, for_update=True)
    if question is None:
        return not_found(request, staff)
    form = await request.form()
    forms = AnswerForms()
    if (refused := await _checked(request, staff, question, form, forms, "prepared")) is not None:
        return refused
    settings = _web(request).settings
    row = await prepared.get(staff.db, settings.quarter, _int(form.get("prepared", "")))
    text = prepared.text_for(row, question.language) if row is not None and row.active else None
    if row is None or text is None:
        forms.errors["prepared"] = staff.translator.gettext(
            "This prepared answer is not written in the resident's language, or no longer in use.")
        return await conversation(request, staff, question, forms, 400)
    german = prepared.text_for(row, "de")
    resident = Translator.for_language(question.language, settings.zone)
    await _send(request, staff, question, "prepared", prepared.filled(text, question, settings, resident),
                german=None if german is None or german == text else prepared.filled(german, question, settings,
                                                                                     staff.translator),
                prepared_id=row.id)
    return back_to(question, "answer")


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@guarded(Right.QUESTIONS)
async def send_card(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff, for_update=True)
    if question is None:
        return not_found(request, staff)
    form = await request.form()
    forms = AnswerForms(card=str(form.get("card", "")), card_text=str(form.get("card_text", "")))
    if (refused := await _checked(request, staff, question, form, forms, "card")) is not None:
        return refused
    offers, events = await cards(request, staff, question.language)
    card = next((card for card in (*offers, *events) if card.value == forms.card), None)
    if card is None:
        forms.errors["card"] = staff.translator.gettext("Please choose an offer or a coming event.")
        return await conversation(request, staff, question, forms, 400)
    try:
        await _send(request, staff, question, "card", forms.card_text.strip() or card.title, card=card.value)
    except store.TooLong as error:
        forms.errors["card"] = too_long(staff, error)
        return await conversation(request, staff, question, forms, 400)
    return back_to(question, "answer")


@guarded(Right.QUESTIONS)
async def send_free(request: Request, staff: Staff) -> Response:
    """One form, three buttons: translate and preview, send the reviewed translation, send as written."""
    question = await the_question(request, staff, for_update=True)
    if question is None:
        return not_found(request, staff)
    form = await request.form()
    action = str(form.get("action", ""))
    german = str(form.get("german", ""))
    translation = str(form["translation"]) if action == SEND and "translation" in form else None
    forms = AnswerForms(german=german, translation=translation)
    if (refused := await _checked(request, staff, question, form, forms, "free")) is not None:
        return refused
    if not german.strip() or (action == SEND and not (translation or "").strip()):
        forms.errors["free"] = staff.translator.gettext("Please write the answer first.")
        return await conversation(request, staff, question, forms, 400)
    if action == PREVIEW:
        return await _preview(request, staff, question, forms)
    try:
        if action == SEND and translation is not None:
            await _send(request, staff, question, "free", translation, machine_translated=True, german=german.strip())
        elif action == PLAIN:
            await _send(request, staff, question, "free", german)
        else:
            forms.errors["free"] = staff.translator.gettext("Please use one of the buttons.")
            return await conversation(request, staff, question, forms, 400)
    except store.TooLong as error:
        forms.errors["free"] = too_long(staff, error)
        return await conversation(request, staff, question, forms, 400)
    return back_to(question, "answer")


async def _preview(request: Request, staff: Staff, question: Question, forms: AnswerForms) -> Response:
    settings = _web(request).settings
    if not translation_configured(settings):
        forms.errors["free"] = staff.translator.gettext(
            "No translation service is set up. Send the text as written, or use a prepared answer.")
        return await conversation(request, staff, question, forms, 400)
    await staff.pause()  # no transaction open while the service is asked
    try:
        async with LibreTranslate.from_settings(settings) as client:
            forms.translation = await into_language(client, forms.german.strip(), question.language)
    except TranslationUnavailable:
        forms.errors["free"] = staff.translator.gettext(
            "The translation service is not available just now. Your text is kept: try again in a moment, send "
            "it as written, or use a prepared answer.")
        return await conversation(request, staff, question, forms, 503)
    return await conversation(request, staff, question, forms)


ROUTES = [
    Route("/questions/{question_id:int}/prepared", send_prepared, methods=["POST"]),
    Route("/questions/{question_id:int}/card", send_card, methods=["POST"]),
    Route("/questions/{question_id:int}/answer", send_free, methods=["POST"]),
]
