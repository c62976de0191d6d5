"""The queue on Matrix: a resident takes a number by typing numbers in an encrypted chat, a staff
account calls it from theirs, and the call reaches the resident through the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.channels.matrix import CHANNEL as MATRIX
from bot.clock import FixedClock
from tests.support.databases import Database
from tests.support.matrix import (
    PASSWORD,
    RunningBot,
    choose,
    new_bot_account,
    person,
    start_in_encrypted_dm,
    until_sent,
)
from tests.support.matrix_resident import MatrixResident
from tests.support.queue import queue_app, tickets
from tests.support.synapse import Synapse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synapse")]


@pytest_asyncio.fixture
async def people(synapse: Synapse, tmp_path: Path) -> AsyncIterator[tuple[MatrixResident, MatrixResident]]:
    resident, staff = await person(synapse, tmp_path, "resident"), await person(synapse, tmp_path, "staff")
    yield resident, staff
    await resident.close()
    await staff.close()


async def test_a_number_taken_and_called_in_encrypted_chats(database: Database, tmp_path: Path, clock: FixedClock,
                                                           synapse: Synapse,
                                                           people: tuple[MatrixResident, MatrixResident]) -> None:
    resident, staff = people
    bot_user = await new_bot_account(synapse)
    app = await queue_app(database, tmp_path / "bot", clock, matrix_homeserver=synapse.base_url,
                          matrix_user_id=bot_user, matrix_password=PASSWORD,
                          staff_matrix_ids=(staff.client.user_id,))
    bot = RunningBot(app, app.settings)
    try:
        await resident.wait_for_device_keys(bot_user)
        received = await start_in_encrypted_dm(resident, bot_user, "English")
        await resident.say("/queue")
        received = len(await resident.replies(received + 1, bot_user))
        received = await choose(resident, bot_user, received, "Take a number")
        received = await choose(resident, bot_user, received, "Housing")
        received = await choose(resident, bot_user, received, "No interpreter needed")
        ticket = (await resident.replies(received, bot_user))[-1].body
        assert "A-001" in ticket and "You are next" in ticket

        await resident.say("!desk")  # not staff: only the help
        received = len(await resident.replies(received + 1, bot_user))
        assert "How to use me" in (await resident.replies(received, bot_user))[-1].body

        seen = await start_in_encrypted_dm(staff, bot_user, "English")
        await staff.say("!desk")
        seen = len(await staff.replies(seen + 1, bot_user))
        seen = await choose(staff, bot_user, seen, "Call next")
        assert "Called to your desk: A-001" in (await staff.replies(seen, bot_user))[-1].body

        app.dispatcher.add_channel(MATRIX, bot.channel.send_proactive)
        await asyncio.wait_for(until_sent(bot), 30)
        call = (await resident.replies(received + 1, bot_user))[-1]
        assert "It is your turn! Number A-001" in call.body and "desk 1" in call.body
        assert not resident.undecryptable and not staff.undecryptable
        assert [item.status for item in await tickets(app)] == ["called"]
    finally:
        await bot.close()
