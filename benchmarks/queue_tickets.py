"""Taking a Sprechstunde number with 100 residents pressing at the same moment, on SQLite and PostgreSQL.

Each round opens a new session and lets 100 residents (language chosen, first steps done) press
the last button of "take a number" at once, through the real conversation core. Printed: the
latency of those requests (p50/p95/p99, ms, from pressing to the answer with number and position),
throughput (tickets per second from the first press to the last answer, median of the rounds),
and a check that every round's numbers are 1..100 without gaps or duplicates.
Usage: python benchmarks/queue_tickets.py [--rounds N] [--residents N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import horst_database, percentile  # noqa: E402
from bot import runtime  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.conversation.messages import Incoming  # noqa: E402
from bot.db.engine import session_factory  # noqa: E402
from bot.queue.models import Consultation, QueueSession, QueueTicket  # noqa: E402
from tests.support.databases import TUESDAY_MORNING  # noqa: E402


async def run_backend(backend: str, rounds: int, residents: int) -> tuple[list[float], list[float], bool]:
    latencies: list[float] = []
    throughputs: list[float] = []
    gapless = True
    async with horst_database(backend) as (workdir, url, engine):
        clock = FixedClock(TUESDAY_MORNING)
        sessions = session_factory(engine)
        app = await create_app(Settings(data_dir=workdir, database_url=url, quarter="horst"), clock=clock,
                               migrate=False, engine=engine)
        async with sessions() as session:
            consultation = await session.scalar(select(Consultation).where(Consultation.quarter == "horst"))
        assert consultation is not None
        for round_number in range(rounds):
            async with sessions() as session, session.begin():
                starts = clock.now() - dt.timedelta(minutes=30 + round_number)  # a session of its own per round
                row = QueueSession(consultation_id=consultation.id, day=TUESDAY_MORNING.date(), starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=3), ad_hoc=True, opened_at=starts,
                                   languages=["de"], last_number=0)
                session.add(row)
                await session.flush()
                session_id = row.id
            users = [f"r{round_number}-{uuid.uuid4().hex[:10]}" for _ in range(residents)]
            for user in users:  # they have chosen their language before
                await app.conversation.set_language("bench", user, "en")

            async def press(user: str, session_id: int = session_id) -> float:
                started = time.perf_counter()
                replies = await app.conversation.handle(
                    Incoming("bench", user, payload=f"queue:i:{session_id}:housing:-"))
                assert "A-" in replies[-1].title, replies[-1].text
                return (time.perf_counter() - started) * 1000

            started = time.perf_counter()
            latencies += await asyncio.gather(*(press(user) for user in users))
            throughputs.append(residents / (time.perf_counter() - started))
            async with sessions() as session:
                numbers = sorted(await session.scalars(
                    select(QueueTicket.number).where(QueueTicket.session_id == session_id)))
            gapless &= numbers == list(range(1, residents + 1))
    return latencies, throughputs, gapless


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgresql")
    arguments = parser.parse_args()
    print(f"{arguments.residents} residents press at once, {arguments.rounds} rounds "
          f"({arguments.residents * arguments.rounds} tickets per backend)\n")
    print("| backend | p50 ms | p95 ms | p99 ms | tickets/s (median of rounds) | numbers 1..N, no gaps |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for backend in arguments.backends.split(","):
        latencies, throughputs, gapless = await run_backend(backend, arguments.rounds, arguments.residents)
        print(f"| {backend} | {statistics.median(latencies):.1f} | {percentile(latencies, 0.95):.1f} | "
              f"{percentile(latencies, 0.99):.1f} | {statistics.median(throughputs):.0f} | "
              f"{'yes' if gapless else 'NO'} |")


if __name__ == "__main__":
    runtime.run(main())
