"""`quartiersbot web`, and `run` with QB_WEB_LISTEN, serve the back office and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.databases import Database
from tests.support.ports import free_port


def wait_for_login_page(address: str, process: subprocess.Popen[str]) -> urllib.request.addinfourl:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return urllib.request.urlopen(f"{address}/login", timeout=5)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("the back office did not answer within a minute")


@pytest.mark.parametrize("command", ["web", "run"])
def test_the_command_serves_the_back_office_until_sigterm(database: Database, tmp_path: Path, command: str) -> None:
    listen = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_DATABASE_URL": database.url, "QB_WEB_LISTEN": listen}
    for name in ("QB_TELEGRAM_TOKEN", "QB_MATRIX_HOMESERVER"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", command], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        answer = wait_for_login_page(f"http://{listen}", process)
        assert answer.status == 200 and "default-src 'self'" in answer.headers["content-security-policy"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (tmp_path / "web-secret").stat().st_mode & 0o077 == 0
