"""Texts the resident's and the staff's queue screens share: numbers, topics, languages, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

from bot.i18n import N_, Translator
from bot.languages import BY_CODE
from bot.queue.models import Consultation, QueueSession, QueueTicket
from bot.queue.schedule import Slot, next_slots, title_in
from bot.queue.tickets import ticket_label as ticket_label  # the chat's screens take it from here

TOPIC_LABELS = {
    "letters": N_("Letters from authorities or the Jobcenter"),
    "housing": N_("Housing"),
    "family": N_("Family, daycare or school"),
    "health": N_("Health"),
    "work": N_("Work"),
    "other": N_("Something else"),
}


def title(tr: Translator, consultation: Consultation) -> str:
    return title_in(consultation, tr.code)


def topic(tr: Translator, key: str) -> str:
    return tr.gettext(TOPIC_LABELS[key]) if key in TOPIC_LABELS else key


def language_name(code: str) -> str:
    """A language in its own words ("Română"), which its speakers recognise whatever the bot's language."""
    if code in BY_CODE:
        return BY_CODE[code].native_name
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def hours(tr: Translator, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    return f"{tr.time(tr.local(starts_at))}–{tr.time(tr.local(ends_at))}"


def slot_line(tr: Translator, slot: Slot) -> str:
    day = tr.local(slot.starts_at)
    languages = ", ".join(language_name(code) for code in slot.languages)
    when = f"{tr.weekday(day.weekday())}, {tr.date(day.date())}, {hours(tr, slot.starts_at, slot.ends_at)}"
    return f"• {when}" + (f" ({languages})" if languages else "")


def next_dates(tr: Translator, consultation: Consultation, now: dt.datetime, zone: ZoneInfo) -> str:
    """ "Offene Sprechstunde …, place; next: • Tuesday, …" or that no dates are planned."""
    slots = next_slots(consultation, now, zone)
    head = f"{title(tr, consultation)}\n📍 {consultation.place}"
    if not slots:
        return head + "\n" + tr.gettext("No dates are planned at the moment. Please ask at the Quartiersladen.")
    return head + "\n" + tr.gettext("Next dates:") + "\n" + "\n".join(slot_line(tr, slot) for slot in slots)


def session_line(tr: Translator, consultation: Consultation, queue_session: QueueSession) -> str:
    return f"{title(tr, consultation)}, {hours(tr, queue_session.starts_at, queue_session.ends_at)}"


def interpreter_text(tr: Translator, ticket: QueueTicket) -> str:
    if not ticket.interpreter:
        return tr.gettext("no interpreter")
    return tr.gettext("interpreter: {language}").format(language=language_name(ticket.interpreter))
