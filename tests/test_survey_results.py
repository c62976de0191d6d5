"""What staff get from the CLI: the list, results with small groups hidden, anonymous exports."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from pathlib import Path

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.content.importer import import_folder
from tests.support.chat import Chat
from tests.support.databases import HORST, Database, settings_for
from tests.support.survey import answer_survey


def quartiersbot(database: Database, tmp_path: Path, quarter: str, *arguments: str) -> str:
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_QUARTER": quarter,
           "QB_DATABASE_URL": database.url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", *arguments], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def quarter_app(database: Database, tmp_path: Path, clock: FixedClock) -> tuple[str, App]:
    """A quarter of its own, so the counts are this test's alone."""
    quarter = f"q{uuid.uuid4().hex[:12]}"
    app = await create_app(settings_for(database, tmp_path, quarter=quarter), clock=clock, migrate=False,
                           engine=database.engine)
    await import_folder(app.sessions, HORST, quarter, clock)
    return quarter, app


async def test_results_split_by_group_and_language_hide_small_cells(database: Database, tmp_path: Path,
                                                                   clock: FixedClock) -> None:
    quarter, app = await quarter_app(database, tmp_path, clock)
    for index in range(6):
        await answer_survey(Chat(app, language_hint="de"), {
            "living_in_horst": "under_1_year", "age_group": "30_to_49" if index < 4 else "18_to_29",
            "children": index, "wanted_offers": ["meeting", "sport"], "ideas": f"Idee Nummer {index}"})
    for _ in range(3):
        await answer_survey(Chat(app, language_hint="ar"), {"living_in_horst": "over_10_years",
                                                            "age_group": "65_plus", "help_organise": "yes"})
    partial = Chat(app, language_hint="ro")
    await answer_survey(partial, {"living_in_horst": "over_10_years"}, stop_before="changes")

    listing = quartiersbot(database, tmp_path, quarter, "survey", "list")
    assert "bedarfsabfrage" in listing and listing.splitlines()[1].split()[1:5] == ["1", "yes", "9", "1"]

    export = tmp_path / "responses.csv"
    results = quartiersbot(database, tmp_path, quarter, "survey", "results", "bedarfsabfrage", "--csv", str(export))
    assert "Responses: 10 (9 complete, 1 partial" in results
    assert "Columns: newcomer 6, established <5, other 0, ar <5, de 6, ro <5" in results
    lines = results.splitlines()

    def cells(fragment: str, after: str) -> list[str]:
        """The cells of the table line containing `fragment`, after the question `after`."""
        start = next(index for index, line in enumerate(lines) if line.startswith(after))
        line = next(line for line in lines[start:] if fragment in line)
        return line.split(fragment, 1)[1].split()

    # Columns: all, newcomer, established, other, ar, de, ro
    assert cells("under_1_year: Weniger als 1 Jahr", "1. living_in_horst") == [
        "6", "(60%)", "6", "(100%)", "<5", "0", "<5", "6", "(100%)", "<5"]
    assert cells("30_to_49: 30 bis 49", "6. age_group") == [  # 4 of the 6 newcomers: hidden when split
        "4", "(44%)", "<5", "<5", "0", "<5", "<5", "<5"]
    assert cells("65_plus: 65 oder älter", "6. age_group") == ["3", "(33%)", "0", "(0%)", "<5", "0", "<5",
                                                              "0", "(0%)", "<5"]
    assert "median 2.5, mean 2.5" in results
    assert "free texts are in the CSV export" in results

    with export.open(encoding="utf-8") as file:
        exported = list(csv.DictReader(file))
    assert len(exported) == 10
    assert {row["status"] for row in exported} == {"complete", "partial"}
    ideas = sorted(row["ideas"] for row in exported if row["ideas_language"])
    assert ideas == [f"Idee Nummer {index}" for index in range(6)]
    assert {row["ideas_language"] for row in exported if row["ideas"].startswith("Idee")} == {"de"}
    assert not any("token" in column or "resident" in column for column in exported[0])
    assert all(len(row["started_on"]) == 10 for row in exported)  # days only, no times


async def test_signups_export(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    quarter, app = await quarter_app(database, tmp_path, clock)
    chat = Chat(app, language_hint="tr")
    await answer_survey(chat, {"living_in_horst": "under_1_year", "help_organise": "yes"})
    await chat.tap("survey:su:yes")
    await chat.say("Ayşe, 0209 123456")
    await chat.tap("survey:su:skip")
    export = tmp_path / "signups.csv"
    output = quartiersbot(database, tmp_path, quarter, "survey", "signups", "bedarfsabfrage", "--csv", str(export))
    assert "1 sign-up(s) written" in output
    with export.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(row["contact"], row["topic"], row["language"], row["consent_version"]) for row in rows] == [
        ("Ayşe, 0209 123456", "", "tr", "1")]
    assert rows[0]["consented_at"] == "2026-11-24T10:30+01:00"
