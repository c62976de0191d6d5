"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Per test session and backend, a fresh database is migrated and the Horst example content is
imported once; each test then gets its own residents (unique user ids) and a fixed clock, so
tests do not depend on each other or on the day they run.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.content.importer import import_folder
from bot.conversation.messages import Incoming, Reply, parse_text
from bot.db.engine import create_engine_for_url, session_factory
from bot.db.migrate import upgrade_to_head
from bot.db.models import Resident
from tests.support.synapse import Synapse
from tests.support.telegram_emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
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


async def _create_postgres_database() -> str:
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


async def _drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest_asyncio.fixture(scope="session", params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Database]:
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif backend == "postgresql":
        url = await _create_postgres_database()
    else:
        raise ValueError(f"unknown backend {backend}")
    engine = create_engine_for_url(url)
    await upgrade_to_head(engine)
    await import_folder(session_factory(engine), HORST, "horst", FixedClock(TUESDAY_MORNING))
    yield Database(backend, url, engine)
    await engine.dispose()
    if backend == "postgresql":
        await _drop_postgres_database(url)


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A loopback Telegram Bot API of the test's own."""
    server = BotApiEmulator()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Synapse]:
    """One real Synapse for the session; tests that use it carry xdist_group("synapse")."""
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    await server.start()
    yield server
    await server.stop()


def settings_for(database: Database, tmp_path: Path, **overrides: object) -> Settings:
    # Test residents are scripts that tap faster than people; fair use has its own tests with its own limits.
    overrides.setdefault("flood_messages", 10_000)
    return Settings(data_dir=tmp_path, database_url=database.url, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TUESDAY_MORNING)


@pytest_asyncio.fixture
async def own(database: Database, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    """An app on a fresh database of this test alone, of the same backend as `database`."""
    if database.backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.sqlite3'}"
    else:
        url = await _create_postgres_database()
    engine = create_engine_for_url(url)
    await upgrade_to_head(engine)
    await import_folder(session_factory(engine), HORST, "horst", clock)
    own_database = Database(database.backend, url, engine)
    app = await create_app(settings_for(own_database, tmp_path), clock=clock, migrate=False, engine=engine)
    yield app
    await engine.dispose()
    if database.backend == "postgresql":
        await _drop_postgres_database(url)


@pytest_asyncio.fixture
async def app(database: Database, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    application = await create_app(settings_for(database, tmp_path), clock=clock, migrate=False,
                                   engine=database.engine)
    yield application


class Chat:
    """One resident talking to the core; `say` types, `tap` presses a button by payload."""

    def __init__(self, app: App, channel: str = "test", user: str | None = None,
                 language_hint: str | None = None) -> None:
        self.app = app
        self.channel = channel
        self.user = user or uuid.uuid4().hex
        self.language_hint = language_hint
        self.last: list[Reply] = []

    async def say(self, text: str) -> list[Reply]:
        self.last = await self.app.conversation.handle(
            parse_text(self.channel, self.user, text, language_hint=self.language_hint)
        )
        return self.last

    async def tap(self, payload: str) -> list[Reply]:
        self.last = await self.app.conversation.handle(
            Incoming(self.channel, self.user, payload=payload, language_hint=self.language_hint)
        )
        return self.last

    async def tap_label(self, fragment: str) -> list[Reply]:
        """Press the button of the last reply whose label contains `fragment`."""
        for choice in self.last[-1].choices:
            if fragment in choice.label:
                return await self.tap(choice.payload)
        labels = [choice.label for choice in self.last[-1].choices]
        raise AssertionError(f"no choice containing {fragment!r} among {labels}")

    async def stored_language(self) -> str | None:
        async with self.app.sessions() as session:
            return await session.scalar(
                select(Resident.language).where(Resident.channel == self.channel,
                                                Resident.channel_user_id == self.user))

    @property
    def text(self) -> str:
        return "\n".join(f"{reply.title}\n{reply.text}" for reply in self.last)

    @property
    def payloads(self) -> list[str]:
        return [choice.payload for choice in self.last[-1].choices]
