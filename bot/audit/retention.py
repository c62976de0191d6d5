"""Retention of the audit log: entries older than `retention_audit_months` are deleted."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.models import AuditEntry
from bot.config import Settings


async def old_audit_entries(session: AsyncSession, now: dt.datetime, settings: Settings) -> dict[str, int]:
    cutoff = now - relativedelta(months=settings.retention_audit_months)
    result = await session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
    return {"audit log entries": int(result.rowcount)}  # type: ignore[attr-defined]
