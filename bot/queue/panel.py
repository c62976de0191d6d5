"""What a desk sees, the same in the chat and in the browser: the sessions staff can work in, and for one
of them who waits and who is at my desk.

Both desks build their screens from these functions and act through `bot/queue/desk.py`, so a number
called in the browser is called exactly as one called in the chat (the same checks, the same messages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.queue.desk import queue_of
from bot.queue.models import CALLED, SERVED, WAITING, Consultation, QueueSession, QueueTicket
from bot.queue.schedule import running_sessions
from bot.queue.upkeep import upkeep_session

MAX_DESKS = 20  # the schema's limit for `desks`


async def running_now(db: AsyncSession, quarter: str, now: dt.datetime, zone: ZoneInfo, *, upkeep: bool = True
                      ) -> list[tuple[Consultation, QueueSession]]:
    """The sessions staff can work in now; with `upkeep`, after it (late calls expired, sessions past their hours
    closed), as a desk that acts on them needs. A page that only looks leaves that to the scheduler."""
    running = await running_sessions(db, quarter, now, zone)
    if not upkeep:
        return running
    for consultation, row in running:
        await upkeep_session(db, row.id, consultation.id, now, zone)  # may close `row` (the same object)
    return [(consultation, row) for consultation, row in running if row.closed_at is None]


def chosen(running: list[tuple[Consultation, QueueSession]], session_id: int | None
           ) -> tuple[Consultation, QueueSession] | None:
    """The session the staff member picked, if it still runs; else the first one."""
    return next(((c, r) for c, r in running if r.id == session_id), running[0] if running else None)


def desk_count(consultations: list[Consultation]) -> int:
    """How many desks to offer: the most any consultation of the quarter has."""
    return min(MAX_DESKS, max((consultation.desks for consultation in consultations), default=1))


@dataclass(frozen=True)
class DeskView:
    """One session's queue as seen from one desk: numbers, topics, interpreter needs; never who."""

    consultation: Consultation
    session: QueueSession
    desk: int
    tickets: list[QueueTicket]  # waiting and at a desk, in order

    @property
    def waiting(self) -> list[QueueTicket]:
        return [ticket for ticket in self.tickets if ticket.status == WAITING]

    @property
    def here(self) -> QueueTicket | None:
        """The number at this desk: called and not yet marked, or being served."""
        return next((ticket for ticket in self.tickets
                     if ticket.desk == self.desk and ticket.status in (CALLED, SERVED)), None)

    @property
    def called(self) -> QueueTicket | None:
        here = self.here
        return here if here is not None and here.status == CALLED else None

    @property
    def seen(self) -> frozenset[int]:
        """What "call next" was shown with: it calls only if the desk is still so (`desk.call_next`)."""
        return frozenset(ticket.id for ticket in self.tickets if ticket.desk == self.desk
                         and ticket.status in (CALLED, SERVED))

    @property
    def still_waiting(self) -> int:
        """Those closing would send home: waiting, or called and not yet come."""
        return sum(ticket.status in (WAITING, CALLED) for ticket in self.tickets)


async def desk_view(db: AsyncSession, consultation: Consultation, queue_session: QueueSession, desk: int) -> DeskView:
    return DeskView(consultation, queue_session, desk, await queue_of(db, queue_session.id))
