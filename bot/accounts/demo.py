"""The demo's staff accounts: `quartiersbot demo` shows the back office beside the terminal chat.

Created only when the database has no staff account at all (a fresh demo database), with generated
passwords that are printed once and stored nowhere but as argon2 hashes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import store
from bot.accounts.models import StaffAccount
from bot.accounts.passwords import generate_password
from bot.accounts.roles import LEITUNG, TEAM
from bot.audit.log import Actor

DEMO_ACCOUNTS = (("leitung", LEITUNG), ("team", TEAM))


async def create_demo_accounts(session: AsyncSession, now: dt.datetime) -> list[tuple[str, str, str]]:
    """(name, role, password) of the accounts made now; empty when the database has accounts already."""
    if await session.scalar(select(func.count(StaffAccount.id))):
        return []
    made = []
    for name, role in DEMO_ACCOUNTS:
        password = generate_password()
        await store.create_account(session, name, role, password, now, Actor("demo"))
        made.append((name, role, password))
    return made
