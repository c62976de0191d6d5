"""The console scenarios again, on Matrix: a real Synapse on 127.0.0.1, real matrix-nio clients
with end-to-end encryption, and the bot's Matrix channel (in-process, or as `quartiersbot run`)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from nio import RoomEncryptedFile

from bot.app import create_app
from bot.channels.matrix import CHANNEL as MATRIX
from bot.channels.matrix import TIMELINE_LIMIT
from bot.clock import FixedClock
from tests.support.chat import Chat
from tests.support.cli import migrate
from tests.support.databases import Database, plain_url
from tests.support.events import berlin, make_event
from tests.support.matrix import (
    BOT,
    PASSWORD,
    RunningBot,
    matrix_settings,
    new_bot_account,
    start_in_encrypted_dm,
    until_sent,
)
from tests.support.matrix_resident import MatrixResident
from tests.support.survey import NEWCOMER_ANSWERS, NEWCOMER_BY_NUMBERS, stored_answers
from tests.support.synapse import Synapse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synapse")]


@pytest_asyncio.fixture
async def bot(database: Database, tmp_path: Path, clock: FixedClock, synapse: Synapse) -> AsyncIterator[RunningBot]:
    settings = matrix_settings(database, tmp_path / "bot", synapse, await new_bot_account(synapse))
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    yield running
    await running.close()


@pytest_asyncio.fixture
async def bot_account(bot: RunningBot, resident: MatrixResident) -> str:
    """The running bot's user id, once its device keys are published (it has just started)."""
    await resident.wait_for_device_keys(bot.user_id)
    return bot.user_id


@pytest_asyncio.fixture
async def resident(synapse: Synapse, tmp_path: Path) -> AsyncIterator[MatrixResident]:
    localpart = f"resident-{uuid.uuid4().hex[:8]}"
    user_id = await synapse.register(localpart, PASSWORD)
    person = MatrixResident(synapse.base_url, user_id, PASSWORD, tmp_path / "residents")
    await person.login()
    yield person
    await person.close()


async def test_encrypted_dm_finds_the_german_course_in_romanian(resident: MatrixResident, bot_account: str) -> None:
    await resident.open_dm(bot_account, encrypted=True)
    await resident.wait_for_member(bot_account)
    await resident.say("!start")
    picker = (await resident.replies(1, bot_account))[-1]
    assert "Română" in picker.body and "1. Deutsch" in picker.body
    await resident.say("Română")  # the label, as typed
    menu = (await resident.replies(3, bot_account))[-1]
    assert "Găsiți" in menu.body or "oferte" in menu.body.lower()
    await resident.say("curs de germană")
    results = (await resident.replies(4, bot_account))[-1]
    assert "1. " in results.body
    await resident.say("1")
    card = (await resident.replies(5, bot_account))[-1]
    assert "openstreetmap.org" in card.body
    assert card.source["content"].get("format") == "org.matrix.custom.html"
    assert not resident.undecryptable


async def test_unencrypted_dm_and_numbers_and_commands(resident: MatrixResident, bot_account: str) -> None:
    await resident.open_dm(bot_account, encrypted=False)
    await resident.wait_for_member(bot_account)
    await resident.say("/language")
    await resident.replies(1, bot_account)
    await resident.say("3")  # English
    menu = (await resident.replies(3, bot_account))[-1]
    assert "1. 🔎 Find offers" in menu.body
    await resident.say("1")
    topics = (await resident.replies(4, bot_account))[-1]
    assert "Choose a topic" in topics.body


async def test_group_rooms_are_answered_only_when_mentioned(resident: MatrixResident, synapse: Synapse,
                                                            bot_account: str) -> None:
    neighbour = await synapse.register(f"neighbour-{uuid.uuid4().hex[:8]}", PASSWORD)
    await resident.open_dm(bot_account, encrypted=False, others=(neighbour,))
    await resident.wait_for_member(bot_account)
    await resident.say("Hallo zusammen")
    await resident.say(f"{bot_account} hallo?")
    notice = (await resident.replies(1, bot_account))[-1]
    assert "private" in notice.body.lower() or "privat" in notice.body.lower()
    await asyncio.sleep(2)
    await resident.sync()
    assert len([event for event in resident.received if event.sender == bot_account]) == 1


async def test_a_killed_bot_restarts_without_losing_or_repeating_and_keeps_its_device(
        database: Database, tmp_path: Path, synapse: Synapse, resident: MatrixResident) -> None:
    bot_user = await new_bot_account(synapse)
    environment = {**os.environ, "QB_DATA_DIR": str(tmp_path / "bot"), "QB_DATABASE_URL": plain_url(database.url),
                   "QB_MATRIX_HOMESERVER": synapse.base_url, "QB_MATRIX_USER_ID": bot_user,
                   "QB_MATRIX_PASSWORD": PASSWORD}
    await migrate(environment)
    process = await _start_bot(environment)
    await resident.wait_for_device_keys(bot_user)
    await resident.open_dm(bot_user, encrypted=True)
    await resident.wait_for_member(bot_user, timeout=60)
    await resident.say("!language")
    await resident.replies(1, bot_user, timeout=60)
    process.send_signal(signal.SIGKILL)  # killed in the middle of the conversation
    await process.wait()
    credentials = tmp_path / "bot" / "matrix" / bot_user.replace("@", "_").replace(":", "_") / "credentials.json"
    device = json.loads(credentials.read_text())["device_id"]
    await resident.say("3")  # written while the bot is down: English
    process = await _start_bot(environment)
    try:
        menu = (await resident.replies(3, bot_user, timeout=60))[-1]
        assert "Find offers" in menu.body
        await asyncio.sleep(3)
        await resident.sync()
        assert len([event for event in resident.received if event.sender == bot_user]) == 3  # nothing twice
        assert json.loads(credentials.read_text())["device_id"] == device
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)


async def test_synapse_restarting_under_the_bot_loses_nothing(resident: MatrixResident, synapse: Synapse,
                                                               bot_account: str) -> None:
    await resident.open_dm(bot_account, encrypted=True)
    await resident.wait_for_member(bot_account)
    await resident.say("!help")
    await resident.replies(1, bot_account)
    await synapse.restart()
    await resident.say("!menu")
    await resident.replies(2, bot_account, timeout=90)


async def _start_bot(environment: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=environment)


async def test_the_very_first_start_skips_old_history(database: Database, tmp_path: Path, clock: FixedClock,
                                                     synapse: Synapse, resident: MatrixResident) -> None:
    bot_user = await new_bot_account(synapse)
    await resident.open_dm(bot_user, encrypted=False)
    await resident.say("!menu")  # written before the bot ever ran: history, not to be answered
    settings = matrix_settings(database, tmp_path / "bot", synapse, bot_user)
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    try:
        await resident.wait_for_member(bot_user)
        await resident.say("!help")
        await resident.replies(1, bot_user)
        await asyncio.sleep(2)
        await resident.sync()
        answers = [event for event in resident.received if event.sender == bot_user]
        assert len(answers) == 1 and "Deutsch" in answers[0].body  # one answer: the first contact's picker
    finally:
        await running.close()


async def test_rate_limited_replies_wait_and_none_is_lost(database: Database, tmp_path: Path, clock: FixedClock
                                                          ) -> None:
    """A homeserver that limits the bot's sending (M_LIMIT_EXCEEDED with retry_after_ms): every reply
    still arrives, in order."""
    strict = Synapse(tmp_path / "strict-synapse", config_overrides={"rc_message": {"per_second": 2, "burst_count": 3}})
    await strict.start()
    try:
        bot_user = await strict.register(f"{BOT}-{uuid.uuid4().hex[:8]}", PASSWORD)  # no override: limited
        person_id = await strict.register(f"resident-{uuid.uuid4().hex[:8]}", PASSWORD)
        await strict.lift_ratelimit(person_id)
        person = MatrixResident(strict.base_url, person_id, PASSWORD, tmp_path / "residents")
        await person.login()
        settings = matrix_settings(database, tmp_path / "bot", strict, bot_user)
        running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
        try:
            await person.wait_for_device_keys(bot_user)
            await person.open_dm(bot_user, encrypted=False)
            await person.wait_for_member(bot_user)
            await person.say("!language")
            await person.replies(1, bot_user)
            await person.say("3")  # English: greeting and menu
            await person.replies(3, bot_user)
            for _ in range(10):
                await person.say("!help")
            answers = await person.replies(13, bot_user, timeout=60)
            assert all("/menu" in answer.body for answer in answers[3:])
        finally:
            await running.close()
            await person.close()
    finally:
        await strict.stop()


async def test_the_whole_survey_by_numbers_in_an_encrypted_dm(resident: MatrixResident, bot: RunningBot,
                                                              bot_account: str) -> None:
    received = await start_in_encrypted_dm(resident, bot_account, "Deutsch")
    for line in NEWCOMER_BY_NUMBERS:
        await resident.say(line)
        received = len(await resident.replies(received + 1, bot_account))
    closing = await resident.replies(received, bot_account)  # thanks on top of the menu, one message
    assert "Vielen Dank" in closing[-1].body
    answers = await stored_answers(bot.app, Chat(bot.app, channel=MATRIX, user=resident.client.user_id))
    assert answers == NEWCOMER_ANSWERS
    assert not resident.undecryptable


async def test_a_reminder_reaches_an_encrypted_dm(resident: MatrixResident, bot: RunningBot, bot_account: str,
                                                  clock: FixedClock) -> None:
    clock.set(berlin("2026-12-01T08:00"))
    event = await make_event(bot.app, "2026-12-02T18:00", "2026-12-02T20:00")
    received = await start_in_encrypted_dm(resident, bot_account, "English")
    chat = Chat(bot.app, channel=MATRIX, user=resident.client.user_id)
    await chat.tap(f"events:r:{event.id}:2026-12-02")  # the same as choosing it by numbers in the chat
    bot.app.dispatcher.add_channel(MATRIX, bot.channel.send_proactive)
    clock.set(berlin("2026-12-01T18:00"))
    await asyncio.wait_for(until_sent(bot), 30)
    reminder = (await resident.replies(received + 1, bot_account))[-1]
    assert "Reminder: Test meeting" in reminder.body and not resident.undecryptable


async def test_a_calendar_file_arrives_encrypted_and_readable(resident: MatrixResident, bot: RunningBot,
                                                              bot_account: str, clock: FixedClock) -> None:
    clock.set(berlin("2026-11-30T08:00"))  # a Monday
    name = f"Calendar test {uuid.uuid4().hex[:6]}"  # other tests' events share this week
    event = await make_event(bot.app, "2026-12-03T18:00", "2026-12-03T20:00",
                             texts={"de": {"title": name, "description": "Ein Test."},
                                    "en": {"title": name, "description": "A test."}})
    received = await start_in_encrypted_dm(resident, bot_account, "English")

    async def choose(fragment: str) -> None:
        """Type the number of the choice containing `fragment`, turning pages until it shows."""
        nonlocal received
        for _ in range(10):
            body = (await resident.replies(received, bot_account))[-1].body
            numbers = {line.split(".", 1)[1]: line.split(".", 1)[0].strip() for line in body.splitlines()
                       if "." in line and line.split(".", 1)[0].strip().isdigit()}
            wanted = next((number for label, number in numbers.items() if fragment in label), None)
            await resident.say(wanted or next(number for label, number in numbers.items() if "Next page" in label))
            received += 1
            if wanted:
                return
    await resident.say("/events")
    received += 1
    await choose("This week")
    await choose(name)
    await choose("Add to my calendar")
    for _ in range(60):
        if resident.files:
            break
        await resident.sync(timeout=500)
    file = resident.files[-1]
    assert isinstance(file, RoomEncryptedFile) and file.body.endswith(".ics")
    content = await resident.download(file)
    assert b"BEGIN:VEVENT" in content and name.encode() in content
    assert f"{event.key}-2026-12-03".encode() in content


async def test_more_messages_than_one_sync_carries_are_all_answered(database: Database, tmp_path: Path,
                                                                   clock: FixedClock, synapse: Synapse,
                                                                   resident: MatrixResident) -> None:
    """While the bot is away a resident writes more than a sync brings per room: the rest is read back
    from the room's history, each message answered once."""
    bot_user = await new_bot_account(synapse)
    settings = matrix_settings(database, tmp_path / "bot", synapse, bot_user)
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    try:
        await resident.wait_for_device_keys(bot_user)
        await resident.open_dm(bot_user, encrypted=True)
        await resident.wait_for_member(bot_user)
        await resident.say("!language")
        await resident.replies(1, bot_user)
        await resident.say("3")  # English: greeting and menu
        await resident.replies(3, bot_user)
    finally:
        await running.close()
    count = TIMELINE_LIMIT + 15
    for number in range(count):
        await resident.say(f"!help {number}")
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    try:
        answers = (await resident.replies(3 + count, bot_user, timeout=120))[3:]
        assert all("/menu" in answer.body for answer in answers)
        await asyncio.sleep(2)
        await resident.sync()
        assert len([event for event in resident.received if event.sender == bot_user]) == 3 + count  # none twice
    finally:
        await running.close()
