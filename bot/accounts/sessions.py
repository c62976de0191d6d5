"""Server-side sessions of the back office.

The browser holds a random token; the database holds only its SHA-256, so a leaked backup opens
no session. A session ends at the first of: its absolute lifetime, an idle time without requests,
logout, or a change to the account (disabled, reset, new role, new password). A login always starts
a new session with a new token (no session fixation); the step between password and one-time code
is a session of its own that opens nothing but the code's page and lasts five minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffAccount, StaffSession
from bot.config import Settings

PENDING_LIFETIME = dt.timedelta(minutes=5)
# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def start(session: AsyncSession, account: StaffAccount, now: dt.datetime, settings: Settings,
                complete: bool) -> str:
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(hours=settings.web_session_hours) if complete else PENDING_LIFETIME
    session.add(StaffSession(token_hash=token_hash(token), account_id=account.id, complete=complete,
                             created_at=now, last_seen_at=now, expires_at=now + lifetime))
    await session.flush()
    return token


async def current(session: AsyncSession, token: str | None, now: dt.datetime, settings: Settings, *,
                  touch: bool = True) -> tuple[StaffSession, StaffAccount] | None:
    """The live session of `token` and its account, or None; notes the request for the idle time unless
    told not to (a page asking for news by itself is not the staff member at work)."""
    if not token or len(token) > 128:
        return None
    row = await session.get(StaffSession, token_hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.complete and now - row.last_seen_at >= dt.timedelta(minutes=settings.web_idle_minutes):
        return None
    account = await session.get(StaffAccount, row.account_id)
    if account is None or account.disabled_at is not None:
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, account


async def end(session: AsyncSession, token: str | None, now: dt.datetime) -> None:
    if token:
        await session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash(token),
                                                         StaffSession.revoked_at.is_(None)).values(revoked_at=now))


async def revoke_all(session: AsyncSession, account_id: int, now: dt.datetime, keep: str | None = None) -> int:
    """End every live session of an account, except the one with token `keep`; returns how many."""
    statement = update(StaffSession).where(StaffSession.account_id == account_id, StaffSession.revoked_at.is_(None),
                                           StaffSession.expires_at > now)
    if keep:
        statement = statement.where(StaffSession.token_hash != token_hash(keep))
    result = await session.execute(statement.values(revoked_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
