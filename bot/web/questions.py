"""Residents' questions in the back office (issue 15 "Ask the team"): the inbox, one conversation with the
German beside the resident's words, internal notes, taking a question and closing it with a topic.

Every action calls `bot/questions/` (the same functions as the staff's chat), and each is in the audit log by
ids and states only: nothing a resident wrote goes into it. Everything a resident wrote is shown escaped. The
answer forms are in `bot/web/question_answer.py`; this module builds the conversation page they come back to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right, may
from bot.accounts.store import list_accounts
from bot.audit.log import record
from bot.events.listing import WINDOW_DAYS
from bot.events.overview import coming
from bot.events.store import text_of
from bot.figures.labels import CHANNEL_LABELS
from bot.figures.labels import QUESTION_TOPIC_LABELS as TOPIC_LABELS
from bot.i18n import N_, Translator
from bot.languages import LANGUAGE_CODES
from bot.offers.catalog import load_catalog
from bot.outbox.store import DROPPED, FAILED, PENDING, SENDING, SENT
from bot.questions import prepared, store
from bot.questions.delivery import deliveries
from bot.questions.inbox import ALL, NOBODY, STATUS_FILTERS, TO_DO, InboxFilter, inbox_page, question_in_quarter
from bot.questions.models import ACTIVE, DONE, NEW, OPEN, RESIDENT, WAITING, WITHDRAWN, Question
from bot.questions.topics import MAX_TOPIC, TOPICS, NoTopic, chosen_topic
from bot.questions.translation import german_for, keep_german, needs_german, untranslated
from bot.translate import LibreTranslate, translation_configured
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

CHANNELS = ("telegram", "matrix", "console")
STATUS_LABELS = {TO_DO: N_("to do (new or open)"), NEW: N_("new"), OPEN: N_("open (question)"),
                 WAITING: N_("waiting for the resident"), DONE: N_("done"), WITHDRAWN: N_("withdrawn"), ALL: N_("all")}
DELIVERY_LABELS = {PENDING: N_("being sent"), SENDING: N_("being sent"), SENT: N_("delivered"),
                   FAILED: N_("not delivered (blocked)"), DROPPED: N_("not delivered (blocked)"),
                   "cancelled": N_("not sent")}
DONE_LABELS = {"answer": N_("The answer was sent."), "note": N_("The note was added."),
               "assigned": N_("Saved who has the question."), "closed": N_("The question is done.")}
ME = "me"
RECENT = dt.timedelta(days=7)  # younger questions show their age ("3 hours ago"), older ones their date
OFFER_CHOICES = 100  # offers in the card's select; a search narrows them


def _web(request: Request) -> Any:
    return request.app.state.web.app


def _int(text: object, default: int = 1) -> int:
    try:
        return int(str(text))
    except ValueError:
        return default


def age(translator: Translator, now: dt.datetime, moment: dt.datetime) -> str:
    if now - moment < RECENT:
        return format_timedelta(moment - now, add_direction=True, format="short", locale=translator.locale)
    return translator.date(translator.local(moment).date(), "dd.MM.yyyy")


def _labels(staff: Staff) -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS, "names": language_names(staff)}


@guarded(Right.QUESTIONS)
async def inbox(request: Request, staff: Staff) -> Response:
    web, query = _web(request), request.query_params
    status = query.get("status", TO_DO)
    status = status if status in STATUS_FILTERS else TO_DO
    language = query.get("language", "")
    language = language if language in LANGUAGE_CODES else ""
    channel = query.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    assigned = query.get("assigned", "")
    assigned = assigned if assigned in (ME, NOBODY) or assigned.isdigit() else ""
    where = InboxFilter(status, language, channel, str(staff.account.id) if assigned == ME else assigned)
    page = await inbox_page(staff.db, web.settings.quarter, where, _int(query.get("page")))
    filters = {"status": status, "language": language, "channel": channel, "assigned": assigned}

    def link(number: int) -> str:
        return "/questions?" + urlencode({**filters, "page": number})

    now = web.clock.now()
    return render(request, staff.translator, "questions.html", staff=staff, page=page, filters=filters, link=link,
                  statuses=STATUS_FILTERS, languages=LANGUAGE_CODES, channels=CHANNELS,
                  colleagues=await colleagues(staff), age=lambda moment: age(staff.translator, now, moment),
                  **_labels(staff))


async def colleagues(staff: Staff) -> list[tuple[int, str]]:
    """Enabled accounts that may answer questions, (id, name): whom a question can be given to."""
    return [(account.id, account.name) for account in await list_accounts(staff.db)
            if account.disabled_at is None and may(account.role, Right.QUESTIONS)]


async def the_question(request: Request, staff: Staff, for_update: bool = False) -> Question | None:
    return await question_in_quarter(staff.db, _web(request).settings.quarter, request.path_params["question_id"],
                                     for_update=for_update)


def not_found(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext("There is no such question."))


@dataclass
class AnswerForms:
    """What staff typed into the answer forms, given back when a form comes back (nothing typed is lost)."""

    german: str = ""  # the free text as staff wrote it
    translation: str | None = None  # its machine translation, shown for review after "translate and preview"
    card: str = ""
    card_text: str = ""
    note: str = ""
    topic: str = ""
    topic_other: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # form name → message (already translated)


@dataclass(frozen=True)
class Card:
    value: str  # "offer:<key>" or "event:<id>", as send_answer takes it
    label: str  # German, for staff
    title: str  # in the resident's language (German where it has none): the answer's text if staff write none


async def cards(request: Request, staff: Staff, language: str, search: str = "") -> tuple[list[Card], list[Card]]:
    """The quarter's active offers (searched by their German title or provider, at most OFFER_CHOICES) and the
    events with a coming date that is not cancelled, as cards to send."""
    web = _web(request)
    catalog = await load_catalog(staff.db, web.settings.quarter)
    needle = search.casefold().strip()
    offers = [Card(f"offer:{offer.key}", offer.text("de")[0].title, offer.text(language)[0].title)
              for offer in catalog.by_key.values()
              if not needle or needle in offer.text("de")[0].title.casefold() or needle in offer.provider.casefold()]
    events: dict[int, Card] = {}
    for dated in await coming(staff.db, web.settings.quarter, web.clock.now(), web.settings.zone, days=WINDOW_DAYS):
        if dated.cancelled or dated.event.id in events:
            continue
        when = staff.translator.date(dated.occurrence.start.astimezone(web.settings.zone).date(), "dd.MM.yyyy")
        events[dated.event.id] = Card(f"event:{dated.event.id}", f"{text_of(dated.event, 'de')[0]} ({when})",
                                      text_of(dated.event, language)[0])
    return offers[:OFFER_CHOICES], list(events.values())


async def conversation(request: Request, staff: Staff, question: Question, forms: AnswerForms | None = None,
                       status_code: int = 200, problem: str | None = None) -> Response:
    """The conversation page; `forms` and `problem` when an action comes back to it with what was typed."""
    web = _web(request)
    settings = web.settings
    forms = forms or AnswerForms()
    translation_problem = None
    configured = translation_configured(settings)
    pending = untranslated(question) if configured else []
    if pending:
        await staff.pause()  # no transaction open while the service is asked
        async with LibreTranslate.from_settings(settings) as client:
            german, translation_problem = await german_for(pending, client)
        await keep_german(staff.db, question, german)
    resident_translator = Translator.for_language(question.language, settings.zone)
    answers = []
    for row in await prepared.listed(staff.db, settings.quarter, only_active=True):
        text = prepared.text_for(row, question.language)
        german = prepared.text_for(row, "de")
        answers.append((row, None if text is None else prepared.filled(text, question, settings, resident_translator),
                        None if german is None else prepared.filled(german, question, settings,
                                                                    staff.translator)))
    names = dict(await _account_names(staff))
    offers, events = await cards(request, staff, question.language, request.query_params.get("offer_q", "")[:100])
    staff_messages = [message for message in question.messages if message.author != RESIDENT]
    return render(request, staff.translator, "question.html", status_code=status_code, staff=staff,
                  question=question, notes=await store.notes_of(staff.db, question.id), account_names=names,
                  delivered=await deliveries(staff.db, staff_messages), delivery_labels=DELIVERY_LABELS,
                  configured=configured, translation_problem=translation_problem, answers=answers,
                  offers=offers, events=events, offer_q=request.query_params.get("offer_q", "")[:100],
                  colleagues=await colleagues(staff), topics=TOPICS, topic_labels=TOPIC_LABELS, max_topic=MAX_TOPIC,
                  active=question.status in ACTIVE, after=store.last_message_id(question), forms=forms,
                  problem=problem, done=DONE_LABELS.get(request.query_params.get("done", "")),
                  translatable=needs_german(question.language), now=web.clock.now(),
                  age=lambda moment: age(staff.translator, web.clock.now(), moment), **_labels(staff))


async def _account_names(staff: Staff) -> list[tuple[int, str]]:
    return [(account.id, account.name) for account in await list_accounts(staff.db)]


@guarded(Right.QUESTIONS)
async def detail(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff)
    if question is None:
        return not_found(request, staff)
    return await conversation(request, staff, question)


def back_to(question: Question, done: str) -> Response:
    return RedirectResponse(f"/questions/{question.id}?done={done}", status_code=303)


@guarded(Right.QUESTIONS)
async def add_note(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff)
    if question is None:
        return not_found(request, staff)
    text, now = str((await request.form()).get("note", "")), _web(request).clock.now()
    try:
        row = await store.note(staff.db, question, account_id=staff.account.id, text=text, now=now)
    except store.TooLong as error:
        return await _refused(request, staff, question, AnswerForms(note=text), "note", too_long(staff, error))
    except ValueError:
        return await _refused(request, staff, question, AnswerForms(note=text), "note",
                              staff.translator.gettext("Please write the note first."))
    record(staff.db, now, staff.actor, "question.note", "question", question.id,
           after={"note": row.id})
    return back_to(question, "note")


def too_long(staff: Staff, error: store.TooLong) -> str:
    return staff.translator.gettext("The text has %(length)d characters; at most %(most)d fit.") % {
        "length": error.length, "most": store.MAX_TEXT}


async def _refused(request: Request, staff: Staff, question: Question, forms: AnswerForms, form: str,
                   message: str, status_code: int = 400) -> Response:
    forms.errors[form] = message
    return await conversation(request, staff, question, forms, status_code)


@guarded(Right.QUESTIONS)
async def assign(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff)
    if question is None:
        return not_found(request, staff)
    choice = str((await request.form()).get("to", ""))
    if choice == ME:
        account_id: int | None = staff.account.id
    elif choice == "":
        account_id = None
    elif choice.isdigit() and int(choice) in dict(await colleagues(staff)):
        account_id = int(choice)
    else:
        return await _refused(request, staff, question, AnswerForms(), "assign",
                              staff.translator.gettext("Please choose a colleague from the list."))
    before = question.assigned_account_id
    now = _web(request).clock.now()
    await store.assign(staff.db, question, account_id, now)
    record(staff.db, now, staff.actor, "question.assign", "question", question.id, {"assigned": before},
           {"assigned": account_id})
    return back_to(question, "assigned")


@guarded(Right.QUESTIONS)
async def close(request: Request, staff: Staff) -> Response:
    question = await the_question(request, staff, for_update=True)
    if question is None:
        return not_found(request, staff)
    form = await request.form()
    forms = AnswerForms(topic=str(form.get("topic", "")), topic_other=str(form.get("topic_other", "")))
    if question.status not in ACTIVE:
        return await _refused(request, staff, question, forms, "close", closed_reason(staff, question), 409)
    try:
        topic = chosen_topic(forms.topic, forms.topic_other)
    except NoTopic:
        return await _refused(request, staff, question, forms, "close", staff.translator.gettext(
            "Please choose a topic, or write one of at most %(most)d characters.") % {"most": MAX_TOPIC})
    before = question.status
    now = _web(request).clock.now()
    await store.close(staff.db, question, topic=topic, now=now)
    record(staff.db, now, staff.actor, "question.close", "question", question.id, {"status": before},
           {"status": question.status, "topic": topic})
    return back_to(question, "closed")


def closed_reason(staff: Staff, question: Question) -> str:
    if question.status == WITHDRAWN:
        return staff.translator.gettext("The resident withdrew this question: it takes no more answers.")
    return staff.translator.gettext("This question is done: it takes no more answers. If the resident writes "
                                    "again, that is a new question.")


ROUTES = [
    Route("/questions", inbox, methods=["GET"]),
    Route("/questions/{question_id:int}", detail, methods=["GET"]),
    Route("/questions/{question_id:int}/note", add_note, methods=["POST"]),
    Route("/questions/{question_id:int}/assign", assign, methods=["POST"]),
    Route("/questions/{question_id:int}/close", close, methods=["POST"]),
]
