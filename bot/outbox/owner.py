"""Which process is sending an outbox message, so that what a crashed process had in hand is sent
again at once rather than when its lease runs out.

On PostgreSQL every process holds an advisory lock on a number of its own for as long as it lives;
the database lets go of it when the process's connection ends, a kill included. A message still
"sending" under a number whose lock nobody holds was cut off by a dead process. On SQLite one
process serves the file, so at its start everything "sending" was cut off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.outbox.models import OutboxMessage
from bot.outbox.store import PENDING, SENDING

log = logging.getLogger(__name__)
LOCK_SPACE = 0x5142  # "QB": the first key of the two-key advisory locks, apart from other applications' locks


class Ownership:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.number = secrets.randbelow(2**31 - 2) + 1  # this process's; 0 and None mean "nobody"
        self._connection: AsyncConnection | None = None

    @property
    def _locks(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def hold(self) -> None:
        """Take this process's lock, or take it again after its connection was lost (PostgreSQL only)."""
        if not self._locks:
            return
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()
                return
            except DBAPIError:
                log.warning("the connection that marks this process as alive was lost; taking it up again")
                await self.release()
        connection = await self.engine.connect()
        try:
            await connection.execute(text("SELECT pg_advisory_lock(:space, :number)"),
                                     {"space": LOCK_SPACE, "number": self.number})
            await connection.commit()  # the lock is the session's: it outlives the transaction
        except BaseException:
            await connection.close()
            raise
        self._connection = connection

    async def release(self) -> None:
        """Let go of the lock, and of its connection for good (back in the pool, it would keep the lock)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.invalidate()
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def recover(self, sessions: async_sessionmaker[AsyncSession], now: dt.datetime) -> int:
        """Messages a dead process left "sending" become due now; returns how many."""
        async with sessions() as session, session.begin():
            sending = OutboxMessage.status == SENDING
            if not self._locks:  # SQLite: only this process serves the file, and it has sent nothing yet
                result = await session.execute(update(OutboxMessage).where(sending)
                                               .values(status=PENDING, next_attempt_at=now, claimed_by=None))
                return int(result.rowcount)  # type: ignore[attr-defined]
            owners = (await session.scalars(select(OutboxMessage.claimed_by).distinct().where(
                sending, OutboxMessage.claimed_by.is_not(None), OutboxMessage.claimed_by != self.number))).all()
            recovered = 0
            for owner in owners:
                # Free only when that process is gone; held (as a transaction lock) until this one commits.
                if await session.scalar(text("SELECT pg_try_advisory_xact_lock(:space, :number)"),
                                        {"space": LOCK_SPACE, "number": owner}):
                    result = await session.execute(
                        update(OutboxMessage).where(sending, OutboxMessage.claimed_by == owner)
                        .values(status=PENDING, next_attempt_at=now, claimed_by=None))
                    recovered += int(result.rowcount)  # type: ignore[attr-defined]
            return recovered
