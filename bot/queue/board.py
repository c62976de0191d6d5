"""What the waiting room's screen shows: the numbers called now and to which desk, and the next ones.

Numbers only (`A-017`), never who holds them, and no ids: the screen is public to everyone in the room.
Reading creates and changes nothing, so a screen asking every two seconds costs a few indexed reads;
a scheduled date that is due but has no session row yet (nobody has taken a number) shows as open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.languages import FALLBACK_CONTENT_LANGUAGE
from bot.queue.models import CALLED, WAITING, Consultation, QueueSession, QueueTicket
from bot.queue.schedule import Slot, in_window, is_running, next_slots, quarter_consultations, slots_on, title_in
from bot.queue.tickets import ticket_label

NEXT_SHOWN = 6
# The screen's words, in the residents' catalog: the line for those waiting is shown in these languages at once.
SCREEN_LANGUAGES = ("de", "en", "tr", "ar", "ro", "bg", "uk", "ru", "pl")
WAIT_LINE = N_("Please wait until your number is shown.")
NOTHING_OPEN = N_("There is no Sprechstunde right now.")
NOW_CALLED = N_("Now called")
NEXT_NUMBERS = N_("Next numbers")
DESK = N_("Desk {desk}")
NEXT_DATES = N_("Next dates:")
NO_DATES = N_("No dates are planned at the moment. Please ask at the Quartiersladen.")


@dataclass(frozen=True)
class Call:
    number: str
    desk: int
    called_at: dt.datetime  # the latest call: a call repeated is a new call for the screen


@dataclass(frozen=True)
class OpenHours:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    calls: list[Call] = field(default_factory=list)  # the newest first
    next: list[str] = field(default_factory=list)  # the next numbers waiting, in order


@dataclass(frozen=True)
class Coming:
    title: str
    place: str
    slots: list[Slot]


@dataclass(frozen=True)
class Board:
    open: list[OpenHours]
    coming: list[Coming]  # when nothing is open: the next dates of each consultation


async def board(db: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo) -> Board:
    consultations = {row.id: row for row in await quarter_consultations(db, quarter)}
    if not consultations:
        return Board([], [])
    today = now.astimezone(zone).date()
    rows = [row for row in await db.scalars(select(QueueSession).where(
        QueueSession.consultation_id.in_(consultations), QueueSession.day >= today - dt.timedelta(days=1)))]
    known = {(row.consultation_id, row.starts_at) for row in rows}
    running = sorted((row for row in rows if is_running(consultations[row.consultation_id], row, now)),
                     key=lambda row: (row.starts_at, row.consultation_id))
    tickets: dict[int, list[QueueTicket]] = {row.id: [] for row in running}
    if running:
        for ticket in await db.scalars(select(QueueTicket).where(
                QueueTicket.session_id.in_(tickets), QueueTicket.status.in_((CALLED, WAITING)))
                .order_by(QueueTicket.number)):
            tickets[ticket.session_id].append(ticket)
    shown = []
    for row in running:
        consultation = consultations[row.consultation_id]
        called = sorted((ticket for ticket in tickets[row.id] if ticket.status == CALLED),
                        key=lambda ticket: ticket.last_called_at or now, reverse=True)
        waiting = [ticket for ticket in tickets[row.id] if ticket.status == WAITING][:NEXT_SHOWN]
        shown.append(OpenHours(
            _title(consultation), row.starts_at, row.ends_at,
            [Call(ticket_label(consultation, ticket), ticket.desk or 0, ticket.last_called_at or now)
             for ticket in called],
            [ticket_label(consultation, ticket) for ticket in waiting]))
    for consultation in consultations.values():
        shown += [OpenHours(_title(consultation), slot.starts_at, slot.ends_at)
                  for slot in slots_on(consultation, today, zone)
                  if in_window(consultation, slot, now) and (consultation.id, slot.starts_at) not in known]
    if shown:
        return Board(sorted(shown, key=lambda hours: hours.starts_at), [])
    return Board([], [Coming(_title(consultation), consultation.place, next_slots(consultation, now, zone))
                      for consultation in consultations.values()])


def _title(consultation: Consultation) -> str:
    return title_in(consultation, FALLBACK_CONTENT_LANGUAGE)
