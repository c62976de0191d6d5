"""Ask the team on Matrix, in encrypted chats: a resident asks (and is not told to move to Matrix), a staff
account hears of it in its own chat without the content and answers with !answer, the answer reaches the
resident through the outbox, and the resident's reply lands in the same conversation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.channels.matrix import CHANNEL as MATRIX
from bot.clock import FixedClock
from bot.questions.models import OPEN
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
from tests.support.questions import linked_staff, questions_in
from tests.support.queue import queue_app
from tests.support.synapse import Synapse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synapse")]
QUESTION = "Where can I get help with a letter from the Jobcenter? I do not understand it."


@pytest_asyncio.fixture
async def people(synapse: Synapse, tmp_path: Path) -> AsyncIterator[tuple[MatrixResident, MatrixResident]]:
    resident, staff = await person(synapse, tmp_path, "resident"), await person(synapse, tmp_path, "staff")
    yield resident, staff
    await resident.close()
    await staff.close()


async def test_a_question_asked_and_answered_in_encrypted_chats(
        database: Database, tmp_path: Path, clock: FixedClock, synapse: Synapse,
        people: tuple[MatrixResident, MatrixResident]) -> None:
    resident, staff = people
    bot_user = await new_bot_account(synapse)
    app = await queue_app(database, tmp_path / "bot", clock, matrix_homeserver=synapse.base_url,
                          matrix_user_id=bot_user, matrix_password=PASSWORD,
                          staff_matrix_ids=(staff.client.user_id,))
    bot = RunningBot(app, app.settings)
    try:
        await resident.wait_for_device_keys(bot_user)
        seen = await start_in_encrypted_dm(staff, bot_user, "English")
        await linked_staff(app, MATRIX, staff.client.user_id)
        app.dispatcher.add_channel(MATRIX, bot.channel.send_proactive)

        received = await start_in_encrypted_dm(resident, bot_user, "English")
        await resident.say("!ask")
        received = len(await resident.replies(received + 1, bot_user))
        before = (await resident.replies(received, bot_user))[-1].body
        assert "112" in before and "not end-to-end encrypted" not in before  # this chat is encrypted
        received = await choose(resident, bot_user, received, "Write my question")
        await resident.say(QUESTION)
        received = len(await resident.replies(received + 1, bot_user))
        [question] = await questions_in(app)
        assert question.reference in (await resident.replies(received, bot_user))[-1].body

        await asyncio.wait_for(until_sent(bot), 30)
        seen = len(await staff.replies(seen + 1, bot_user))
        notice = (await staff.replies(seen, bot_user))[-1].body
        assert question.reference in notice and "Jobcenter" not in notice

        await staff.say(f"!answer {question.reference} Please bring the letter to the Sprechstunde on Tuesday.")
        seen = len(await staff.replies(seen + 1, bot_user))
        assert "on its way" in (await staff.replies(seen, bot_user))[-1].body
        await asyncio.wait_for(until_sent(bot), 30)
        received = len(await resident.replies(received + 1, bot_user))
        answer = (await resident.replies(received, bot_user))[-1].body
        assert "Please bring the letter to the Sprechstunde on Tuesday." in answer and question.reference in answer

        received = await choose(resident, bot_user, received, "Reply")
        await resident.say("Thank you, I will come.")
        received = len(await resident.replies(received + 1, bot_user))
        [question] = await questions_in(app)
        assert question.status == OPEN and [m.text for m in question.messages][-1] == "Thank you, I will come."
        assert not resident.undecryptable and not staff.undecryptable
    finally:
        await bot.close()
