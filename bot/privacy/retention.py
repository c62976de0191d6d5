"""Deleting what is no longer needed, kind by kind, as the README's retention table promises.

Every kind of data about residents has one job here, and `prune` runs them all in order, each
in its own transaction (a failure in one leaves the others done). `quartiersbot run` calls it
every hour and `quartiersbot privacy prune` from cron when the bot does not run. Each job is
a conditional bulk statement on what is past its time, so running it twice, or in two
processes at once, deletes nothing twice and nothing early.

On PostgreSQL, rows sit in the table file in the order they were written, and anyone who can
read the table can see that order (`ctid`). For the anonymous survey tables that order is
when people completed the survey, so `shuffle_survey_storage` rewrites them in the order of
their random keys; `run` does it every few minutes. SQLite keeps these tables ordered by key.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts.retention import ended_staff_sessions, long_disabled_accounts
from bot.activity.counts import roll_up_sent
from bot.activity.models import ActivityCount
from bot.audit.retention import old_audit_entries
from bot.config import Settings
from bot.db.models import ConversationState, ProcessedEvent, Resident
from bot.events.models import EventRegistration, EventReminder
from bot.offers.models import UnmetSearch
from bot.outbox.models import OutboxMessage
from bot.outbox.store import SENDING, SENT
from bot.privacy.erasure import Erased, erase_resident
from bot.questions.retention import closed_questions
from bot.queue.screen_link import unused_screen_links
from bot.queue.upkeep import remove_links
from bot.surveys.models import SurveyResponse
from bot.surveys.retention import prune_expired
from bot.surveys.store import month_of

log = logging.getLogger(__name__)
SURVEY_FLOW = "survey"
SIGNUP_DRAFT_DAYS = 2  # a contact half-typed in the survey's sign-up: name and phone number
ANONYMOUS_TABLES = ("survey_responses", "survey_answers", "survey_participations", "unmet_searches",
                    "activity_counts")


@dataclass
class Pruned:
    """What one run deleted (or unlinked), by kind, for the log and the CLI."""

    counts: dict[str, int] = field(default_factory=dict)

    def note(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count

    def lines(self) -> list[str]:
        return [f"{kind}: {count}" for kind, count in self.counts.items()]


Job = Callable[[AsyncSession, dt.datetime, Settings], Awaitable[dict[str, int]]]


async def inactive_residents(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """Residents who have not written for `retention_resident_months`, with all that hangs off them."""
    cutoff = now - relativedelta(months=settings.retention_resident_months)
    erased = Erased()
    for resident in (await session.scalars(select(Resident).where(Resident.last_seen_at < cutoff))).all():
        erased.add(await erase_resident(session, resident, now))
    return {"inactive residents erased": erased.residents,
            "of them: rows deleted or unlinked": erased.total() - erased.residents}


async def abandoned_flow_states(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """Conversation steps left unfinished (the last search, a location, a half-typed contact)."""
    cutoff = now - dt.timedelta(days=settings.retention_flow_days)
    old = await session.execute(delete(ConversationState).where(ConversationState.updated_at < cutoff))
    drafts = 0
    draft_cutoff = now - dt.timedelta(days=SIGNUP_DRAFT_DAYS)
    for state in (await session.scalars(select(ConversationState).where(
            ConversationState.flow == SURVEY_FLOW, ConversationState.updated_at < draft_cutoff))).all():
        if "signup" in state.data:
            await session.delete(state)
            drafts += 1
    return {"unfinished conversation steps": int(old.rowcount), "unfinished contact sign-ups": drafts}  # type: ignore[attr-defined]


async def abandoned_survey_links(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """An unfinished survey keeps its link for `retention_survey_days`; then its answers stay, anonymous."""
    today = now.astimezone(settings.zone).date()
    cutoff = today - dt.timedelta(days=settings.retention_survey_days)
    unlinked = 0
    for response in (await session.scalars(select(SurveyResponse).where(
            SurveyResponse.resident_id.is_not(None), SurveyResponse.updated_on < cutoff))).all():
        response.resident_id = None
        response.started_on = response.updated_on = month_of(response.updated_on)
        unlinked += 1
    return {"unfinished survey answers unlinked": unlinked}


async def survey_keeping_time(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    responses, signups = await prune_expired(session, now.astimezone(settings.zone).date())
    return {"survey answers past their keeping time": responses, "survey contact sign-ups past their keeping time":
            signups}


async def past_events(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """After the event: reminders are of no use, and registrations keep only the count."""
    today = now.astimezone(settings.zone).date().isoformat()
    reminders = await session.execute(delete(EventReminder).where(EventReminder.occurrence < today))
    registrations = await session.execute(
        update(EventRegistration)
        .where(EventRegistration.occurrence < today, EventRegistration.resident_id.is_not(None))
        .values(resident_id=None).execution_options(synchronize_session=False))
    return {"reminders of past events": int(reminders.rowcount),  # type: ignore[attr-defined]
            "registrations of past events unlinked": int(registrations.rowcount)}  # type: ignore[attr-defined]


async def past_queue_days(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    return {"Sprechstunde numbers unlinked": await remove_links(session, now, settings.zone,
                                                                settings.queue_unlink_after_days)}


async def old_outbox_messages(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """Sent, failed, dropped and cancelled messages; their keys name the resident and what it was about. The sent
    ones are counted per day, kind and channel first (bot/activity/counts.py): each row once, by the statement
    that deleted it, also when two processes prune at once."""
    cutoff = now - dt.timedelta(days=settings.retention_outbox_days)
    result = await session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.not_in(("pending", SENDING)),
        or_(OutboxMessage.sent_at < cutoff,
            OutboxMessage.sent_at.is_(None) & (OutboxMessage.next_attempt_at < cutoff)))
        .returning(OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.status, OutboxMessage.sent_at))
    deleted = result.all()
    await roll_up_sent(session, settings.quarter, settings.zone,
                       ((kind, channel, sent_at) for kind, channel, status, sent_at in deleted
                        if status == SENT and sent_at is not None))
    return {"old outbox messages": len(deleted)}


async def old_activity_counts(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now.astimezone(settings.zone).date() - relativedelta(months=settings.retention_counts_months)
    result = await session.execute(delete(ActivityCount).where(ActivityCount.day < cutoff))
    return {"counts of residents reached and messages sent": int(result.rowcount)}  # type: ignore[attr-defined]


async def old_processed_events(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now - dt.timedelta(days=settings.retention_processed_days)
    result = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff))
    return {"ids of answered platform events": int(result.rowcount)}  # type: ignore[attr-defined]


async def old_unmet_searches(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now.astimezone(settings.zone).date() - relativedelta(months=settings.retention_unmet_months)
    result = await session.execute(delete(UnmetSearch).where(UnmetSearch.week < cutoff))
    return {"weekly counts of unmet searches": int(result.rowcount)}  # type: ignore[attr-defined]


JOBS: tuple[Job, ...] = (inactive_residents, abandoned_flow_states, abandoned_survey_links, survey_keeping_time,
                         past_events, past_queue_days, old_outbox_messages, old_processed_events, old_unmet_searches,
                         old_activity_counts, ended_staff_sessions, old_audit_entries, long_disabled_accounts,
                         closed_questions, unused_screen_links)


async def prune(sessions: async_sessionmaker[AsyncSession], now: dt.datetime, settings: Settings) -> Pruned:
    pruned = Pruned()
    for job in JOBS:
        async with sessions() as session, session.begin():
            for kind, count in (await job(session, now, settings)).items():
                pruned.note(kind, count)
    return pruned


async def shuffle_survey_storage(engine: AsyncEngine) -> bool:
    """Rewrite the anonymous tables in key order on PostgreSQL (see the module docstring); False elsewhere."""
    if engine.dialect.name != "postgresql":
        return False
    async with engine.begin() as connection:
        # CLUSTER needs the tables to itself; rather than make every survey answer queue behind it while a long
        # transaction reads them, it gives up (and runs again at the next turn).
        await connection.execute(text("SET LOCAL lock_timeout = '2s'"))
        for table in ANONYMOUS_TABLES:
            await connection.execute(text(f"CLUSTER {table} USING pk_{table}"))
    return True
