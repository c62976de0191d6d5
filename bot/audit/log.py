"""Writing and reading the audit log.

`record` adds its row to the caller's session, so the entry is committed with the change it
describes or rolled back with it: there is no change without its entry and no entry for a change
that did not happen. Content changes pass `before` and `after` as plain JSON; secrets (password
hashes, one-time-code secrets) are never passed.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff account in the back office, or the administrator at the command line."""

    label: str
    account_id: int | None = None

    @classmethod
    def command_line(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "?"
        return cls(f"command line ({user})")


def record(session: AsyncSession, now: dt.datetime, actor: Actor, action: str, object_type: str,
           object_id: object = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(at=now, account_id=actor.account_id, actor=actor.label[:128], action=action,
                       object_type=object_type, object_id=None if object_id is None else str(object_id)[:64],
                       before=before, after=after)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    object_type: str = ""
    actor: str = ""


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    page: int
    pages: int
    total: int


async def read(session: AsyncSession, where: AuditFilter, page: int = 1, per_page: int = 50) -> AuditPage:
    """Newest first, filtered by exact action and object type and by a part of the actor's name."""
    conditions = []
    if where.action:
        conditions.append(AuditEntry.action == where.action)
    if where.object_type:
        conditions.append(AuditEntry.object_type == where.object_type)
    if where.actor:
        conditions.append(func.lower(AuditEntry.actor).contains(where.actor.lower(), autoescape=True))
    total = int(await session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = (await session.scalars(select(AuditEntry).where(*conditions)
                                     .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page))).all()
    return AuditPage(entries, page, pages, total)


async def known_values(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The actions and object types that occur, for the filter's choices."""
    actions = (await session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))).all()
    types = (await session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))).all()
    return list(actions), list(types)
