"""`quartiersbot survey …`: survey results and exports for staff, from the terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.surveys.definition import SurveyFile
from bot.surveys.results import (
    find_survey,
    list_surveys,
    load_responses,
    report,
    write_responses_csv,
    write_signups_csv,
)
from bot.surveys.retention import prune_expired


def add_parser(commands: Any) -> None:
    survey = commands.add_parser("survey", help="survey results and exports for staff")
    actions = survey.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="surveys with their versions and response counts")
    results = actions.add_parser("results", help="counts and shares per question, split by group and language")
    results.add_argument("survey", help="the survey's key, e.g. bedarfsabfrage")
    results.add_argument("--version", type=int, help="a survey version (default: the newest)")
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
            definition = SurveyFile.model_validate(survey.definition)
            rows = await load_responses(session, survey, definition)
            print("\n".join(report(definition, survey.version, rows)))
            if arguments.csv:
                write_responses_csv(definition, survey.version, rows, arguments.csv)
                print(f"{len(rows)} response(s) written to {arguments.csv}.")
            return 0
    finally:
        await app.close()


def _print_list(summaries: list[Any]) -> int:
    if not summaries:
        print("No surveys yet. Import one with: quartiersbot import content/horst")
        return 0
    print(f"{'survey':<20} {'version':>7} {'active':>6} {'complete':>8} {'partial':>7} {'sign-ups':>8}  title")
    for item in summaries:
        print(f"{item.key:<20} {item.version:>7} {'yes' if item.active else 'no':>6} {item.complete:>8} "
              f"{item.partial:>7} {item.signups:>8}  {item.title}")
    return 0
