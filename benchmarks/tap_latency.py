"""Tap → new screen on Telegram, before and after a change, measured in the same run.

Why: issue 13 makes every reply durable (stored in the database in the same transaction as the
record that the message was handled, then sent, then its row deleted), which adds database
writes to every button press. The issue asks that replies still arrive as fast as today when
nothing fails: this prints the median and p95 of "tap → new screen" for both versions, measured
in one run.

How: both versions run at the same time as real `quartiersbot run` processes, each against a
loopback Bot API emulation of its own (tests/support/telegram_emulator.py, in this process's event
loop) and a fresh database of its own, with the Horst example content. BEFORE is a revision
exported with `git archive` into a temporary folder and run with this venv, that folder first on
PYTHONPATH (the venv's editable install would otherwise import the working tree; the script
checks where `bot` comes from and prints it). AFTER is the working tree, or another revision.

One resident per version taps one button at a time: a topic of the offers, then "back", then
the next topic, and so on. A tap is timed from the callback update being enqueued at the
emulator to the emulator accepting the bot's new screen (the edit of the pressed message, or a
new message). After each screen a short pause lets the work after the send finish (the durable
version deletes the sent row then), as a resident's next tap comes much later anyway; the
pause is also longer than the send pacing of QB_TELEGRAM_MAX_RATE, left at production's 30/s.
Rounds alternate between the versions, and which goes first, so machine noise hits both. The
first taps of each version are warm-up and not counted.

Usage: python benchmarks/tap_latency.py [--before fa7baaa] [--after REV] [--taps 200] [--rounds 10]
           [--warmup 10] [--pause 0.05] [--backends sqlite,postgresql]
(without --after: the working tree)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import database_url, percentile  # noqa: E402
from bot import runtime  # noqa: E402
from tests.support.telegram_emulator import BotApiEmulator, SentMessage  # noqa: E402

RESIDENT = 6_000_001
TOPIC = re.compile(r"offers:c:[^:]+:1")  # the first page of a topic, on the topics screen


@dataclass
class Version:
    label: str  # "before" or "after"
    source: str  # the revision, or "working tree"
    tree: Path
    emulator: BotApiEmulator = field(default_factory=BotApiEmulator)
    samples: list[float] = field(default_factory=list)
    taps: int = 0
    new_messages: int = 0  # screens that came as a new message instead of an edit

    def screen(self) -> SentMessage:
        return self.emulator.messages(RESIDENT)[-1]


def export(revision: str, folder: Path) -> str:
    """The revision's files in `folder` (no worktree, nothing changes in the repository); its short id."""
    short = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", f"{revision}^{{commit}}"],
                           check=True, capture_output=True, text=True).stdout.strip()
    folder.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", short], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout, check=True)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {revision} failed")
    return short


def working_tree() -> str:
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          check=True, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           check=True, capture_output=True, text=True).stdout.strip()
    return f"working tree ({head}{' + uncommitted changes' if dirty else ''})"


def environment(version: Version, workdir: Path, url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(version.tree), "QB_DATA_DIR": str(workdir),
            "QB_DATABASE_URL": url.replace("+aiosqlite", "").replace("+asyncpg", ""),
            "QB_TELEGRAM_TOKEN": version.emulator.token, "QB_TELEGRAM_API_URL": version.emulator.base_url,
            "QB_LOG_LEVEL": "WARNING", "QB_FLOOD_MESSAGES": "10000", "QB_FLOOD_SECONDS": "1"}


async def check_origin(version: Version, env: dict[str, str]) -> str:
    """Where this version's processes import `bot` from; it must be the version's own folder."""
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import bot; print(bot.__file__)", env=env, cwd=version.tree,
        stdout=asyncio.subprocess.PIPE)
    origin = (await probe.communicate())[0].decode().strip()
    if not inside(origin, version.tree):
        raise RuntimeError(f"{version.label}: `bot` is imported from {origin}, not from {version.tree}")
    return origin


def inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


@asynccontextmanager
async def running(version: Version, backend: str, workdir: Path) -> AsyncIterator[None]:
    """The version as `quartiersbot run` in a process of its own, on a fresh database with the Horst content."""
    os.makedirs(workdir)
    url, cleanup = await database_url(backend, workdir)
    await version.emulator.start()
    env = environment(version, workdir, url)
    output = workdir / "bot.log"
    process = None
    try:
        print(f"{version.label} ({version.source}, {backend}): bot from {await check_origin(version, env)}",
              flush=True)
        with output.open("ab") as sink:  # `import` migrates the fresh database first
            importing = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "import", str(version.tree / "content" / "horst"), env=env,
                cwd=version.tree, stdout=sink, stderr=sink)
            if await importing.wait() != 0:
                raise RuntimeError(f"{version.label}: import failed:\n{tail(output)}")
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=env, cwd=version.tree, stdout=sink, stderr=sink)
        await version.emulator.wait_until(
            lambda: process.returncode is not None or any(m == "getUpdates" for m, _ in version.emulator.calls),
            timeout=60)
        if process.returncode is not None:
            raise RuntimeError(f"{version.label}: `quartiersbot run` exited with {process.returncode}:\n"
                               f"{tail(output)}")
        yield
    finally:
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        await version.emulator.stop()
        await cleanup()


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


async def open_topics(version: Version) -> None:
    """First contact (greeting and menu), then the topics screen: where the taps start."""
    emulator = version.emulator
    emulator.send_text(RESIDENT, "/start", language_code="de")
    menu = (await emulator.wait_for_messages(RESIDENT, 2, timeout=30))[-1]
    emulator.press_button(RESIDENT, menu.message_id, "offers:home")
    await emulator.wait_until(lambda: bool(topics(version.screen())), timeout=30,
                              describe=lambda: f"the topics screen; there: {version.screen().text[:200]!r}")


def topics(screen: SentMessage) -> list[str]:
    rows = (screen.reply_markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if TOPIC.fullmatch(b.get("callback_data", ""))]


def buttons(screen: SentMessage) -> list[str]:
    return [b.get("callback_data", "") for row in (screen.reply_markup or {}).get("inline_keyboard", []) for b in row]


async def tap(version: Version, pause: float) -> float:
    """One press on the current screen (a topic on the topics screen, else "back"); ms until its new screen."""
    emulator, screen = version.emulator, version.screen()
    on_topics = version.taps % 2 == 0
    choices = topics(screen) if on_topics else [data for data in buttons(screen) if data == "back"]
    if not choices:
        raise RuntimeError(f"{version.label}: no {'topic' if on_topics else 'back'} button on the screen "
                           f"{screen.text[:200]!r}: {buttons(screen)}")
    data = choices[(version.taps // 2) % len(choices)]
    seen, messages = len(emulator.accepted_sends), len(emulator.messages(RESIDENT))
    started = emulator.monotonic()
    emulator.press_button(RESIDENT, screen.message_id, data)
    await emulator.wait_until(lambda: len(emulator.accepted_sends) > seen, timeout=30,
                              describe=lambda: f"{version.label}: a new screen after pressing {data}")
    arrived = emulator.accepted_sends[seen][0]
    version.taps += 1
    version.new_messages += len(emulator.messages(RESIDENT)) - messages
    await asyncio.sleep(pause)
    return (arrived - started) * 1000


async def measure(versions: list[Version], backend: str, folder: Path, arguments: argparse.Namespace) -> None:
    async with AsyncExitStack() as stack:
        for version in versions:
            await stack.enter_async_context(running(version, backend, folder / backend / version.label))
        for version in versions:
            await open_topics(version)
            for _ in range(arguments.warmup):
                await tap(version, arguments.pause)
        rounds = max(1, min(arguments.rounds, arguments.taps))
        for number in range(rounds):
            share = arguments.taps // rounds + (number < arguments.taps % rounds)
            for version in versions if number % 2 == 0 else versions[::-1]:
                for _ in range(share):
                    version.samples.append(await tap(version, arguments.pause))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="fa7baaa", help="revision before the change (default: fa7baaa)")
    parser.add_argument("--after", default=None, help="revision after the change (default: the working tree)")
    parser.add_argument("--taps", type=int, default=200, help="measured taps per version and backend")
    parser.add_argument("--rounds", type=int, default=10, help="alternations between the versions")
    parser.add_argument("--warmup", type=int, default=10, help="taps per version not counted")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between a new screen and the next tap")
    parser.add_argument("--backends", default="sqlite,postgresql")
    arguments = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tap-latency-") as temporary:
        folder = Path(temporary)
        before_id = export(arguments.before, folder / "before-tree")
        if arguments.after is None:
            after_source, after_tree = working_tree(), ROOT
        else:
            after_source, after_tree = export(arguments.after, folder / "after-tree"), folder / "after-tree"
        for backend in arguments.backends.split(","):
            versions = [Version("before", before_id, folder / "before-tree"),
                        Version("after", after_source, after_tree)]
            await measure(versions, backend, folder, arguments)
            rows.append((backend, versions))
    print(f"\nTap → new screen on Telegram (Bot API emulation), one resident per version, sequential taps "
          f"in {arguments.rounds} alternating rounds, {arguments.warmup} warm-up taps not counted\n")
    print("| version | backend | taps | median ms | p95 ms | after/before median | after/before p95 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for backend, (before, after) in rows:
        for version in (before, after):
            median, p95 = statistics.median(version.samples), percentile(version.samples, 0.95)
            ratios = ("", "")
            if version is after:
                ratios = (f"{median / statistics.median(before.samples):.2f}",
                          f"{p95 / percentile(before.samples, 0.95):.2f}")
            print(f"| {version.label} ({version.source}) | {backend} | {len(version.samples)} | {median:.1f} | "
                  f"{p95:.1f} | {ratios[0]} | {ratios[1]} |")
    for backend, versions in rows:
        for version in versions:
            errors = getattr(version.emulator, "errors", [])
            if version.new_messages or errors:
                print(f"\nNote: {version.label} on {backend}: {version.new_messages} screen(s) came as a new "
                      f"message instead of an edit; {len(errors)} error answer(s) from the emulation: {errors[:3]}")


if __name__ == "__main__":
    runtime.run(main())
