"""The real `quartiersbot run` on Matrix, killed with SIGKILL at random moments while residents write in
bursts into encrypted direct chats: after the last restart every message has exactly one answer.

Each message is a search for a word that matches no offer, so its answer names it ("I found no offer
for “…”") and answers are counted per message. They are read back from the room's history as the
resident's phone decrypts it, not from what the resident's syncs carried (a sync that brings many
events at once leaves some out). The bursts take turns among a few residents: the answers a kill cut
off go out through the outbox dispatcher, one per resident and turn, so residents sharing them get
them back sooner, and the test stays short.

`python -m pytest -n 0 -s tests/test_matrix_kill.py` prints the figures; QB_TEST_KILL_SEED and
QB_TEST_KILL_ROUNDS choose other moments and more kills.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nio import EncryptionError, Event, MegolmEvent, MessageDirection, RoomMessagesResponse, RoomMessageText
from sqlalchemy import select

from bot.channels.matrix import CHANNEL as MATRIX
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage
from tests.support.cli import migrate
from tests.support.databases import Database, plain_url
from tests.support.matrix import PASSWORD, new_bot_account
from tests.support.matrix_resident import MatrixResident
from tests.support.synapse import Synapse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synapse")]
ROUNDS = int(os.environ.get("QB_TEST_KILL_ROUNDS", "20"))  # one SIGKILL each
BURST = 10  # messages per round, from one resident, one after the other without waiting for answers
RESIDENTS = 4  # whose bursts take turns
SEED = int(os.environ.get("QB_TEST_KILL_SEED", "20261207"))
PATIENCE = 30  # seconds without a new answer, or a stored one sent, before the test stops waiting
ANSWER = re.compile(r"I found no offer for “([^”]*)”")


@dataclass
class Bot:
    """One `quartiersbot run` process at a time, and what they wrote to stderr (their log)."""

    environment: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    log: list[str] = field(default_factory=list)
    _since: int = 0  # where the current process's lines begin
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.log.append("----- start")
        self._since = len(self.log)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=self.environment,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read(self.process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            self.log.append(line.decode("utf-8", "replace").rstrip())

    async def serving(self, timeout: float = 90) -> None:  # noqa: ASYNC109
        """Until the current process has logged in with its stored device and begins its first sync."""
        deadline = time.monotonic() + timeout
        while not any("Matrix channel is serving" in line for line in self.log[self._since:]):
            assert self.process is not None and self.process.returncode is None, self.tail()
            assert time.monotonic() < deadline, f"the bot did not start serving\n{self.tail()}"
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                await self.kill()
        if self._reader is not None:
            await self._reader

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log[-lines:])


@dataclass
class Writer:
    """A resident with an encrypted direct chat, the words they wrote there, and the chat read back."""

    resident: MatrixResident
    words: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    token: str = ""  # read from here on: the history after the chat was set up

    async def read(self) -> None:
        """The room's new events, forward from the last read; those whose room key had not come yet are
        decrypted again (the keys come with a sync, as to-device messages)."""
        client, room_id = self.resident.client, self.resident.room_id
        await self.resident.sync()
        while True:
            response = await client.room_messages(room_id, start=self.token, direction=MessageDirection.front,
                                                  limit=100)
            assert isinstance(response, RoomMessagesResponse), response
            if not response.chunk:
                break
            self.events.extend(response.chunk)
            self.token = response.end or self.token
        for index, event in enumerate(self.events):
            if isinstance(event, MegolmEvent) and client.olm is not None:
                with contextlib.suppress(EncryptionError):
                    self.events[index] = client.olm.decrypt_megolm_event(event, room_id)

    def answered(self, bot_user: str) -> list[str]:
        """The words the bot's answers name, in the order they arrived."""
        return [match[1] for event in self.events if isinstance(event, RoomMessageText)
                and event.sender == bot_user and (match := ANSWER.search(event.body))]

    def others(self, bot_user: str) -> list[str]:
        """The bot's messages that answer no word (none expected), and those nobody can read."""
        return [getattr(event, "body", type(event).__name__)[:80] for event in self.events
                if event.sender == bot_user and not (isinstance(event, RoomMessageText) and ANSWER.search(event.body))]

    def written(self) -> list[str]:
        mine = self.resident.client.user_id
        return [event.body for event in self.events if isinstance(event, RoomMessageText) and event.sender == mine]


async def new_writer(synapse: Synapse, folder: Path) -> Writer:
    user_id = await synapse.register(f"resident-{uuid.uuid4().hex[:8]}", PASSWORD)
    await synapse.lift_ratelimit(user_id)
    resident = MatrixResident(synapse.base_url, user_id, PASSWORD, folder)
    await resident.login()
    return Writer(resident)


async def open_chat(writer: Writer, bot_user: str) -> None:
    """The resident opens an encrypted chat with the bot and chooses English: from then on every message
    gets exactly one answer."""
    resident = writer.resident
    await resident.wait_for_device_keys(bot_user, timeout=90)
    await resident.open_dm(bot_user, encrypted=True)
    await resident.wait_for_member(bot_user, timeout=60)
    await resident.say("!language")
    await resident.replies(1, bot_user, timeout=60)
    await resident.say("3")  # English: the greeting and the menu
    await resident.replies(3, bot_user, timeout=60)
    assert resident.client.next_batch
    writer.token = resident.client.next_batch


async def stored_answers(database: Database, writers: list[Writer]) -> list[tuple[str, int, str]]:
    """The residents' answers stored and not sent yet: (status, attempts, last error)."""
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error)
            .join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(Resident.channel == MATRIX,
                   Resident.channel_user_id.in_([each.resident.client.user_id for each in writers])))
        return [(status, attempts, error) for status, attempts, error in rows]


async def test_bursts_killed_at_random_moments_are_answered_once_each(database: Database, tmp_path: Path,
                                                                     synapse: Synapse) -> None:
    began = time.monotonic()
    rng = random.Random(SEED)
    bot_user = await new_bot_account(synapse)
    bot = Bot({**os.environ, "QB_DATA_DIR": str(tmp_path / "bot"), "QB_DATABASE_URL": plain_url(database.url),
               "QB_MATRIX_HOMESERVER": synapse.base_url, "QB_MATRIX_USER_ID": bot_user,
               "QB_MATRIX_PASSWORD": PASSWORD,
               "QB_FLOOD_MESSAGES": "10000"})  # bursts of a script, not of a person: fair use has its own tests
    await migrate(bot.environment)
    await bot.start()
    writers: list[Writer] = []
    moments: list[float] = []  # of the kills, after the start of a burst
    during = 0  # kills before the burst was all sent
    restarts: list[float] = []  # from a start to serving
    try:
        for _ in range(RESIDENTS):
            writers.append(await new_writer(synapse, tmp_path / "residents"))
        await asyncio.gather(*(open_chat(each, bot_user) for each in writers))
        await bot.serving()
        for round_number in range(ROUNDS):
            turn = writers[round_number % RESIDENTS]
            burst = [f"zqx{round_number:02d}v{index}" for index in range(BURST)]  # no offer has these words
            turn.words.extend(burst)
            await asyncio.sleep(rng.uniform(0, 0.6))  # sometimes still catching up on the last round
            moment = rng.uniform(0, 0.9)  # a burst takes about half a second

            async def write(resident: MatrixResident = turn.resident, burst: list[str] = burst) -> None:
                for word in burst:
                    await resident.say(word)

            writing = asyncio.create_task(write())
            await asyncio.sleep(moment)
            await bot.kill()
            moments.append(moment)
            during += not writing.done()
            await writing
            started = time.monotonic()
            await bot.start()
            await bot.serving()
            restarts.append(time.monotonic() - started)
        rounds_took = time.monotonic() - began
        # The answers a kill cut off go out after the restart (outbox/owner.py), through the dispatcher.
        cut_off = await stored_answers(database, writers)
        progress, last_progress = None, time.monotonic()
        while time.monotonic() - last_progress < PATIENCE:
            for each in writers:
                await each.read()
            answered = sum(len(set(each.answered(bot_user))) for each in writers)
            left = len(await stored_answers(database, writers))
            if answered == ROUNDS * BURST and not left:
                break
            if (answered, left) != progress:
                progress, last_progress = (answered, left), time.monotonic()
            await asyncio.sleep(2)
        await asyncio.sleep(5)  # a second copy would come now
        for each in writers:
            await each.read()

        counted = Counter(word for each in writers for word in each.answered(bot_user))
        words = [word for each in writers for word in each.words]
        missing = [word for word in words if not counted[word]]
        twice = {word: count for word, count in counted.items() if count > 1}
        others = [body for each in writers for body in each.others(bot_user)]
        late = 0  # answers that came after the answer to a later message of the same resident
        for each in writers:
            places = [each.words.index(word) for word in each.answered(bot_user) if word in each.words]
            late += sum(1 for index, place in enumerate(places) if place < max(places[:index], default=-1))
        print(f"\n{database.backend}: {ROUNDS} kills (seed {SEED}), {during} of them while the burst was still being "
              f"written, {min(moments):.2f}–{max(moments):.2f} s after its start; {len(words)} messages from "
              f"{RESIDENTS} residents, {len(words) - len(missing)} answered, "
              f"{sum(count - 1 for count in twice.values())} twice, {len(others)} other or unreadable; "
              f"{len(cut_off)} cut-off answer(s) still stored at the last restart (most attempts "
              f"{max((attempts for _, attempts, _ in cut_off), default=0)}), {late} answer(s) after a later "
              f"message's; {time.monotonic() - began:.0f} s in all, {rounds_took:.0f} s up to the last restart "
              f"(a restart {sum(restarts) / len(restarts):.1f} s on average, {max(restarts):.1f} s at most)")
        for each in writers:
            assert each.written() == each.words  # every message is in the room, in order
        assert not missing and not twice and not others, (
            f"missing {missing}, twice {twice}, other or unreadable {others}; stored answers: "
            f"{await stored_answers(database, writers)}\n{bot.tail()}")
        assert set(counted) == set(words)
        assert await stored_answers(database, writers) == []  # every stored answer was sent, then removed
    finally:
        await bot.stop()
        for each in writers:
            await each.resident.close()
