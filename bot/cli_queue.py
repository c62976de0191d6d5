"""`quartiersbot queue stats`: the Sprechstunde figures for the city's controlling.

It prints the Sprechstunde tables of the figures pages (bot/figures/queue.py), for a period and beside the
period of the same length before it; without dates, the period runs from the first to the last session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.figures.queue import queue_tables
from bot.figures.tables import Period
from bot.figures.text import lines, terminal_translator
from bot.queue.stats import as_csv, figures, session_days


def add_parser(commands: Any) -> None:
    queue = commands.add_parser("queue", help="the Sprechstunde queue: figures")
    actions = queue.add_subparsers(dest="action", required=True)
    stats = actions.add_parser("stats", help="tickets per session, waiting times, no-shows, topics, languages")
    stats.add_argument("--from", dest="first", type=dt.date.fromisoformat, default=None, metavar="DATE",
                       help="first day, e.g. 2026-11-01 (default: the first session's)")
    stats.add_argument("--to", dest="last", type=dt.date.fromisoformat, default=None, metavar="DATE",
                       help="last day, included (default: the last session's)")
    stats.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write one row per session")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    if arguments.first and arguments.last and arguments.first > arguments.last:
        print("--from is after --to: nothing to count.", file=sys.stderr)
        return 2
    app = await create_app(settings)
    try:
        async with app.sessions() as session:
            today = app.clock.now().astimezone(settings.zone).date()
            first, last = await session_days(session, settings.quarter)
            period = Period(arguments.first or first or today, arguments.last or last or today)
            if period.first > period.last:
                period = Period(period.first, period.first)
            tables = await queue_tables(session, settings.quarter, settings.zone, period)
            rows, total = await figures(session, settings.quarter, period.first, period.last, settings.zone)
    finally:
        await app.close()
    translator = terminal_translator(settings.zone)
    previous = period.previous()
    print(f"Sprechstunde {period.first.isoformat()} to {period.last.isoformat()}, compared with "
          f"{previous.first.isoformat()} to {previous.last.isoformat()}\n")
    for table in tables:
        print("\n".join(lines(table, translator)))
    if arguments.csv is not None:
        arguments.csv.write_text(as_csv(rows, total), encoding="utf-8")
        print(f"Written: {arguments.csv}")
    return 0
