"""Retention of the back office's sessions: a session that can no longer be used is deleted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffSession
from bot.config import Settings


async def ended_staff_sessions(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    idle = now - dt.timedelta(minutes=settings.web_idle_minutes)
    result = await session.execute(delete(StaffSession).where(or_(
        StaffSession.expires_at <= now, StaffSession.revoked_at.is_not(None), StaffSession.last_seen_at < idle)))
    return {"ended back-office sessions": int(result.rowcount)}  # type: ignore[attr-defined]
