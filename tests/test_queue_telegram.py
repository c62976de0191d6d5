"""The queue on Telegram: the unmodified bot, real HTTP, the loopback Bot API; staff by account id."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.clock import FixedClock
from bot.i18n import Translator
from tests.support.databases import BERLIN, Database
from tests.support.queue import queue_app, tickets
from tests.support.telegram import Resident, Running, button
from tests.support.telegram_emulator import BotApiEmulator

STAFF_ID = random.randint(10**8, 10**9)


@pytest_asyncio.fixture
async def desk_bot(emulator: BotApiEmulator, database: Database, tmp_path: Path, clock: FixedClock
                   ) -> AsyncIterator[Running]:
    app = await queue_app(database, tmp_path, clock, telegram_token=emulator.token,
                          telegram_api_url=emulator.base_url, staff_telegram_ids=(str(STAFF_ID),))
    running = Running(app, app.settings)
    app.dispatcher.add_channel(TELEGRAM, running.channel.send_proactive)
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls))
    yield running
    await running.close()


async def test_take_a_number_be_called_and_closed_on_telegram(emulator: BotApiEmulator, desk_bot: Running) -> None:
    app = desk_bot.app
    ana, bob = Resident(emulator, random.randint(10**8, 10**9), "ro"), Resident(emulator, random.randint(10**8, 10**9),
                                                                               "en")
    staff = Resident(emulator, STAFF_ID, "de")
    await ana.type("/start queue")
    await ana.press(button(ana.newest, "queue:take:"))
    await ana.press(button(ana.newest, "queue:t:") .rsplit(":", 1)[0] + ":housing")
    await ana.press(button(ana.newest, "queue:i:").rsplit(":", 1)[0] + ":ro")
    assert "A-001" in ana.newest.text
    await bob.type("/queue")
    await bob.press(button(bob.newest, "queue:take:"))
    await bob.press(button(bob.newest, "queue:t:").rsplit(":", 1)[0] + ":letters")
    await bob.press(button(bob.newest, "queue:i:").rsplit(":", 1)[0] + ":-")
    assert "A-002" in bob.newest.text and "1 person is before you" in bob.newest.text

    await bob.type("/desk")  # a resident typing the staff command gets the help, nothing else
    assert "How to use me" in bob.newest.text
    await staff.type("/desk")
    await staff.press(button(staff.newest, "desk:call:"))
    assert "A-001" in staff.newest.text
    await app.dispatcher.run_until_idle()
    romanian = Translator.for_language("ro", BERLIN)
    told = emulator.messages(ana.user)[-1].text
    assert "A-001" in told and romanian.gettext("Please come to desk {desk} now.").format(desk=1) in told

    await staff.press(button(staff.newest, "desk:served:"))
    await staff.press(button(staff.newest, "desk:close:"))
    await staff.press(button(staff.newest, "desk:closeok:"))
    await app.dispatcher.run_until_idle()
    closed = emulator.messages(bob.user)[-1].text
    assert "could not be called any more" in closed and "Thursday, 26 Nov 2026, 14:00–18:00" in closed
    assert [ticket.status for ticket in await tickets(app)] == ["served", "unserved"]
