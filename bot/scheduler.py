"""The clock that wakes the outbox dispatcher and the retention jobs; the database stays the truth.

APScheduler only decides *when* to look; what is due, sent or failed is read from and written
to the outbox table, so a restart resumes exactly where the last run stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.privacy.retention import prune, shuffle_survey_storage
from bot.queue.upkeep import run_upkeep

log = logging.getLogger(__name__)
DISPATCH_EVERY_SECONDS = 2
QUEUE_EVERY_SECONDS = 15  # no-shows are counted in minutes; a quarter of a minute late is fine
HOUSEKEEPING_EVERY_MINUTES = 60  # retention is counted in days; an hour late is fine
RECOVER_EVERY_SECONDS = 15  # how soon another process's answers go out after it died
SHUFFLE_EVERY_MINUTES = 5  # how long the order of completed surveys can be read on PostgreSQL
STOP_GRACE_SECONDS = 20.0  # how long stopping waits for a job in hand (a retention run, an outbox round)


class Jobs:
    """The scheduler, and the work it started, which stopping lets finish before the database closes.

    APScheduler cancels a coroutine job it is running when it shuts down; a job cancelled inside a
    database call can leave its connection open, and an open SQLite connection's thread keeps the
    process from ever exiting. So a job's work runs as a task of its own, tracked here and awaited.
    """

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.scheduler = scheduler
        self._running: dict[str, asyncio.Task[None]] = {}

    def tracked(self, name: str, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """The job APScheduler calls: starts `work` unless its last run is still going (a long round never
        blocks the next tick, and never runs twice at once)."""
        async def start() -> None:
            if name in self._running or not self.scheduler.running:
                return
            task = asyncio.create_task(self._run(work), name=f"job {name}")
            self._running[name] = task
            task.add_done_callback(lambda _: self._running.pop(name, None))
        return start

    @staticmethod
    async def _run(work: Callable[[], Awaitable[None]]) -> None:
        try:
            await work()
        except Exception:  # the next turn tries again; the error is the job's, never a resident's words
            log.exception("a scheduled job failed")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Start nothing more and let the work in hand finish (cancelled after `grace`); safe to call twice."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if not self._running:
            return
        _, late = await asyncio.wait(set(self._running.values()), timeout=grace)
        for task in late:
            log.warning("a scheduled job did not finish in %.0f s and is cancelled", grace)
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=grace)


def start_scheduler(app: App) -> Jobs:
    scheduler = AsyncIOScheduler(timezone=app.settings.zone)
    jobs = Jobs(scheduler)

    async def send_due() -> None:
        report = await app.dispatcher.run_until_idle()
        if report.sent or report.failed or report.dropped:
            log.info("outbox: %s sent, %s retried later, %s failed, %s dropped %s", report.sent, report.retried,
                     report.failed, report.dropped, report.dropped_reasons or "")

    async def dispatch() -> None:
        """Wake the dispatcher unless it is still busy (messages sent by a chat answer, for instance)."""
        if not app.dispatcher.busy:
            await send_due()

    async def housekeeping() -> None:
        pruned = await prune(app.sessions, app.clock.now(), app.settings)
        if any(pruned.counts.values()):
            log.info("retention: %s", "; ".join(line for line in pruned.lines() if not line.endswith(": 0")))

    async def shuffle() -> None:
        try:
            await shuffle_survey_storage(app.engine)
        except DBAPIError:  # busy (its lock timeout) or the database is away: the next turn does it
            log.info("the anonymous survey tables could not be rewritten now; trying again at the next turn")

    async def recover() -> None:
        """Another process's messages in hand, should it have died (PostgreSQL; see outbox/owner.py)."""
        try:
            await app.ownership.hold()
            recovered = await app.ownership.recover(app.sessions, app.clock.now())
        except DBAPIError:  # the database is away: the next turn does it
            return
        if recovered:
            log.info("%s message(s) of a stopped process are sent again now", recovered)

    async def queue_upkeep() -> None:
        report = await run_upkeep(app.sessions, app.clock.now(), app.settings.zone)
        if report.no_shows or report.closed:
            log.info("queue: %s no-show(s); closed session(s) %s", report.no_shows, report.closed or "none")

    def add(name: str, work: Callable[[], Awaitable[None]], first_run: bool = True, **interval: int) -> None:
        first = {"next_run_time": app.clock.now()} if first_run else {}  # otherwise one interval from now
        scheduler.add_job(jobs.tracked(name, work), "interval", **interval, max_instances=1, coalesce=True, id=name,
                          **first)

    add("outbox", dispatch, seconds=DISPATCH_EVERY_SECONDS)
    add("queue", queue_upkeep, seconds=QUEUE_EVERY_SECONDS)
    add("housekeeping", housekeeping, minutes=HOUSEKEEPING_EVERY_MINUTES)
    if app.engine.dialect.name == "postgresql":
        add("shuffle", shuffle, minutes=SHUFFLE_EVERY_MINUTES)
        add("recover", recover, first_run=False, seconds=RECOVER_EVERY_SECONDS)
    scheduler.start()
    return jobs
