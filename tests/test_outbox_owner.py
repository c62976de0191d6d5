"""What a crashed process had in hand is sent again as soon as it is known to be dead: on PostgreSQL
when its advisory lock is free, on SQLite (one process) at the next start; never while it lives."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.durable import REPLY_LEASE
from bot.db.engine import create_engine_for_url, session_factory
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage
from bot.outbox.owner import Ownership
from bot.outbox.store import PENDING, SENDING, keep_reply
from tests.support.databases import Database


async def test_messages_of_a_dead_process_are_recovered_and_of_a_live_one_not(database: Database,
                                                                             clock: FixedClock) -> None:
    sessions = session_factory(database.engine)
    now = clock.now()
    # "Another process": an engine of its own, as a second `quartiersbot run` would have.
    other_engine = create_engine_for_url(database.url) if database.backend == "postgresql" else database.engine
    other = Ownership(other_engine)
    this = Ownership(database.engine)
    try:
        await other.hold()
        async with sessions() as session, session.begin():
            resident = Resident(channel="test", channel_user_id=uuid.uuid4().hex, created_at=now, last_seen_at=now)
            session.add(resident)
            await session.flush()
            reply = await keep_reply(session, resident_id=resident.id, channel="test", key=f"reply:{uuid.uuid4()}",
                                     payload={"replies": []}, now=now, lease=REPLY_LEASE, owner=other.number)
        await this.hold()
        if database.backend == "postgresql":
            assert await this.recover(sessions, now) == 0  # the other process lives: its messages are its own
            await other.release()  # its connection ends, as with a kill
        assert await this.recover(sessions, now) == 1
        async with sessions() as session:
            row = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == reply))
            assert row is not None and row.status == PENDING and row.claimed_by is None and row.next_attempt_at == now
            assert await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == reply)) != SENDING
        assert await this.recover(sessions, now) == 0
    finally:
        await other.release()
        await this.release()
        if other_engine is not database.engine:
            await other_engine.dispose()
