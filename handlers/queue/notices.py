"""The texts of the queue's proactive messages, written when sent, in the resident's language.

A message that no longer fits is dropped with its reason instead of confusing anyone: "your
turn" for a number already served or given up, "closed" the morning after.
"""

from __future__ import annotations

from bot.conversation.messages import Reply
from bot.conversation.router import Router
from bot.outbox.dispatcher import Notice
from bot.queue.models import CALLED, WAITING, Consultation, QueueSession, QueueTicket
from bot.queue.notify import CLOSED, NO_SHOW, SOON, TURN
from bot.queue.tickets import ticket_with_session
from handlers.queue.text import next_dates, ticket_label

NOT_WAITING = "the number is no longer waiting"


def register(router: Router) -> None:
    router.notification(SOON, soon)
    router.notification(TURN, turn)
    router.notification(CLOSED, closed)
    router.notification(NO_SHOW, no_show)


async def _ticket(notice: Notice) -> tuple[QueueTicket, QueueSession, Consultation] | None:
    return await ticket_with_session(notice.session, notice.payload["ticket"])


def _reply(notice: Notice, heading: str, text: str) -> list[Reply]:
    return notice.reply(heading, text, notice.translator.gettext("See your number with /queue"))


async def soon(notice: Notice) -> list[Reply] | str:
    found = await _ticket(notice)
    if found is None or found[0].status != WAITING:
        return NOT_WAITING
    ticket, _, consultation = found
    tr, before = notice.translator, int(notice.payload.get("before", 0))
    if before == 0:
        text = tr.gettext("You are next. Please come to the Quartiersladen now, if you are not there yet.")
    else:
        text = tr.ngettext("Only {count} person is before you now. Please come to the Quartiersladen soon.",
                           "Only {count} people are before you now. Please come to the Quartiersladen soon.",
                           before).format(count=before)
    heading = "⏳ " + tr.gettext("Number {number}: almost your turn").format(number=ticket_label(consultation, ticket))
    return _reply(notice, heading, f"{text}\n📍 {consultation.place}")


async def turn(notice: Notice) -> list[Reply] | str:
    found = await _ticket(notice)
    if found is None or found[0].status != CALLED:
        return "the number is no longer called"
    ticket, _, consultation = found
    tr = notice.translator
    heading = "📣 " + tr.gettext("It is your turn! Number {number}").format(number=ticket_label(consultation, ticket))
    text = tr.gettext("Please come to desk {desk} now.").format(desk=ticket.desk)
    text += "\n" + tr.ngettext("If you do not come within {count} minute, the next person is called.",
                               "If you do not come within {count} minutes, the next person is called.",
                               consultation.no_show_minutes).format(count=consultation.no_show_minutes)
    return _reply(notice, heading, f"{text}\n📍 {consultation.place}")


async def closed(notice: Notice) -> list[Reply] | str:
    found = await _ticket(notice)
    if found is None:
        return NOT_WAITING
    ticket, queue_session, consultation = found
    if notice.now.astimezone(notice.settings.zone).date() != queue_session.day:
        return "the session day is over"
    tr = notice.translator
    text = tr.gettext("We are sorry: the Sprechstunde has closed for today, and your number {number} could not be "
                      "called any more. Please come again; you can take a new number then.").format(
        number=ticket_label(consultation, ticket))
    text += "\n\n" + next_dates(tr, consultation, notice.now, notice.settings.zone)
    return _reply(notice, "🔒 " + tr.gettext("The Sprechstunde has closed"), text)


async def no_show(notice: Notice) -> list[Reply] | str:
    found = await _ticket(notice)
    if found is None:
        return NOT_WAITING
    ticket, _, consultation = found
    tr = notice.translator
    text = tr.gettext("Your number {number} was called, but nobody came to the desk, so it has lapsed. If you are "
                      "still here, you can take a new number.").format(number=ticket_label(consultation, ticket))
    return _reply(notice, "⌛ " + tr.gettext("Your number has lapsed"), text)
