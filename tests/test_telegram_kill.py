"""`quartiersbot run` killed with SIGKILL, again and again, while residents write on Telegram.

Every message is answered; the only duplicates allowed are the ones the README's promise names:
a reply Telegram had accepted in the moment before the kill, before the bot could record it as sent
(the Bot API has no idempotency key to recognise it by)."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.databases import Database, plain_url
from tests.support.telegram import resident
from tests.support.telegram_emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
KILLS = 20
BURST = 10
# From Telegram accepting a reply to the bot's record that it was sent: one database write. Generous,
# for a loaded test machine; the figures printed show how close the duplicates really were.
WINDOW_SECONDS = 1.0
IN_FLIGHT_SECONDS = 0.25


@pytest.mark.slow
async def test_kill_9_during_bursts_answers_every_message(emulator: BotApiEmulator, database: Database,
                                                           tmp_path: Path) -> None:
    environment = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_DATABASE_URL": plain_url(database.url),
                   "QB_TELEGRAM_TOKEN": emulator.token, "QB_TELEGRAM_API_URL": emulator.base_url,
                   "QB_FLOOD_MESSAGES": "10000", "QB_LOG_LEVEL": "WARNING"}
    chance = random.Random(13)
    residents = [resident() for _ in range(2)]
    for user in residents:
        emulator.send_text(user, "/language", language_code="en")  # asked once, so that searches follow
    sent: dict[str, int] = {}  # message text -> chat
    kills: list[float] = []
    starts: list[float] = []  # when each process began to poll
    log = tmp_path / "bot.log"

    async def start() -> asyncio.subprocess.Process:
        polls = sum(1 for method, _ in emulator.calls if method == "getUpdates")
        with log.open("ab") as sink:
            process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=environment,
                                                           cwd=ROOT, stdout=sink, stderr=sink)
        await emulator.wait_until(lambda: sum(1 for m, _ in emulator.calls if m == "getUpdates") > polls
                                  or process.returncode is not None, timeout=60)
        assert process.returncode is None, log.read_text(errors="replace")[-3000:]
        starts.append(time.monotonic())
        return process

    for round_number in range(KILLS):
        process = await start()
        for index in range(BURST):
            user = residents[index % len(residents)]
            text = f"zqx{round_number}w{index}"
            sent[text] = user
            emulator.send_text(user, text, language_code="en")
        await asyncio.sleep(chance.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        kills.append(time.monotonic())
        await process.wait()

    process = await start()
    try:
        def answers(text: str) -> list[float]:
            return [message.sent_at for message in emulator.messages(sent[text]) if text in message.text]

        await emulator.wait_until(lambda: all(answers(text) for text in sent), timeout=120,
                                  describe=lambda: f"answers; missing: {[t for t in sent if not answers(t)]}")
        await asyncio.sleep(2)  # what a restart would send twice comes now
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    twice = {text: answers(text) for text in sent if len(answers(text)) > 1}

    def to_the_kill(moment: float) -> float:
        """How long before the nearest kill a copy was accepted; negative: after it, a request on the wire."""
        # sent_at is perf_counter and kills are monotonic: the same clock on Linux.
        return min((kill - moment for kill in kills if kill >= moment - IN_FLIGHT_SECONDS), default=float("inf"),
                   key=abs)

    # Each copy but the last must have been cut off by a kill: accepted, and the bot died before recording it
    # (a reply can be cut off more than once when the process that sends it again dies too).
    cut_off = [to_the_kill(moment) for times in twice.values() for moment in times[:-1]]
    print(f"\n{KILLS} kills, {len(sent)} messages, all answered; answered more than once: {len(twice)}"
          f"{'; each extra copy accepted this long before a kill (negative: after it, in flight): ' if twice else ''}"
          f"{', '.join(f'{seconds * 1000:.0f} ms' for seconds in cut_off)}")
    assert all(-IN_FLIGHT_SECONDS <= seconds <= WINDOW_SECONDS for seconds in cut_off), (
        {text: [round(moment - kills[0], 3) for moment in times] for text, times in twice.items()},
        [round(moment - kills[0], 3) for moment in kills], [round(moment - kills[0], 3) for moment in starts])
    errors = [line for line in log.read_text(errors="replace").splitlines() if re.search(r"\b(ERROR|CRITICAL)\b", line)]
    assert errors == []
