"""Everything about residents is deleted when the README's retention table says, not before.

Each test gets a database of its own (pruning with a clock a year ahead would otherwise erase
other tests' residents), moves the injected clock, and checks what a prune left.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.activity.counts import REACHED
from bot.activity.models import ActivityCount
from bot.app import App
from bot.clock import FixedClock
from bot.db.models import ConversationState, ProcessedEvent, Resident
from bot.events.models import EventRegistration, EventReminder
from bot.offers.models import UnmetSearch
from bot.outbox.models import OutboxMessage
from bot.outbox.store import SENT, enqueue
from bot.privacy.retention import prune
from bot.surveys.models import SurveyResponse
from tests.support.chat import Chat
from tests.support.databases import ROOT, TUESDAY_MORNING
from tests.support.events import make_event


async def resident_id(app: App, chat: Chat) -> int | None:
    async with app.sessions() as session:
        return await session.scalar(select(Resident.id).where(Resident.channel_user_id == chat.user))


async def count(app: App, table: type, *where: object) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_inactive_residents_go_after_twelve_months_with_everything_that_hangs_off_them(
        own: App, clock: FixedClock) -> None:
    quiet, active = Chat(own, language_hint="de"), Chat(own, language_hint="de")
    await quiet.say("/start")
    await quiet.tap("events:sub:families")  # a topic followed: erased with them
    clock.advance(dt.timedelta(days=300))
    await active.say("/start")
    quiet_id, active_id = await resident_id(own, quiet), await resident_id(own, active)
    assert quiet_id is not None and active_id is not None
    clock.set(TUESDAY_MORNING + dt.timedelta(days=365))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["inactive residents erased"] == 0  # twelve months to the day: still kept
    clock.advance(dt.timedelta(days=32))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["inactive residents erased"] == 1
    assert await resident_id(own, quiet) is None and await resident_id(own, active) == active_id
    assert await count(own, ConversationState, ConversationState.resident_id == quiet_id) == 0


async def test_unfinished_steps_go_after_thirty_days_and_a_half_typed_contact_after_two(
        own: App, clock: FixedClock) -> None:
    searching, signing_up = Chat(own, language_hint="en"), Chat(own, language_hint="en")
    await searching.say("/start")
    await searching.say("Deutschkurs")  # the offers state keeps the search for paging
    await signing_up.say("/survey")
    await signing_up.tap("survey:go:bedarfsabfrage")
    await signing_up.tap("survey:a:living_in_horst:under_1_year")
    for _ in range(30):  # to the end of the survey by skipping, then into the contact sign-up
        if "survey:a:help_organise:yes" in signing_up.payloads:
            break
        skip = next((p for p in signing_up.payloads if p.startswith("survey:s:")), None)
        if skip:
            await signing_up.tap(skip)
        else:
            await signing_up.tap(next(p for p in signing_up.payloads if p.startswith("survey:t:")))
            await signing_up.tap(next(p for p in signing_up.payloads if p.startswith("survey:d:")))
    await signing_up.tap("survey:a:help_organise:yes")
    await signing_up.tap("survey:su:yes")
    await signing_up.say("Retention Person, 0209 123456")  # typed, then left before the last step
    signing_id, searching_id = await resident_id(own, signing_up), await resident_id(own, searching)
    survey_state = (ConversationState.resident_id == signing_id, ConversationState.flow == "survey")
    assert await count(own, ConversationState, *survey_state) == 1
    clock.advance(dt.timedelta(days=1))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, ConversationState, *survey_state) == 1
    clock.advance(dt.timedelta(days=1, minutes=1))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["unfinished contact sign-ups"] == 1
    assert await count(own, ConversationState, *survey_state) == 0
    offers_state = (ConversationState.resident_id == searching_id, ConversationState.flow == "offers")
    assert await count(own, ConversationState, *offers_state) == 1
    clock.set(TUESDAY_MORNING + dt.timedelta(days=30, minutes=1))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, ConversationState, *offers_state) == 0


async def test_an_abandoned_survey_loses_its_link_and_its_answers_stay_anonymous(own: App, clock: FixedClock) -> None:
    chat = Chat(own, language_hint="en")
    await chat.say("/survey")
    await chat.tap("survey:go:bedarfsabfrage")
    await chat.tap("survey:a:living_in_horst:over_10_years")
    rid = await resident_id(own, chat)
    assert await count(own, SurveyResponse, SurveyResponse.resident_id == rid) == 1
    clock.advance(dt.timedelta(days=29))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, SurveyResponse, SurveyResponse.resident_id == rid) == 1
    clock.advance(dt.timedelta(days=2))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["unfinished survey answers unlinked"] == 1
    assert await count(own, SurveyResponse, SurveyResponse.resident_id == rid) == 0
    async with own.sessions() as session:
        response = await session.scalar(select(SurveyResponse).where(SurveyResponse.resident_id.is_(None)))
    assert response is not None and response.completed_on is None and response.started_on.day == 1
    await chat.say("/survey")  # they may start afresh
    assert "survey:go:bedarfsabfrage" in chat.payloads and "survey:new:bedarfsabfrage" not in chat.payloads


async def test_after_the_event_reminders_go_and_registrations_keep_only_the_count(own: App, clock: FixedClock) -> None:
    event = await make_event(own, "2026-11-25T18:00", "2026-11-25T20:00",
                             registration={"required": True, "capacity": 10})
    chat = Chat(own, language_hint="en")
    await chat.say("/start")
    await chat.tap(f"events:reg:{event.id}:2026-11-25")
    await chat.tap(f"events:r:{event.id}:2026-11-25")
    rid = await resident_id(own, chat)
    assert await count(own, EventReminder, EventReminder.resident_id == rid) >= 1
    await prune(own.sessions, clock.now(), own.settings)  # before the event: kept
    assert await count(own, EventRegistration, EventRegistration.resident_id == rid) == 1
    clock.set(TUESDAY_MORNING + dt.timedelta(days=2))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["registrations of past events unlinked"] == 1
    assert await count(own, EventReminder, EventReminder.resident_id == rid) == 0
    assert await count(own, EventRegistration, EventRegistration.resident_id == rid) == 0
    assert await count(own, EventRegistration, EventRegistration.event_id == event.id) == 1  # the count stays


async def test_sent_messages_event_ids_and_old_search_counts_go_in_their_time(own: App, clock: FixedClock) -> None:
    chat = Chat(own, language_hint="en")
    await chat.say("/start")
    await chat.say("zzqxretention")  # a search that finds nothing
    rid = await resident_id(own, chat)
    assert rid is not None
    now = clock.now()
    async with own.sessions() as session, session.begin():
        for key in ("sent", "pending"):
            await enqueue(session, resident_id=rid, channel="test", kind="event.reminder", payload={}, due_at=now,
                          key=f"retention:{key}:{rid}", now=now)
        sent = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"retention:sent:{rid}"))
        assert sent is not None
        sent.status, sent.sent_at = SENT, now
        session.add(ProcessedEvent(channel="test", event_id=f"retention-{rid}", processed_at=now))
    clock.advance(dt.timedelta(days=31))
    await prune(own.sessions, clock.now(), own.settings)
    keys = {message.idempotency_key for message in await _outbox_of(own, rid)}
    assert keys == {f"retention:pending:{rid}"}  # a message still to be sent is never pruned
    assert await count(own, ProcessedEvent, ProcessedEvent.event_id == f"retention-{rid}") == 0
    assert await count(own, UnmetSearch, UnmetSearch.text == "zzqxretention") == 1
    clock.set(TUESDAY_MORNING + dt.timedelta(days=2 * 365 + 8))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, UnmetSearch, UnmetSearch.text == "zzqxretention") == 0


async def _outbox_of(app: App, rid: int) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.resident_id == rid)))


def test_prune_runs_from_cron_and_says_what_it_deleted(tmp_path: Path) -> None:
    environment = {**os.environ, "QB_DATA_DIR": str(tmp_path)}
    environment.pop("QB_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "privacy", "prune"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "inactive residents erased: 0" in result.stdout
    assert "old outbox messages: 0" in result.stdout


async def test_counts_of_residents_reached_go_after_their_months(own: App, clock: FixedClock) -> None:
    """The count a resident's first message of the month adds stays 24 months (QB_RETENTION_COUNTS_MONTHS)."""
    await Chat(own, language_hint="en").say("/start")
    reached = (ActivityCount.quarter == own.settings.quarter, ActivityCount.measure == REACHED)
    assert await count(own, ActivityCount, *reached) == 1
    clock.advance(dt.timedelta(days=700))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, ActivityCount, *reached) == 1
    clock.advance(dt.timedelta(days=60))
    await prune(own.sessions, clock.now(), own.settings)
    assert await count(own, ActivityCount, *reached) == 0
