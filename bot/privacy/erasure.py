"""Erasing a resident (Art. 17 DSGVO): every row about them, with the same effects as in the chat.

One function for the chat's "delete everything about me", the staff's `quartiersbot privacy
erase` and the retention of inactive residents, so all three leave the same state behind. Rows
that serve others go through their capability first, as if the resident had acted: a seat is
given back (the first on the waiting list gets it and is told), a waiting number is given up
(those behind move up). Then the resident row is deleted, and the database's cascades take
their flow states, reminders, registrations, topic follows, messages waiting in the outbox,
sign-ups, the unfinished survey response and the record of having taken part. Queue tickets
keep their figures and lose the link. Completed survey answers are not touched: nothing links
them to the resident, so they cannot be found (and need not be).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState, Resident
from bot.events.models import Event, EventRegistration, EventReminder, TopicSubscription
from bot.events.seats import unregister
from bot.outbox.models import OutboxMessage
from bot.questions.models import Question
from bot.queue.models import ACTIVE, QueueTicket
from bot.queue.tickets import cancel_ticket
from bot.surveys.models import SurveyParticipation, SurveyResponse, SurveySignup


@dataclass
class Erased:
    """How many rows of each kind were deleted (or, for queue tickets, unlinked)."""

    residents: int = 0
    flow_states: int = 0
    event_registrations: int = 0
    event_reminders: int = 0
    topic_subscriptions: int = 0
    outbox_messages: int = 0
    survey_signups: int = 0
    survey_responses_in_progress: int = 0
    survey_participations: int = 0
    queue_tickets_unlinked: int = 0
    questions: int = 0  # with their messages and staff notes

    def add(self, other: Erased) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def total(self) -> int:
        return sum(getattr(self, field.name) for field in fields(self))


async def find_resident(session: AsyncSession, channel: str, channel_user_id: str) -> Resident | None:
    return await session.scalar(select(Resident).where(Resident.channel == channel,
                                                       Resident.channel_user_id == channel_user_id))


async def erase_resident(session: AsyncSession, resident: Resident, now: dt.datetime) -> Erased:
    """Delete everything about `resident` in this transaction; the caller commits."""
    erased = Erased(residents=1)
    for table, attribute in ((ConversationState, "flow_states"), (EventReminder, "event_reminders"),
                             (TopicSubscription, "topic_subscriptions"), (OutboxMessage, "outbox_messages"),
                             (SurveySignup, "survey_signups"), (SurveyParticipation, "survey_participations")):
        setattr(erased, attribute, await _count(session, table, resident.id))
    erased.survey_responses_in_progress = await _count(session, SurveyResponse, resident.id)
    erased.questions = await _count(session, Question, resident.id)  # they go with the resident (cascade)
    for registration in (await session.scalars(select(EventRegistration).where(
            EventRegistration.resident_id == resident.id))).all():
        event = await session.get(Event, registration.event_id)
        if event is not None:
            await unregister(session, event, registration.occurrence, resident, now)
        erased.event_registrations += 1
    for ticket in (await session.scalars(select(QueueTicket).where(
            QueueTicket.resident_id == resident.id, QueueTicket.status.in_(ACTIVE)))).all():
        await cancel_ticket(session, ticket, now)
    unlinked = await session.execute(update(QueueTicket).where(QueueTicket.resident_id == resident.id)
                                     .values(resident_id=None).execution_options(synchronize_session=False))
    erased.queue_tickets_unlinked = int(unlinked.rowcount)  # type: ignore[attr-defined]
    # Messages the steps above just queued for this resident go with them (the cascade below).
    erased.outbox_messages = max(erased.outbox_messages, await _count(session, OutboxMessage, resident.id))
    await session.execute(delete(Resident).where(Resident.id == resident.id))
    session.expunge(resident)
    return erased


async def _count(session: AsyncSession, table: type, resident_id: int) -> int:
    column = table.resident_id  # type: ignore[attr-defined]
    return int(await session.scalar(select(func.count()).select_from(table).where(column == resident_id)) or 0)
