"""The test databases: SQLite and PostgreSQL backends, the example content of Horst and the fixed moment
the tests play at, and the bot's settings on such a database."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import Settings
from bot.db.engine import create_engine_for_url
from bot.db.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parents[2]
HORST = ROOT / "content" / "horst"
BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday morning in November, when most offers of the example content are open.
TUESDAY_MORNING = dt.datetime(2026, 11, 24, 10, 30, tzinfo=BERLIN)
POSTGRES_ADMIN_URL = os.environ.get(
    "QB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    backend for backend in os.environ.get("QB_TEST_BACKENDS", "sqlite,postgresql").split(",") if backend
]


@dataclass
class Database:
    backend: str
    url: str
    engine: AsyncEngine


async def create_postgres_database() -> str:
    name = f"qb_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}). Start it "
            "(scripts/ensure-postgres), set QB_TEST_POSTGRES_URL, or run only SQLite with "
            "QB_TEST_BACKENDS=sqlite."
        ) from error
    finally:
        await admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def settings_for(database: Database, tmp_path: Path, **overrides: object) -> Settings:
    # Test residents are scripts that tap faster than people; fair use has its own tests with its own limits.
    overrides.setdefault("flood_messages", 10_000)
    return Settings(data_dir=tmp_path, database_url=database.url, **overrides)  # type: ignore[arg-type]



def plain_url(url: str) -> str:
    """The database URL as `quartiersbot` takes it in QB_DATABASE_URL: without the async driver."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "")


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[Database]:
    """An empty, migrated database of `backend` for one test, removed afterwards."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'fresh-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        url = await create_postgres_database()
    engine = create_engine_for_url(url)
    try:
        await upgrade_to_head(engine)
        yield Database(backend, url, engine)
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await drop_postgres_database(url)
