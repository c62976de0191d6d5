"""Private folders and files for what the bot keeps on disk.

The data folder holds residents' data (the SQLite database), the Matrix access token and end-to-end
keys, and calendar files sent to residents. The `quartiersbot` command sets the umask 0o077 first thing,
so what a library creates there (SQLite's -wal and -shm files, nio's crypto database) is private too.
These helpers make the bot's own folders and files private by themselves, whatever umask the process
has (`alembic` run by hand, tests, a program embedding the bot), and narrow a data folder that an older
version or an administrator left open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
OTHERS = 0o077  # the group's and everyone else's permission bits

log = logging.getLogger(__name__)


def private_dir(path: Path) -> Path:
    """Create `path` and its missing parents 0700, or narrow `path` to 0700 if it is open to others.

    Folders are created with the mode at once (the umask can only take bits away), so nothing is ever
    written into a folder others can read. Parents that exist already are left alone: they are not the
    bot's. Neither is a sticky folder shared by everyone, such as /tmp given as the data folder: it is
    never narrowed, only warned about.
    """
    path = Path(path)
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it a moment ago
            folder.mkdir(mode=PRIVATE_FOLDER)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    mode = path.stat().st_mode
    if mode & OTHERS:
        if mode & stat.S_ISVTX:
            log.warning("%s is a folder shared with others (mode %o); the bot's files in it stay private, "
                        "but give the bot a folder of its own", path, stat.S_IMODE(mode))
        else:
            try:
                os.chmod(path, stat.S_IMODE(mode) & ~OTHERS)
            except PermissionError:
                log.warning("%s is open to others (mode %o) and belongs to another user; make it 0700",
                            path, stat.S_IMODE(mode))
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and 0600 if it is missing, or narrow it to 0600 if it is open to others.

    For a file a library opens and fills itself: SQLite keeps the mode of an existing database file and
    gives its -wal and -shm files that same mode.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode) and mode & OTHERS:
            try:
                os.chmod(path, stat.S_IMODE(mode) & ~OTHERS)
            except PermissionError:
                log.warning("%s is open to others (mode %o) and belongs to another user; make it 0600",
                            path, stat.S_IMODE(mode))
    return path


def write_private(path: Path, content: bytes) -> None:
    """Replace `path` with `content` atomically, in a file that is 0600 from the moment it exists.

    A temporary file beside it is created with the mode (not written first and narrowed after, which
    leaves a moment in which others can read it), then renamed over `path`, so a reader sees the old or
    the new content, never a part. A temporary file left by a crash is removed first: opening it again
    would keep whatever mode it had.
    """
    temporary = path.with_name(f"{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
