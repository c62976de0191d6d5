"""One async engine per process, configured so SQLite behaves like a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.config import Settings
from bot.files import private_dir, private_file


def create_engine(settings: Settings) -> AsyncEngine:
    return create_engine_for_url(settings.async_database_url, data_dir=settings.data_dir)


def create_engine_for_url(url: str, data_dir: Any = None) -> AsyncEngine:
    sqlite_file = _sqlite_file(url)
    if data_dir is not None and (sqlite_file is not None or Path(data_dir).exists()):
        # Residents' data, the Matrix keys and calendar files live there: the bot user's alone, whatever the umask.
        private_dir(Path(data_dir))
        if sqlite_file is not None and sqlite_file.parent.is_dir():
            private_file(sqlite_file)  # before SQLite creates it: its -wal and -shm files take its mode
    if url.startswith("sqlite"):
        # One connection: SQLite has a single writer anyway, and letting transactions queue for the
        # connection (without blocking the event loop) is cheaper than BEGIN IMMEDIATE and avoids
        # "database is locked" when two deferred transactions both try to write. SQLite serves one
        # bot process; several processes share PostgreSQL.
        # Every transaction ends in an explicit commit or rollback, so the pool's extra rollback on
        # check-in (a thread round trip with aiosqlite) is left out.
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0,
                                     pool_timeout=60, pool_reset_on_return=None)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for PostgreSQL and for a database in memory."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and not database.startswith(("file:", ":memory:")) else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Cascading deletes (erasing a resident) rely on foreign keys, which SQLite leaves off.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
