"""The queue in the terminal: a resident and a staff account, each in a console chat of their own;
the call reaches the resident's terminal through the outbox, between their turns."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChannel
from bot.cli import deliver_due
from bot.clock import FixedClock
from tests.support.databases import Database
from tests.support.queue import queue_app, staff_of


async def chat(app: App, user: str, *lines: str) -> str:
    """One console session of `user`, scripted line by line, as `quartiersbot chat --user …` runs it."""
    output = io.StringIO()
    channel = ConsoleChannel(app.conversation, user, language_hint="en", stdin=io.StringIO("\n".join(lines) + "\n"),
                             stdout=output)
    app.dispatcher.add_channel(CHANNEL, channel.send_proactive, only_user=user)
    await channel.run(interactive=False, pulse=lambda: deliver_due(app))
    return output.getvalue()


async def test_the_whole_flow_in_two_terminals(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident = "ana-" + app.settings.quarter
    taken = await chat(app, resident, "/queue", "1", "2", "1")  # take a number, housing, no interpreter
    assert "*🎫 Your number: A-001*" in taken and "You are next." in taken
    desk = await chat(app, staff_of(app), "/desk", "1")  # call next
    assert "Called to your desk: A-001" in desk
    assert "🔔" not in desk  # the staff terminal does not print the resident's message
    later = await chat(app, resident, "/menu")
    assert "🔔\n*📣 It is your turn! Number A-001*\nPlease come to desk 1 now." in later
    assert later.index("What do you need?") < later.index("🔔")  # printed after the reply to the line typed
