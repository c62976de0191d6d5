"""Updates per second through the Bot API emulation: the whole bot against a bare echo bot.

Both run as processes of their own (the real `quartiersbot run`, and benchmarks/echo_bot.py)
against the same loopback emulator (tests/support/telegram_emulator.py), which runs in this process,
in the same run, with python-telegram-bot's polling. The echo bot answers each text with the same text
(python-telegram-bot and HTTP only); the whole bot answers menu and search messages through
the conversation core and the database. Each measurement is a burst: every resident sends
its messages at once, and the clock stops when the last reply arrived. Latency is from an
update becoming available to its reply arriving at the emulator.

Both bots process up to the same number of updates at once (CONCURRENT_UPDATES). The whole
bot's rate limiter is lifted for this (QB_TELEGRAM_MAX_RATE); against real Telegram it keeps
replies under about 30 per second, which would otherwise be what is measured.
Usage: python benchmarks/telegram_throughput.py [--residents 40] [--messages 10] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import database_url, percentile  # noqa: E402
from bot import runtime  # noqa: E402
from bot.db.engine import create_engine_for_url, session_factory  # noqa: E402
from tests.support.databases import HORST  # noqa: E402
from tests.support.telegram_emulator import BotApiEmulator  # noqa: E402

FIRST_USER = 5_000_000
SEARCHES = ["Tafel", "Deutschkurs", "Beratung", "Hausaufgaben", "Kleiderkammer", "Jobcenter", "Senioren", "Garten"]


@asynccontextmanager
async def bot_process(emulator: BotApiEmulator, command: list[str], environment: dict[str, str]
                      ) -> AsyncIterator[None]:
    """A bot in a process of its own, as in production; this process only plays Telegram."""
    env = {**os.environ, "QB_TELEGRAM_TOKEN": emulator.token, "QB_TELEGRAM_API_URL": emulator.base_url,
           "QB_TELEGRAM_MAX_RATE": "1000000", "QB_LOG_LEVEL": "WARNING", **environment}
    process = await asyncio.create_subprocess_exec(sys.executable, *command, env=env, cwd=ROOT)
    try:
        await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls), timeout=60)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


@asynccontextmanager
async def whole_bot(emulator: BotApiEmulator, backend: str, workdir: Path) -> AsyncIterator[None]:
    url, cleanup = await database_url(backend, workdir)
    plain_url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
    environment = {"QB_DATA_DIR": str(workdir), "QB_DATABASE_URL": plain_url}
    importing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "import", str(HORST), env={**os.environ, **environment}, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL)
    assert await importing.wait() == 0
    try:
        async with bot_process(emulator, ["-m", "bot.cli", "run"], environment):
            yield
    finally:
        await cleanup()


async def burst(emulator: BotApiEmulator, residents: int, messages: int,
                text_for: Callable[[int, int], str]) -> tuple[float, list[float]]:
    """Send every resident's messages at once; replies per second and each reply's latency (ms)."""
    users = range(FIRST_USER, FIRST_USER + residents)
    before = {user: len(emulator.messages(user)) for user in users}
    enqueued: dict[tuple[int, int], float] = {}
    started = time.perf_counter()
    for index, user in itertools.product(range(messages), users):
        enqueued[(user, index)] = time.perf_counter()
        emulator.send_text(user, text_for(user, index), language_code="de")
    for user in users:
        await emulator.wait_for_messages(user, before[user] + messages, timeout=120)
    finished = max(emulator.messages(user)[-1].sent_at for user in users)
    latencies = [
        (emulator.messages(user)[before[user] + index].sent_at - enqueued[(user, index)]) * 1000
        for user in users for index in range(messages)
    ]
    return residents * messages / (finished - started), latencies


async def warm_up(emulator: BotApiEmulator, residents: int, replies: int) -> None:
    """First contact (language from the hint) happens once, as for real residents."""
    for user in range(FIRST_USER, FIRST_USER + residents):
        emulator.send_text(user, "/start", language_code="de")
    for user in range(FIRST_USER, FIRST_USER + residents):
        await emulator.wait_for_messages(user, replies, timeout=60)


async def transaction_floor(workdir: Path, rounds: int = 2000) -> float:
    """Median ms of the least a stateful reply needs: one read and one write in one SQLite transaction."""
    engine = create_engine_for_url(f"sqlite+aiosqlite:///{workdir / 'floor.db'}")
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE state (id INTEGER PRIMARY KEY, seen INTEGER)"))
        await session.execute(text("INSERT INTO state VALUES (1, 0)"))
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            (await session.execute(text("SELECT seen FROM state WHERE id = 1"))).all()
            await session.execute(text("UPDATE state SET seen = seen + 1 WHERE id = 1"))
        timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return statistics.median(timings)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    arguments = parser.parse_args()
    residents, messages = arguments.residents, arguments.messages
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        emulator = BotApiEmulator()
        await emulator.start()
        async with bot_process(emulator, [str(ROOT / "benchmarks" / "echo_bot.py")], {}):
            await warm_up(emulator, residents, replies=1)
            echo_rate, echo_latency = await burst(emulator, residents, messages, lambda user, index: f"echo {index}")
        await emulator.stop()
        rows.append(("echo bot (python-telegram-bot only)", "text", "", echo_rate, echo_latency))
        for backend in arguments.backends.split(","):
            emulator = BotApiEmulator()
            await emulator.start()
            async with whole_bot(emulator, backend, Path(folder) / backend):
                await warm_up(emulator, residents, replies=2)  # greeting and menu
                for kind, text_for in (("menu", lambda user, index: "/menu"),
                                       ("search", lambda user, index: SEARCHES[(user + index) % len(SEARCHES)])):
                    rate, latency = await burst(emulator, residents, messages, text_for)
                    rows.append((f"Quartiersbot ({backend})", kind, f"{rate / echo_rate:.2f}", rate, latency))
            await emulator.stop()
    print(f"{residents} residents × {messages} messages sent at once per row; latency from update to reply\n")
    print("| bot | messages | ratio to echo | updates/s | p50 ms | p95 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, kind, ratio, rate, latency in rows:
        print(f"| {name} | {kind} | {ratio or '1.00'} | {rate:.0f} | {statistics.median(latency):.1f} | "
              f"{percentile(latency, 0.95):.1f} |")
    echo_ms = 1000 / echo_rate
    floor = await transaction_floor(Path(tempfile.mkdtemp()))
    print(f"\nThe echo bot spends {echo_ms:.2f} ms per update; reaching 0.8 of it leaves "
          f"{echo_ms / 0.8 - echo_ms:.2f} ms per message for everything else. One read and one write "
          f"in one SQLite transaction (SQLAlchemy, aiosqlite) alone take {floor:.2f} ms (median).")


if __name__ == "__main__":
    runtime.run(main())
