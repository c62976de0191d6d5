"""`quartiersbot event …` and `quartiersbot outbox`: events and proactive messages for staff.

Staff type local Berlin times as on a poster ("2026-12-05 18:00"). A mistake (an end before
the start, a date in the past) is refused with one clear line, and every change goes through
the same path as an import, so residents concerned are told.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from bot.app import App, create_app
from bot.audit.log import Actor
from bot.config import Settings
from bot.events import editing
from bot.events.importer import entry_of
from bot.events.models import Event, EventRegistration
from bot.events.seats import REGISTERED
from bot.events.store import is_cancelled, occurrences, quarter_events, text_of
from bot.outbox.store import DROPPED, FAILED, reasons, status_counts


def add_parsers(commands: Any) -> None:
    event = commands.add_parser("event", help="list, add, change or cancel events")
    actions = event.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the coming events with registrations")
    listing.add_argument("--days", type=int, default=60)
    for name, text in (("add", "add an event (German text; other languages can follow in events.yaml)"),
                       ("update", "change an event; residents registered or reminded are told of a new time")):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("key", help="a short name: lowercase letters, digits, - and _")
        required = name == "add"
        parser.add_argument("--start", required=required, help='local time, e.g. "2026-12-05 18:00"')
        parser.add_argument("--end", required=required, help='local time, or only "20:00" on the same day')
        parser.add_argument("--title", required=required)
        parser.add_argument("--description", required=required)
        parser.add_argument("--place", default=None, help='default: "Quartiersladen Horst"')
        parser.add_argument("--organiser", default=None, help='default: "Quartiersmanagement Horst"')
        parser.add_argument("--weekly-until", type=dt.date.fromisoformat, default=None, metavar="DATE")
        parser.add_argument("--capacity", type=int, default=None, help="seats; registration is then required")
        parser.add_argument("--languages", default=None, help="spoken at the event, e.g. de,tr,ar")
    cancel = actions.add_parser("cancel", help="cancel an event, or one date of it; residents registered or "
                                               "reminded are told")
    cancel.add_argument("key")
    cancel.add_argument("--date", type=dt.date.fromisoformat, default=None, help="only this date of a series")
    commands.add_parser("outbox", help="proactive messages: pending, sent, failed, dropped")


async def run_event(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        if arguments.action == "list":
            return await _list(app, arguments.days)
        return await _change(app, arguments)
    finally:
        await app.close()


async def _list(app: App, days: int) -> int:
    now, zone = app.clock.now(), app.settings.zone
    async with app.sessions() as session:
        events = await quarter_events(session, app.settings.quarter)
        taken = dict(((event_id, date), count) for event_id, date, count in (await session.execute(
            select(EventRegistration.event_id, EventRegistration.occurrence, func.count())
            .where(EventRegistration.status == REGISTERED)
            .group_by(EventRegistration.event_id, EventRegistration.occurrence))).all())
    rows = [(occurrence, event) for event in events
            for occurrence in occurrences(event, zone, now, now + dt.timedelta(days=days))]
    for occurrence, event in sorted(rows, key=lambda row: row[0].start):
        seats = ""
        if event.registration_required:
            seats = f"  {taken.get((event.id, occurrence.date), 0)}/{event.capacity or '∞'} registered"
        state = "  CANCELLED" if is_cancelled(event, occurrence) else ""
        print(f"{occurrence.start:%a %Y-%m-%d %H:%M}  {event.key:<28} {text_of(event, 'de')[0]}{seats}{state}")
    if not rows:
        print(f"No events in the next {days} days.")
    return 0


async def _change(app: App, arguments: argparse.Namespace) -> int:
    """The same domain functions as the back office (bot/events/editing.py), so a change has the same
    effects wherever it is made, and is in the audit log."""
    now, zone, quarter, actor = app.clock.now(), app.settings.zone, app.settings.quarter, Actor.command_line()
    async with app.sessions() as session, session.begin():
        row = await editing.by_key(session, quarter, arguments.key)
        if arguments.action != "add" and row is None:
            print(f"No event {arguments.key!r} (see: quartiersbot event list).")
            return 1
        if arguments.action == "add" and row is not None:
            print(f"There is already an event {arguments.key!r}; change it with: quartiersbot event update.")
            return 1
        try:
            if arguments.action == "cancel":
                assert row is not None
                outcome = await editing.cancel(session, row, arguments.date, now, zone, actor)
            elif row is None:
                entry = editing.with_changes(editing.blank(arguments.key), _changes(arguments, None), True)
                _, outcome = await editing.add(session, quarter, entry, now, zone, actor)
            else:
                entry = editing.with_changes(entry_of(row), _changes(arguments, row), False)
                outcome = await editing.change(session, row, entry, now, zone, actor)
        except ValueError as error:  # EventError, or a time that is not one
            print(f"Nothing was changed: {error}")
            return 1
    told = f"; {outcome.told} resident(s) will be told" if outcome.told else ""
    print(f"Event {arguments.key!r}: {outcome.status}{told}.")
    return 0


def _changes(arguments: argparse.Namespace, row: Event | None) -> editing.Changes:
    start = _local(arguments.start, None) if arguments.start else None
    day_of = start or (dt.datetime.fromisoformat(row.start_local) if row is not None else None)
    languages = [code.strip() for code in arguments.languages.split(",") if code.strip()] \
        if arguments.languages else None
    return editing.Changes(start=start, end=_local(arguments.end, day_of) if arguments.end else None,
                           title=arguments.title, description=arguments.description, place=arguments.place,
                           organiser=arguments.organiser, weekly_until=arguments.weekly_until,
                           capacity=arguments.capacity, languages=languages)


def _local(text: str, day_of: dt.datetime | None) -> dt.datetime:
    """A poster's time: "2026-12-05 18:00", or only "20:00" on the day of `day_of`."""
    text = text.strip().replace("T", " ")
    if day_of is not None and len(text) <= 5:
        return dt.datetime.combine(day_of.date(), dt.time.fromisoformat(text))
    return dt.datetime.fromisoformat(text).replace(tzinfo=None)


async def run_outbox(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    try:
        async with app.sessions() as session:
            counts = await status_counts(session)
            print("  ".join(f"{status}: {count}" for status, count in counts.items()))
            for status in (FAILED, DROPPED):
                for kind, reason, count in await reasons(session, status):
                    print(f"  {status} {kind}: {count} × {reason or '(no reason recorded)'}")
    finally:
        await app.close()
    return 0
