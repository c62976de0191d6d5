"""`quartiersbot queue stats`: the Sprechstunde figures for the city's controlling."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.queue.stats import as_csv, figures, table


def add_parser(commands: Any) -> None:
    queue = commands.add_parser("queue", help="the Sprechstunde queue: figures")
    actions = queue.add_subparsers(dest="action", required=True)
    stats = actions.add_parser("stats", help="tickets per session, waiting times, no-shows, topics, languages")
    stats.add_argument("--from", dest="first", type=dt.date.fromisoformat, default=None, metavar="DATE",
                       help="first day, e.g. 2026-11-01")
    stats.add_argument("--to", dest="last", type=dt.date.fromisoformat, default=None, metavar="DATE",
                       help="last day, included")
    stats.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write one row per session")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    if arguments.first and arguments.last and arguments.first > arguments.last:
        print("--from is after --to: nothing to count.", file=sys.stderr)
        return 2
    app = await create_app(settings)
    try:
        async with app.sessions() as session:
            rows, total = await figures(session, settings.quarter, arguments.first, arguments.last, settings.zone)
    finally:
        await app.close()
    if not rows:
        print("No Sprechstunde sessions in this period.")
    else:
        print(table(rows, total))
    if arguments.csv is not None:
        arguments.csv.write_text(as_csv(rows, total), encoding="utf-8")
        print(f"\nWritten: {arguments.csv}")
    return 0
