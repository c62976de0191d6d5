"""`quartiersbot privacy`: a resident's data for staff who help them in person, and retention for cron.

`export` and `erase` call the same functions as the chat's "my data" and "delete everything
about me", so a resident asking at the desk gets exactly what they would get in the chat.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from bot.privacy.erasure import erase_resident, find_resident
from bot.privacy.export import as_json, export_resident
from bot.privacy.retention import prune, shuffle_survey_storage

CHANNELS = ("telegram", "matrix", "console")


def add_parser(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="a resident's data (export, erase) and the retention jobs")
    actions = privacy.add_subparsers(dest="action", required=True)
    for name, text in (("export", "everything stored about one resident, as JSON"),
                       ("erase", "delete everything stored about one resident")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--channel", choices=CHANNELS, required=True)
        action.add_argument("--user", required=True, help="the resident's id on that channel, e.g. 123456789 or "
                                                          "@name:example.org")
        if name == "export":
            action.add_argument("--output", type=Path, default=None, metavar="FILE",
                                help="write the JSON to FILE (readable by its owner only) instead of printing it")
        else:
            action.add_argument("--yes", action="store_true", help="do not ask again (for scripts)")
    actions.add_parser("prune", help="delete what is past its keeping time (the README's retention table)")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        if arguments.action == "prune":
            pruned = await prune(app.sessions, app.clock.now(), settings)
            await shuffle_survey_storage(app.engine)
            print("Deleted or unlinked:")
            for line in pruned.lines():
                print(f"  {line}")
            return 0
        async with app.sessions() as session, session.begin():
            resident = await find_resident(session, arguments.channel, arguments.user)
            if resident is None:
                print(f"Nothing is stored about {arguments.channel} user {arguments.user}.", file=sys.stderr)
                return 1
            if arguments.action == "export":
                data = as_json(await export_resident(session, resident, app.clock.now()))
                if arguments.output is None:
                    sys.stdout.write(data.decode("utf-8") + "\n")
                else:
                    descriptor = os.open(arguments.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(descriptor, "wb") as file:
                        file.write(data)
                    print(f"Written: {arguments.output}")
                return 0
            if not arguments.yes and not _confirmed(arguments):
                print("Nothing was deleted.")
                return 1
            erased = await erase_resident(session, resident, app.clock.now())
        print(f"Erased {arguments.channel} user {arguments.user}: {erased.total()} row(s) deleted or unlinked. "
              "Anonymous survey answers stay; nothing links them to this person.")
        return 0
    finally:
        await app.close()


def _confirmed(arguments: argparse.Namespace) -> bool:
    if not sys.stdin.isatty():
        print("erase asks once more; without a terminal, add --yes.", file=sys.stderr)
        return False
    answer = input(f"Delete everything about {arguments.channel} user {arguments.user}? Type yes: ")
    return answer.strip().lower() == "yes"
