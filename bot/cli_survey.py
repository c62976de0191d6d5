"""`quartiersbot survey …`: survey results and exports for staff, from the terminal.

`survey results` prints the survey tables of the figures pages (bot/figures/survey.py) for a period, beside the
period of the same length before it; without dates, from the first to the last response's month.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.figures.common import month_end
from bot.figures.survey import survey_tables, survey_versions
from bot.figures.tables import Period
from bot.figures.text import lines, terminal_translator
from bot.surveys.definition import SurveyFile
from bot.surveys.results import (
    find_survey,
    list_surveys,
    load_responses,
    write_responses_csv,
    write_signups_csv,
)
from bot.surveys.retention import prune_expired
from bot.surveys.tally import response_dates


def add_parser(commands: Any) -> None:
    survey = commands.add_parser("survey", help="survey results and exports for staff")
    actions = survey.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="surveys with their versions and response counts")
    results = actions.add_parser("results", help="counts and shares per question, split by group and language")
    results.add_argument("survey", help="the survey's key, e.g. bedarfsabfrage")
    results.add_argument("--version", type=int, help="one version of the survey (default: all, counted together; "
                         "the CSV export: the newest)")
    results.add_argument("--from", dest="first", type=dt.date.fromisoformat, default=None, metavar="DATE",
                         help="first day (default: the first day of the first response's month)")
    results.add_argument("--to", dest="last", type=dt.date.fromisoformat, default=None, metavar="DATE",
                         help="last day, included (default: the last day of the last response's month)")
    results.add_argument("--csv", type=Path, metavar="FILE", help="also export one anonymous row per response")
    signups = actions.add_parser("signups", help="export the contact sign-ups (personal data: handle with care)")
    signups.add_argument("survey")
    signups.add_argument("--csv", type=Path, metavar="FILE", required=True)
    actions.add_parser("prune", help="delete answers and sign-ups older than the survey promises to keep them")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        async with app.sessions() as session, session.begin():
            if arguments.action == "list":
                return _print_list(await list_surveys(session, settings.quarter))
            if arguments.action == "prune":
                today = app.clock.now().astimezone(settings.zone).date()
                responses, signups = await prune_expired(session, today)
                print(f"Deleted {responses} response(s) and {signups} sign-up(s) past their keeping time.")
                return 0
            survey = await find_survey(session, settings.quarter, arguments.survey,
                                       getattr(arguments, "version", None))
            if survey is None:
                print(f"No survey {arguments.survey!r} (see: quartiersbot survey list).")
                return 1
            if arguments.action == "signups":
                count = await write_signups_csv(session, survey.key, settings.quarter, arguments.csv, settings.zone)
                print(f"{count} sign-up(s) written to {arguments.csv}. They hold personal data: store them safely.")
                return 0
            await _print_results(session, settings, arguments, app.clock.now().astimezone(settings.zone).date())
            if arguments.csv:
                definition = SurveyFile.model_validate(survey.definition)
                rows = await load_responses(session, survey, definition)
                write_responses_csv(definition, survey.version, rows, arguments.csv)
                print(f"{len(rows)} response(s) written to {arguments.csv}.")
            return 0
    finally:
        await app.close()


async def _print_results(session: Any, settings: Settings, arguments: argparse.Namespace, today: dt.date) -> None:
    versions = [survey for survey in (await survey_versions(session, settings.quarter))[arguments.survey]
                if arguments.version is None or survey.version == arguments.version]
    first, last = await response_dates(session, versions)
    first, last = first or today, last or today
    # whole months: a response keeps only its month
    period = Period(arguments.first or first.replace(day=1), arguments.last or month_end(last))
    if period.first > period.last:
        period = Period(period.first, period.first)
    previous = period.previous()
    which = f"version {arguments.version}" if arguments.version else "all versions"
    print(f"Survey {arguments.survey} ({which}), responses {period.first.isoformat()} to {period.last.isoformat()}, "
          f"compared with {previous.first.isoformat()} to {previous.last.isoformat()}")
    print("A completed response keeps only its month: a month counts when most of its days lie in the period.\n")
    translator = terminal_translator(settings.zone)
    for table in await survey_tables(session, settings.quarter, period, key=arguments.survey,
                                     version=arguments.version):
        print("\n".join(lines(table, translator)))


def _print_list(summaries: list[Any]) -> int:
    if not summaries:
        print("No surveys yet. Import one with: quartiersbot import content/horst")
        return 0
    print(f"{'survey':<20} {'version':>7} {'active':>6} {'complete':>8} {'partial':>7} {'sign-ups':>8}  title")
    for item in summaries:
        print(f"{item.key:<20} {item.version:>7} {'yes' if item.active else 'no':>6} {item.complete:>8} "
              f"{item.partial:>7} {item.signups:>8}  {item.title}")
    return 0
