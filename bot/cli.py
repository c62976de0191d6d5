"""The `quartiersbot` command: migrate, import, export, chat, demo, run, web, survey, event, outbox, queue, privacy,
staff."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot import cli_events, cli_privacy, cli_queue, cli_staff, cli_survey, logs, runtime
from bot.accounts.demo import create_demo_accounts
from bot.app import App, create_app
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChannel
from bot.config import ConfigError, Settings, load_settings
from bot.content.exporter import ExportError, export_folder
from bot.content.importer import ContentError, import_folder
from bot.conversation.channel import Channel
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_to_head
from bot.languages import LANGUAGE_CODES
from bot.offers.models import Offer
from bot.questions.examples import add_example_answers
from bot.queue.upkeep import run_upkeep
from bot.scheduler import start_scheduler
from bot.web.server import address as web_address
from bot.web.server import serve_web

DEMO_CONTENT = Path(__file__).resolve().parents[1] / "content" / "horst"
log = logging.getLogger("quartiersbot")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="quartiersbot", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the newest schema")
    importing = commands.add_parser("import", help="import a content folder, e.g. content/horst")
    importing.add_argument("path", type=Path)
    exporting = commands.add_parser("export", help="write the database's content back as a content folder")
    exporting.add_argument("path", type=Path)
    exporting.add_argument("--force", action="store_true",
                           help="overwrite a folder that is not empty (content files not exported are removed)")
    for name, text in (("chat", "chat in the terminal (console channel)"),
                       ("demo", "migrate, import the Horst example content if empty, then chat")):
        chat = commands.add_parser(name, help=text)
        chat.add_argument("--lang", choices=LANGUAGE_CODES, help="the resident's language")
        chat.add_argument("--user", default=None, help="the resident's name on the console")
    commands.add_parser("run", help="start the configured channels and the scheduler (and the back office when "
                                    "QB_WEB_LISTEN is set)")
    commands.add_parser("web", help="serve the staff back office (QB_WEB_LISTEN, default 127.0.0.1:8080)")
    cli_survey.add_parser(commands)
    cli_events.add_parsers(commands)
    cli_queue.add_parser(commands)
    cli_privacy.add_parser(commands)
    cli_staff.add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    # First thing: whatever this process or its libraries write (SQLite's -wal/-shm, nio's crypto store, exports)
    # holds residents' data or keys and is created readable by the bot's user alone, never narrowed afterwards.
    os.umask(0o077)
    arguments = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings, settings.log_level if arguments.command in {"run", "migrate", "web"} else "WARNING")
    try:
        return runtime.run(_COMMANDS[arguments.command](settings, arguments))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of a scripted chat went away (e.g. `| head`)
        sys.stderr.close()
        return 0


async def migrate(settings: Settings, arguments: argparse.Namespace) -> int:
    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    print("The database is up to date.")
    return 0


async def import_content(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        report = await import_folder(app.sessions, arguments.path, settings.quarter, app.clock, settings.zone)
    except ContentError as error:
        print(f"Nothing was imported. {len(error.errors)} problem(s) to fix:", file=sys.stderr)
        for line in error.errors:
            print(f"  - {line}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(f"Imported {arguments.path}: {report.summary()}")
    return 0


async def export_content(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        report = await export_folder(app.sessions, arguments.path, settings.quarter, force=arguments.force)
    except ExportError as error:
        if len(error.errors) == 1:
            print(f"Nothing was exported: {error.errors[0]}", file=sys.stderr)
        else:
            print(f"Nothing was exported. {len(error.errors)} problem(s) in the database's content:", file=sys.stderr)
            for line in error.errors:
                print(f"  - {line}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(report.summary())
    return 0


async def chat(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        await _chat(app, arguments)
    finally:
        await app.close()
    return 0


async def demo(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        async with app.sessions() as session:
            offers = await session.scalar(select(func.count(Offer.id)).where(Offer.quarter == settings.quarter))
        if not offers:
            report = await import_folder(app.sessions, DEMO_CONTENT, settings.quarter, app.clock, settings.zone)
            async with app.sessions() as session, session.begin():
                answers = await add_example_answers(session, settings.quarter, app.clock.now())
            print(f"Example content of Horst imported: {report.summary()}; prepared answers: {answers} new\n")
        async with app.sessions() as session, session.begin():
            demo_accounts = await create_demo_accounts(session, app.clock.now())
        stop, started = asyncio.Event(), asyncio.Event()
        web = asyncio.create_task(serve_web(app, stop, started))
        await asyncio.wait({web, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED)
        if started.is_set():
            print(f"The staff back office runs at {web_address(app)}")
            for name, role, password in demo_accounts:
                print(f"  demo login: {name} / {password} ({role}; shown only now)")
            if not demo_accounts:
                print("  log in with an account of `quartiersbot staff list` (`quartiersbot staff reset NAME` "
                      "gives it a new password)")
            print()
        else:
            print(f"The back office did not start: {web.exception()}. The chat runs without it.\n")
        try:
            await _chat(app, arguments)
        finally:
            stop.set()
            with contextlib.suppress(OSError):
                await web
    finally:
        await app.close()
    return 0


async def web(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    started = asyncio.Event()
    started_note = asyncio.create_task(_say_when_started(app, started))
    try:
        await serve_web(app, stop, started)
    except OSError as error:
        print(f"{error}", file=sys.stderr)
        return 1
    finally:
        started_note.cancel()
        await app.close()
    return 0


async def _say_when_started(app: App, started: asyncio.Event) -> None:
    await started.wait()
    print(f"The staff back office runs at {web_address(app)} (Ctrl-C stops it)", flush=True)


async def _chat(app: App, arguments: argparse.Namespace) -> None:
    user = arguments.user or getpass.getuser()
    if arguments.lang:
        if arguments.lang not in app.settings.languages:
            raise SystemExit(f"--lang {arguments.lang}: not among the enabled languages (QB_LANGUAGES)")
        await app.conversation.set_language(CONSOLE, user, arguments.lang)
    hint = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    channel = ConsoleChannel(app.conversation, user, language_hint=hint, downloads=app.settings.data_dir / "downloads")
    app.dispatcher.add_channel(CONSOLE, channel.send_proactive, only_user=user)
    await channel.run(interactive=sys.stdin.isatty(), pulse=lambda: deliver_due(app))


async def deliver_due(app: App) -> None:
    """What `run`'s scheduler does, for a terminal chat: no-shows and closing, then due messages."""
    await run_upkeep(app.sessions, app.clock.now(), app.settings.zone)
    await app.dispatcher.run_until_idle()


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    if settings.telegram_token is None and not settings.matrix_homeserver and not settings.web_requested:
        print(
            "No channel is configured, so there is nothing to run.\n"
            "Set QB_TELEGRAM_TOKEN for Telegram, or QB_MATRIX_HOMESERVER, QB_MATRIX_USER_ID and "
            "QB_MATRIX_PASSWORD for Matrix (see the README, section “Channels”).\n"
            "To try the bot in this terminal: quartiersbot chat",
            file=sys.stderr,
        )
        return 2
    app = await create_app(settings)
    await app.ownership.hold()
    recovered = await app.ownership.recover(app.sessions, app.clock.now())
    if recovered:
        log.info("%s message(s) cut off by the last stop are sent again now", recovered)
    channels: list[Channel] = []
    if settings.telegram_token is not None:
        from bot.channels.telegram import CHANNEL as TELEGRAM  # only a configured channel loads its library
        from bot.channels.telegram import TelegramChannel

        telegram = TelegramChannel(app.conversation, settings)
        app.dispatcher.add_channel(TELEGRAM, telegram.send_proactive)
        channels.append(telegram)
    if settings.matrix_homeserver:
        from bot.channels.matrix import CHANNEL as MATRIX
        from bot.channels.matrix import MatrixChannel

        matrix = MatrixChannel(app.conversation, settings)
        app.dispatcher.add_channel(MATRIX, matrix.send_proactive)
        channels.append(matrix)
    jobs = start_scheduler(app)
    asked_to_stop, stop = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, asked_to_stop.set)

    async def stop_gently() -> None:
        """Let messages being sent finish and be marked before the channels close, so a
        restart repeats none of them."""
        await asked_to_stop.wait()
        await jobs.stop()
        await app.dispatcher.close()
        stop.set()
    stopping = asyncio.create_task(stop_gently())
    served = [channel.run(stop) for channel in channels]
    if settings.web_requested:
        log.info("the staff back office listens on %s", settings.web_listen)
        served.append(serve_web(app, stop))
    try:
        await asyncio.gather(*served)
    finally:
        stopping.cancel()
        await jobs.stop()  # e.g. after a refused token: no job may hold a database connection when it closes
        await app.close()
    return 0


_COMMANDS = {"migrate": migrate, "import": import_content, "export": export_content, "chat": chat, "demo": demo,
             "run": run, "web": web, "survey": cli_survey.run, "event": cli_events.run_event,
             "outbox": cli_events.run_outbox, "queue": cli_queue.run, "privacy": cli_privacy.run,
             "staff": cli_staff.run}

if __name__ == "__main__":
    raise SystemExit(main())
