"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Per test session and backend, a fresh database is migrated and the Horst example content is
imported once; each test then gets its own residents (unique user ids) and a fixed clock, so
tests do not depend on each other or on the day they run.

Only fixtures live here; what they are built from, and what tests import, is in tests/support.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.content.importer import import_folder
from bot.db.engine import create_engine_for_url, session_factory
from bot.db.migrate import upgrade_to_head
from tests.support.databases import (
    BACKENDS,
    HORST,
    TUESDAY_MORNING,
    Database,
    create_postgres_database,
    drop_postgres_database,
    settings_for,
)
from tests.support.synapse import Synapse
from tests.support.telegram import Running
from tests.support.telegram_emulator import BotApiEmulator


@pytest_asyncio.fixture(scope="session", params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Database]:
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif backend == "postgresql":
        url = await create_postgres_database()
    else:
        raise ValueError(f"unknown backend {backend}")
    engine = create_engine_for_url(url)
    await upgrade_to_head(engine)
    await import_folder(session_factory(engine), HORST, "horst", FixedClock(TUESDAY_MORNING))
    yield Database(backend, url, engine)
    await engine.dispose()
    if backend == "postgresql":
        await drop_postgres_database(url)


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


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TUESDAY_MORNING)


@pytest_asyncio.fixture
async def own(database: Database, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    """An app on a fresh database of this test alone, of the same backend as `database`."""
    if database.backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.sqlite3'}"
    else:
        url = await create_postgres_database()
    engine = create_engine_for_url(url)
    await upgrade_to_head(engine)
    await import_folder(session_factory(engine), HORST, "horst", clock)
    own_database = Database(database.backend, url, engine)
    app = await create_app(settings_for(own_database, tmp_path), clock=clock, migrate=False, engine=engine)
    yield app
    await engine.dispose()
    if database.backend == "postgresql":
        await drop_postgres_database(url)


@pytest_asyncio.fixture
async def app(database: Database, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    application = await create_app(settings_for(database, tmp_path), clock=clock, migrate=False,
                                   engine=database.engine)
    yield application


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock
              ) -> AsyncIterator[Running]:
    """The Telegram channel polling the test's own emulator. Modules about another bot define their own `bot`."""
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url)
    app = await create_app(settings, clock=clock, migrate=False, engine=database.engine)
    running = Running(app, settings)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
    yield running
    await running.close()
