"""What the bot keeps under QB_DATA_DIR is its own user's alone: folders 0700, files 0600, from the start.

The data folder holds residents' data (the SQLite database and its -wal/-shm files), the Matrix access
token and end-to-end keys, and calendar files. Every test here runs with a permissive umask (0o022), as a
login shell has, so only what the bot itself does keeps these private. "From the start" is checked two
ways: a watcher polls the folder while the real command runs, and, in-process, an audit hook inspects the
Matrix channel's files at every file operation on them, which a write-then-chmod would not pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import re
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pytest

from bot.app import create_app
from bot.channels.matrix import MatrixChannel
from bot.config import Settings
from bot.files import private_dir
from tests.support.databases import BERLIN
from tests.support.matrix import PASSWORD, new_bot_account
from tests.support.synapse import Synapse

PERMISSIVE_UMASK = 0o022
TIMEOUT = 120.0


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Child processes inherit it: the command must not rely on the umask it was started with."""
    previous = os.umask(PERMISSIVE_UMASK)
    yield
    os.umask(previous)


def entries(root: Path) -> list[tuple[Path, bool, int]]:
    """Every folder and file under `root`, `root` included: (path, is a folder, permission bits)."""
    found: list[tuple[Path, bool, int]] = []
    for folder, _, files in os.walk(root):
        for path in (Path(folder), *(Path(folder) / name for name in files)):
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:  # a temporary file replaced a moment ago
                continue
            found.append((path, stat.S_ISDIR(mode), stat.S_IMODE(mode)))
    return found


def not_private(root: Path) -> list[str]:
    return [f"{path.relative_to(root.parent)} {oct(mode)}" for path, is_folder, mode in entries(root)
            if mode != (0o700 if is_folder else 0o600)]


@contextmanager
def watching(root: Path) -> Iterator[list[str]]:
    """Polls `root` while the block runs and lists everything ever seen with group or other bits."""
    seen: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for path, _, mode in entries(root) if root.exists() else []:
                found = f"{path.relative_to(root.parent)} {oct(mode)}"
                if mode & 0o077 and found not in seen:
                    seen.append(found)
            stop.wait(0.005)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield seen
    finally:
        stop.set()
        poller.join()


def environment(data: Path, **variables: str) -> dict[str, str]:
    """The real command with the SQLite database in `data`, untouched by the outer environment's QB_ variables."""
    outer = {name: value for name, value in os.environ.items() if not name.startswith("QB_")}
    return {**outer, "QB_DATA_DIR": str(data), **variables}


def quartiersbot(*arguments: str, env: dict[str, str], cwd: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", *arguments], capture_output=True, text=True,
                            env=env, cwd=cwd, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr


class ScriptedChat:
    """`quartiersbot chat` in a subprocess, one line at a time, so the folder is seen while the database is open."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat", "--lang", "en", "--user", "files"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def say(self, text: str, until: str) -> str:
        """Type `text`; return the output up to the line containing `until`."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        output = ""
        while until not in output:
            output += self.lines.get(timeout=TIMEOUT)
        return output

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(TIMEOUT) == 0


def number_of(label: str, output: str) -> str:
    match = re.search(rf"\[(\d+)\] [^\n]*{re.escape(label)}", output)
    assert match, f"no choice {label!r} in:\n{output}"
    return match.group(1)


def test_private_dir_creates_missing_folders_privately_and_leaves_existing_parents(
        tmp_path: Path, permissive_umask: None) -> None:
    parent_mode = stat.S_IMODE(tmp_path.stat().st_mode)
    private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == parent_mode  # not created by it: not its business
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_dir(shared)  # a sticky, shared folder such as /tmp is never narrowed
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_migrate_and_chat_keep_the_data_folder_private(tmp_path: Path, permissive_umask: None) -> None:
    data = tmp_path / "data"
    env = environment(data)
    with watching(data) as seen:
        quartiersbot("migrate", env=env, cwd=tmp_path)
        today = dt.datetime.now(BERLIN).date()
        day = today + dt.timedelta(days=2)
        quartiersbot("event", "add", "files-test", "--start", f"{day} 18:00", "--end", "20:00",
                     "--title", "Files test", "--description", "A meeting for the test.", env=env, cwd=tmp_path)
        chat = ScriptedChat(env, tmp_path)
        try:
            week = "This week" if day.isocalendar()[:2] == today.isocalendar()[:2] else "Next week"
            listing = chat.say("/events", until="Menu")
            occurrences = chat.say(number_of(week, listing), until="Menu")
            card = chat.say(number_of("Files test", occurrences), until="Menu")
            chat.say(number_of("Add to my calendar", card), until="📎")
            files = {path.name for path, is_folder, _ in entries(data) if not is_folder}
            assert {"quartiersbot.sqlite3", "quartiersbot.sqlite3-wal", "quartiersbot.sqlite3-shm"} <= files
            assert any(name.endswith(".ics") for name in files), files
            assert not_private(data) == []  # while the database is open
        finally:
            chat.close()
    assert not_private(data) == []
    assert seen == []


def test_an_open_data_folder_and_database_of_an_older_version_are_narrowed(tmp_path: Path,
                                                                           permissive_umask: None) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    (data / "quartiersbot.sqlite3").touch(0o644)  # an empty file is an empty SQLite database
    quartiersbot("migrate", env=environment(data), cwd=tmp_path)
    assert not_private(data) == []


def matrix_folder(data: Path, user_id: str) -> Path:
    return data / "matrix" / re.sub(r"[^A-Za-z0-9_.-]", "_", user_id)


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_the_matrix_store_is_private_from_the_start(tmp_path: Path, synapse: Synapse,
                                                         permissive_umask: None) -> None:
    user_id = await new_bot_account(synapse)
    data = tmp_path / "data"
    env = environment(data, QB_MATRIX_HOMESERVER=synapse.base_url, QB_MATRIX_USER_ID=user_id,
                      QB_MATRIX_PASSWORD=PASSWORD)
    folder = matrix_folder(data, user_id)
    with watching(data) as seen:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=env, cwd=tmp_path,
                                                       stderr=asyncio.subprocess.DEVNULL)
        try:
            async with asyncio.timeout(TIMEOUT):
                while not (folder / "sync_token").exists():  # logged in, keys uploaded, synced once
                    assert process.returncode is None, "the bot stopped"
                    await asyncio.sleep(0.1)
            stored = {path.name for path, is_folder, _ in entries(folder / "store") if not is_folder}
            assert any(name.endswith(".db") for name in stored), stored  # nio's crypto store
            assert {"credentials.json", "serving_since"} <= {path.name for path in folder.iterdir()}
            assert not_private(data) == []
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
    assert not_private(data) == []
    assert seen == []


class FileOperations:
    """An audit hook: at every open, chmod or rename of a path in a watched folder, the folder's files must
    already be private. A file written first and narrowed after is caught at the chmod, however short the gap."""

    folders: ClassVar[list[tuple[Path, list[str]]]] = []
    installed: ClassVar[bool] = False
    busy: ClassVar[threading.local] = threading.local()

    @classmethod
    @contextmanager
    def watch(cls, folder: Path) -> Iterator[list[str]]:
        if not cls.installed:
            sys.addaudithook(cls._hook)  # stays for the process; does nothing while no folder is watched
            cls.installed = True
        found: list[str] = []
        cls.folders.append((folder, found))
        try:
            yield found
        finally:
            cls.folders.remove((folder, found))

    @classmethod
    def _hook(cls, event: str, arguments: tuple[object, ...]) -> None:
        if not cls.folders or event not in {"open", "os.chmod", "os.rename"} or getattr(cls.busy, "on", False):
            return
        path = arguments[0] if arguments else None
        if not isinstance(path, str | os.PathLike):
            return
        cls.busy.on = True
        try:
            for folder, found in cls.folders:
                if os.fspath(path).startswith(str(folder)) and folder.exists():
                    for entry in os.scandir(folder):
                        with_mode = f"{entry.name} {oct(stat.S_IMODE(entry.stat().st_mode))} at {event}"
                        if entry.is_file() and entry.stat().st_mode & 0o077 and with_mode not in found:
                            found.append(with_mode)
        except FileNotFoundError:
            pass
        finally:
            cls.busy.on = False


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_the_matrix_channel_writes_its_files_privately_under_any_umask(
        tmp_path: Path, synapse: Synapse, permissive_umask: None) -> None:
    """In-process, without the command's umask: the channel's own files and folders are private by themselves
    (nio's database in store/ is then as the umask says, but in a folder no one else can enter)."""
    user_id = await new_bot_account(synapse)
    data = tmp_path / "data"
    settings = Settings(data_dir=data, database_url="", matrix_homeserver=synapse.base_url,  # type: ignore[arg-type]
                        matrix_user_id=user_id, matrix_password=PASSWORD)
    folder = matrix_folder(data, user_id)
    app = await create_app(settings)
    try:
        with FileOperations.watch(folder) as found:
            channel = MatrixChannel(app.conversation, settings)
            stop = asyncio.Event()
            task = asyncio.create_task(channel.run(stop))
            async with asyncio.timeout(TIMEOUT):
                while not (folder / "sync_token").exists():
                    assert not task.done(), task
                    await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(task, 60)
    finally:
        await app.close()
    assert found == []
    for path in (data, data / "matrix", folder, folder / "store"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for name in ("credentials.json", "sync_token", "serving_since"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert sorted(path.name for path in folder.iterdir()) == ["credentials.json", "serving_since", "store",
                                                              "sync_token"]  # no temporary file left
