"""Round trip on Matrix: from a resident's message to the bot's reply, through a real Synapse.

Starts Synapse on 127.0.0.1 (tests/support/synapse.py), the bot as `quartiersbot run` in a process of its
own, and a resident's matrix-nio client that writes one message at a time in an encrypted and in
an unencrypted direct chat, waiting for each reply. Prints p50/p95 in ms.
Usage: python benchmarks/matrix_roundtrip.py [--messages 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import percentile  # noqa: E402
from bot import runtime  # noqa: E402
from tests.support.databases import HORST  # noqa: E402
from tests.support.matrix_resident import MatrixResident  # noqa: E402
from tests.support.synapse import Synapse  # noqa: E402

PASSWORD = "a-long-benchmark-password"


async def round_trips(resident: MatrixResident, bot: str, messages: int) -> list[float]:
    """Milliseconds from sending "!menu" until the bot's menu has arrived, one message at a time."""
    await resident.say("!start")
    await resident.replies(1, bot, timeout=60)
    await resident.say("3")  # English
    await resident.replies(3, bot, timeout=60)
    samples = []
    for _ in range(messages):
        before = len([event for event in resident.received if event.sender == bot])
        started = time.perf_counter()
        await resident.say("!menu")
        await resident.replies(before + 1, bot, timeout=60)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=60)
    arguments = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        synapse = Synapse(work / "synapse")
        await synapse.start()
        try:
            bot = await synapse.register("benchbot", PASSWORD)
            await synapse.lift_ratelimit(bot)
            environment = {**os.environ, "QB_DATA_DIR": str(work / "bot"), "QB_LOG_LEVEL": "WARNING",
                           "QB_MATRIX_HOMESERVER": synapse.base_url, "QB_MATRIX_USER_ID": bot,
                           "QB_MATRIX_PASSWORD": PASSWORD}
            importing = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "import", str(HORST),
                                                             env=environment, cwd=ROOT,
                                                             stdout=asyncio.subprocess.DEVNULL)
            assert await importing.wait() == 0
            process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=environment,
                                                           cwd=ROOT)
            try:
                for encrypted in (True, False):
                    name = f"resident-{'e2e' if encrypted else 'plain'}"
                    user = await synapse.register(name, PASSWORD)
                    await synapse.lift_ratelimit(user)
                    resident = MatrixResident(synapse.base_url, user, PASSWORD, work / "residents")
                    await resident.login()
                    await resident.wait_for_device_keys(bot)  # the bot has just started for the first time
                    await resident.open_dm(bot, encrypted=encrypted)
                    await resident.wait_for_member(bot, timeout=60)
                    samples = await round_trips(resident, bot, arguments.messages)
                    rows.append(("encrypted" if encrypted else "unencrypted", samples))
                    await resident.close()
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
        finally:
            await synapse.stop()
    print(f"{arguments.messages} messages one at a time per row; ms from sending to the reply's arrival\n")
    print("| direct chat | p50 ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for name, samples in rows:
        print(f"| {name} | {statistics.median(samples):.1f} | {percentile(samples, 0.95):.1f} |")


if __name__ == "__main__":
    runtime.run(main())
