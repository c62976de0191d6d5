"""The texts of proactive event messages, written when they are sent, in the resident's language.

A notice can still be dropped at that moment: a reminder for an event that has started
(the bot was down when it fell due) or was cancelled is not sent, and counted with its reason.
"""

from __future__ import annotations

import datetime as dt

from bot.conversation.messages import Reply
from bot.conversation.router import Router
from bot.events.changes import CANCELLED, MOVED, NEW_EVENT
from bot.events.reminders import REMINDER
from bot.events.seats import SEAT_FREE
from bot.events.store import HORIZON, event_by_id, is_cancelled, occurrence_of, occurrences
from bot.i18n import fill
from bot.outbox.dispatcher import Notice
from handlers.events.card import card_text, title, when

STARTED = "the event had already started"
GONE = "the event no longer exists"


def register(router: Router) -> None:
    router.notification(REMINDER, reminder)
    router.notification(MOVED, moved)
    router.notification(CANCELLED, cancelled)
    router.notification(SEAT_FREE, seat_free)
    router.notification(NEW_EVENT, new_event)


def _reply(notice: Notice, heading: str, text: str) -> list[Reply]:
    return notice.reply(heading, text, notice.translator.gettext("See your events with /events"))


async def reminder(notice: Notice) -> list[Reply] | str:
    event = await event_by_id(notice.session, notice.payload["event"])
    if event is None:
        return GONE
    occurrence = occurrence_of(event, notice.settings.zone, notice.payload["occurrence"])
    if occurrence is None:
        return "the date is no longer part of the event"
    if is_cancelled(event, occurrence):
        return "the event was cancelled"
    if occurrence.start <= notice.now:
        return STARTED
    tr = notice.translator
    heading = "🔔 " + tr.gettext("Reminder: {title}").format(title=title(tr, event))
    return _reply(notice, heading, card_text(tr, event, occurrence, None))


async def moved(notice: Notice) -> list[Reply] | str:
    event = await event_by_id(notice.session, notice.payload["event"])
    occurrence = occurrence_of(event, notice.settings.zone, notice.payload["occurrence"]) if event else None
    if event is None or occurrence is None:
        return GONE
    tr = notice.translator
    was = dt.datetime.fromisoformat(notice.payload["was"])
    text = fill(tr.gettext("“{title}” has moved from {before} to {after}. Your registration and reminders moved "
                           "with it."), title=title(tr, event), before=tr.datetime(was, "short"),
                after=when(tr, occurrence))
    return _reply(notice, "📅 " + tr.gettext("An event has moved"), text)


async def cancelled(notice: Notice) -> list[Reply] | str:
    event = await event_by_id(notice.session, notice.payload["event"])
    if event is None:
        return GONE
    tr = notice.translator
    day = dt.date.fromisoformat(notice.payload["occurrence"])
    text = tr.gettext("Sorry: “{title}” on {date} is cancelled. Your reminders for it are removed.").format(
        title=title(tr, event), date=tr.date(day))
    return _reply(notice, "❌ " + tr.gettext("An event is cancelled"), text)


async def seat_free(notice: Notice) -> list[Reply] | str:
    event = await event_by_id(notice.session, notice.payload["event"])
    occurrence = occurrence_of(event, notice.settings.zone, notice.payload["occurrence"]) if event else None
    if event is None or occurrence is None or is_cancelled(event, occurrence):
        return GONE
    if occurrence.start <= notice.now:
        return STARTED
    tr = notice.translator
    text = fill(tr.gettext("Good news: a seat became free, and it is yours. “{title}”, {when}. If you cannot "
                           "come, please cancel, so someone else can take it."), title=title(tr, event),
                when=when(tr, occurrence))
    return _reply(notice, "✅ " + tr.gettext("You have a seat"), text)


async def new_event(notice: Notice) -> list[Reply] | str:
    event = await event_by_id(notice.session, notice.payload["event"])
    if event is None or event.cancelled:
        return GONE
    coming = occurrences(event, notice.settings.zone, notice.now, notice.now + HORIZON)
    if not coming:
        return STARTED
    tr = notice.translator
    return _reply(notice, "🆕 " + tr.gettext("New event: {title}").format(title=title(tr, event)),
                  card_text(tr, event, coming[0], None))
