"""Everything stored about one resident (Art. 15 and 20 DSGVO), as plain data for a readable file.

The chat's "my data" and `quartiersbot privacy export` both call `export_resident`, so a
resident and the staff member helping them at the desk see the same. Keys are English and
stable (a machine-readable export); the values are what is stored, with times in UTC. What
is not in here cannot be found from the resident: completed survey answers (anonymous) and
unmet searches (counted without anyone), which the file says.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState, Resident
from bot.events.models import Event, EventRegistration, EventReminder, TopicSubscription
from bot.events.store import text_of
from bot.outbox.models import OutboxMessage
from bot.questions.store import questions_of
from bot.queue.models import Consultation, QueueSession, QueueTicket
from bot.surveys.models import Survey, SurveyParticipation, SurveyResponse, SurveySignup

EXPORT_FORMAT = 1
NOT_LINKED = ("Completed survey answers are stored without any link to you, so they cannot be found or shown here. "
              "Searches that found nothing are only counted per week, without you.")


def _time(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export_resident(session: AsyncSession, resident: Resident, now: dt.datetime) -> dict[str, Any]:
    rid = resident.id
    states = (await session.scalars(select(ConversationState).where(ConversationState.resident_id == rid)
                                    .order_by(ConversationState.flow))).all()
    registrations = (await session.execute(
        select(EventRegistration, Event).join(Event, Event.id == EventRegistration.event_id)
        .where(EventRegistration.resident_id == rid).order_by(EventRegistration.occurrence))).all()
    reminders = (await session.execute(
        select(EventReminder, Event).join(Event, Event.id == EventReminder.event_id)
        .where(EventReminder.resident_id == rid)
        .order_by(EventReminder.occurrence, EventReminder.offset_minutes))).all()
    follows = (await session.scalars(select(TopicSubscription).where(TopicSubscription.resident_id == rid)
                                     .order_by(TopicSubscription.topic))).all()
    outbox = (await session.scalars(select(OutboxMessage).where(OutboxMessage.resident_id == rid)
                                    .order_by(OutboxMessage.due_at))).all()
    tickets = (await session.execute(
        select(QueueTicket, QueueSession, Consultation).join(QueueSession, QueueSession.id == QueueTicket.session_id)
        .join(Consultation, Consultation.id == QueueSession.consultation_id)
        .where(QueueTicket.resident_id == rid).order_by(QueueTicket.created_at))).all()
    signups = (await session.execute(
        select(SurveySignup, Survey).join(Survey, Survey.id == SurveySignup.survey_id)
        .where(SurveySignup.resident_id == rid).order_by(SurveySignup.consented_at))).all()
    in_progress = (await session.execute(
        select(SurveyResponse, Survey).join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.resident_id == rid))).all()
    taken_part = (await session.scalars(
        select(Survey).join(SurveyParticipation, SurveyParticipation.survey_id == Survey.id)
        .where(SurveyParticipation.resident_id == rid).order_by(Survey.key, Survey.version))).all()
    questions = await questions_of(session, rid)
    language = resident.language or "de"
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _time(now),
        "resident": {
            "number": rid, "channel": resident.channel, "channel_user_id": resident.channel_user_id,
            "language": resident.language, "chat": resident.address, "first_seen": _time(resident.created_at),
            "last_seen": _time(resident.last_seen_at), "unreachable_since": _time(resident.unreachable_since),
        },
        "conversation_state": [{"flow": state.flow, "data": state.data, "updated_at": _time(state.updated_at)}
                               for state in states],
        "event_registrations": [{"event": text_of(event, language)[0], "date": registration.occurrence,
                                 "status": registration.status, "created_at": _time(registration.created_at)}
                                for registration, event in registrations],
        "event_reminders": [{"event": text_of(event, language)[0], "date": reminder.occurrence,
                             "minutes_before": reminder.offset_minutes, "created_at": _time(reminder.created_at)}
                            for reminder, event in reminders],
        "consents": [
            *({"purpose": f"new events: {follow.topic}", "text_version": follow.consent_version,
               "given_at": _time(follow.created_at)} for follow in follows),
            *({"purpose": f"contact for the survey {survey.key}", "text_version": signup.consent_version,
               "given_at": _time(signup.consented_at)} for signup, survey in signups),
        ],
        "survey_contact_signups": [{"survey": survey.key, "contact": signup.contact, "topic": signup.topic,
                                    "language": signup.language, "consent_version": signup.consent_version,
                                    "consented_at": _time(signup.consented_at)} for signup, survey in signups],
        "surveys_in_progress": [{"survey": survey.key, "version": survey.version, "language": response.language,
                                 "started_on": _time(response.started_on),
                                 "answers": {answer.question: answer.value for answer in response.answers
                                             if answer.status == "answered"}}
                                for response, survey in in_progress],
        "surveys_taken_part": [{"survey": survey.key, "version": survey.version} for survey in taken_part],
        "sprechstunde_numbers": [{"day": _time(queue_session.day), "consultation": consultation.key,
                                  "number": f"{consultation.ticket_prefix}-{ticket.number:03d}",
                                  "topic": ticket.topic, "interpreter": ticket.interpreter, "status": ticket.status,
                                  "taken_at": _time(ticket.created_at)}
                                 for ticket, queue_session, consultation in tickets],
        "messages_to_you": [{"kind": message.kind, "due_at": _time(message.due_at), "status": message.status,
                             "sent_at": _time(message.sent_at)} for message in outbox],
        "questions_to_the_team": [{"reference": question.reference, "status": question.status,
                                   "asked_at": _time(question.created_at), "closed_at": _time(question.closed_at),
                                   "messages": [{"from": message.author, "text": message.text,
                                                 "language": message.language,
                                                 "machine_translated": message.machine_translated,
                                                 "at": _time(message.created_at)} for message in question.messages]}
                                  for question in questions],
        "not_linked_to_you": NOT_LINKED,
    }


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
