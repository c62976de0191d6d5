"""SQL that differs between SQLite and PostgreSQL, chosen by the session's connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING, in the session's SQL dialect."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)


def epoch_seconds(session: AsyncSession, column: Any) -> Any:
    """A UTC timestamp column as seconds since 1970 (a float), so figures read numbers, not datetimes.

    SQLite stores our timestamps as UTC text ('2026-11-24 09:30:00.000000'), which julianday() reads.
    """
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def utc_hour(session: AsyncSession, column: Any) -> Any:
    """A UTC timestamp column as its hour, 'YYYY-MM-DD HH' (UTC), to count by in SQL: a local day is made of
    whole UTC hours wherever the offset is whole hours (Europe/Berlin)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)
