"""Retention of the back office's sessions and accounts: a session that can no longer be used is deleted;
an account disabled for as long as the audit log keeps entries (so none can still name it) is deleted too,
with its linked chat accounts and sessions."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffAccount, StaffSession
from bot.config import Settings


async def ended_staff_sessions(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    idle = now - dt.timedelta(minutes=settings.web_idle_minutes)
    result = await session.execute(delete(StaffSession).where(or_(
        StaffSession.expires_at <= now, StaffSession.revoked_at.is_not(None), StaffSession.last_seen_at < idle)))
    return {"ended back-office sessions": int(result.rowcount)}  # type: ignore[attr-defined]


async def long_disabled_accounts(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now - relativedelta(months=settings.retention_audit_months)
    result = await session.execute(delete(StaffAccount).where(StaffAccount.disabled_at.is_not(None),
                                                              StaffAccount.disabled_at < cutoff))
    return {"long-disabled back-office accounts": int(result.rowcount)}  # type: ignore[attr-defined]
