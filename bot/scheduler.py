"""The clock that wakes the outbox dispatcher and the retention jobs; the database stays the truth.

APScheduler only decides *when* to look; what is due, sent or failed is read from and written
to the outbox table, so a restart resumes exactly where the last run stopped.
"""

from __future__ import annotations

import asyncio
import logging

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


def start_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=app.settings.zone)

    running: set[asyncio.Task[None]] = set()

    async def send_due() -> None:
        report = await app.dispatcher.run_until_idle()
        if report.sent or report.failed or report.dropped:
            log.info("outbox: %s sent, %s retried later, %s failed, %s dropped %s", report.sent, report.retried,
                     report.failed, report.dropped, report.dropped_reasons or "")

    async def dispatch() -> None:
        """Wake the dispatcher unless it is still busy; a long round never blocks the next tick."""
        if app.dispatcher.busy or running:
            return
        task = asyncio.create_task(send_due())
        running.add(task)
        task.add_done_callback(running.discard)

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

    scheduler.add_job(dispatch, "interval", seconds=DISPATCH_EVERY_SECONDS, max_instances=1, coalesce=True,
                      id="outbox", next_run_time=app.clock.now())
    scheduler.add_job(queue_upkeep, "interval", seconds=QUEUE_EVERY_SECONDS, max_instances=1, coalesce=True,
                      id="queue", next_run_time=app.clock.now())
    scheduler.add_job(housekeeping, "interval", minutes=HOUSEKEEPING_EVERY_MINUTES, max_instances=1, coalesce=True,
                      id="housekeeping", next_run_time=app.clock.now())
    if app.engine.dialect.name == "postgresql":
        scheduler.add_job(shuffle, "interval", minutes=SHUFFLE_EVERY_MINUTES, max_instances=1, coalesce=True,
                          id="shuffle", next_run_time=app.clock.now())
        scheduler.add_job(recover, "interval", seconds=RECOVER_EVERY_SECONDS, max_instances=1, coalesce=True,
                          id="recover")
    scheduler.start()
    return scheduler
