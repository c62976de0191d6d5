"""The waiting-room screen's link: a random token in the address instead of a login, one per quarter.

A TV cannot log in (nor type one-time codes), so the screen is reached by an address nobody can guess:
192 random bits. The database keeps only the token's SHA-256; Leitung renews the link (the old one stops
at once) or switches it off. A link nobody has opened for `UNUSED_DAYS` is deleted (a screen given away
or forgotten does not keep a working address), by the hourly retention run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.queue.models import WaitingRoomScreen

TOKEN_BYTES = 24  # 192 bits, 32 characters in the address
UNUSED_DAYS = 90
TOUCH_EVERY = dt.timedelta(hours=1)  # a screen asks every few seconds; its use is noted once an hour


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def current(db: AsyncSession, quarter: str) -> WaitingRoomScreen | None:
    return await db.scalar(select(WaitingRoomScreen).where(WaitingRoomScreen.quarter == quarter))


async def renew(db: AsyncSession, quarter: str, now: dt.datetime) -> str:
    """A new link for the quarter's screen, replacing the old one; returns the token (shown once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = await db.scalar(select(WaitingRoomScreen).where(WaitingRoomScreen.quarter == quarter).with_for_update())
    if row is None:
        db.add(WaitingRoomScreen(quarter=quarter, token_hash=token_hash(token), created_at=now, last_used_at=now))
    else:
        row.token_hash, row.created_at, row.last_used_at = token_hash(token), now, now
    await db.flush()
    return token


async def switch_off(db: AsyncSession, quarter: str) -> bool:
    result = await db.execute(delete(WaitingRoomScreen).where(WaitingRoomScreen.quarter == quarter))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def quarter_of(db: AsyncSession, token: str, now: dt.datetime) -> str | None:
    """The quarter whose screen `token` opens, or None; notes the use (at most hourly)."""
    if not token or len(token) > 64:
        return None
    row = await db.scalar(select(WaitingRoomScreen).where(WaitingRoomScreen.token_hash == token_hash(token)))
    if row is None:
        return None
    if now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    return row.quarter


async def unused_screen_links(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    """The retention job: links no screen has opened for `UNUSED_DAYS`."""
    cutoff = now - dt.timedelta(days=UNUSED_DAYS)
    result = await session.execute(delete(WaitingRoomScreen).where(WaitingRoomScreen.last_used_at < cutoff))
    return {"unused waiting-room screen links": int(result.rowcount)}  # type: ignore[attr-defined]
