"""SQL that differs between SQLite and PostgreSQL, chosen by the session's connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING, in the session's SQL dialect."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
