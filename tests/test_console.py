"""The console channel, scripted through the real `quartiersbot` command."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App
from bot.channels.console import ConsoleChannel, render
from bot.conversation.messages import Choice, Reply
from tests.support.databases import Database

ARABIC = range(0x0600, 0x06FF)


def quartiersbot(*arguments: str, stdin: str = "", env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], input=stdin, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120, check=False)


def test_render_numbers_the_choices() -> None:
    text = render(Reply("Hallo", (Choice("Eins", "a"), Choice("Zwei", "b")), title="Titel"))
    assert text == "*Titel*\nHallo\n  [1] Eins\n  [2] Zwei"


async def test_scripted_console_conversation(app: App) -> None:
    stdin, stdout = io.StringIO("/start\n\n1\n2\n"), io.StringIO()
    channel = ConsoleChannel(app.conversation, "console-test", language_hint="en", stdin=stdin, stdout=stdout)
    await channel.run(interactive=False)
    output = stdout.getvalue()
    assert output.count("> ") == 3  # blank lines are skipped
    assert "[1] 🔎 Find offers" in output
    assert "Choose a topic" in output  # "1" chose "Find offers"


def test_done_when_german_and_arabic(database: Database, tmp_path: Path) -> None:
    env = {"QB_DATA_DIR": str(tmp_path), "QB_DATABASE_URL": database.url.replace("+aiosqlite", "")
           .replace("+asyncpg", "")}
    german = quartiersbot("chat", "--lang", "de", "--user", "readme-de", stdin="/start\nDeutschkurs\n", env=env)
    assert german.returncode == 0, german.stderr
    assert "Find offers" not in german.stdout and "Angebote" in german.stdout  # the menu, in German
    assert "offers:o:" not in german.stdout
    assert "Deutschkurs" in german.stdout
    arabic = quartiersbot("chat", "--lang", "ar", "--user", "readme-ar", stdin="/start\nDeutschkurs\n1\n", env=env)
    assert arabic.returncode == 0, arabic.stderr
    arabic_letters = sum(1 for character in arabic.stdout if ord(character) in ARABIC)
    assert arabic_letters > 200, arabic.stdout
    assert "\u200f" in arabic.stdout
    assert any(time in arabic.stdout for time in ("٠٩:٠٠", "09:00", "9:00"))


def test_demo_imports_the_example_content_once_and_chats(tmp_path: Path) -> None:
    env = {"QB_DATA_DIR": str(tmp_path)}
    first = quartiersbot("demo", "--lang", "en", "--user", "demo", stdin="/start\nfood bank\n", env=env)
    assert first.returncode == 0, first.stderr
    assert "Example content of Horst imported" in first.stdout and "prepared answers: 4 new" in first.stdout
    assert "Results for “food bank”" in first.stdout
    second = quartiersbot("demo", "--lang", "en", "--user", "demo", stdin="/menu\n", env=env)
    assert "imported" not in second.stdout and "What do you need?" in second.stdout


def test_run_without_channels_says_how_to_configure_one(tmp_path: Path) -> None:
    result = quartiersbot("run", env={"QB_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "No channel is configured" in result.stderr and "QB_TELEGRAM_TOKEN" in result.stderr


def test_import_reports_errors_and_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "offers.yaml").write_text("offers:\n  - key: x\n", encoding="utf-8")
    result = quartiersbot("import", str(tmp_path / "content"), env={"QB_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Nothing was imported" in result.stderr
    assert "offers.yaml: offers[0] (key 'x'): category: Field required" in result.stderr
