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
from tests.support.figures import printed
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
    responses = {row[0]: row[1:] for row in printed(results, "Bedarfsabfrage Horst: Was brauchen Sie?").rows}
    assert responses["Responses"] == ["10", "0", "+10"] and responses["of them completed"] == ["9", "0", "+9"]
    assert [responses[name][0] for name in ("Newcomers", "Old-established residents", "Other or no answer",
                                            "German", "Arabic", "Romanian")] == ["6", "<5", "0", "6", "<5", "<5"]

    def cells(title: str, answer: str, split: bool) -> list[str]:
        """This period's count and share, or the split: newcomers, old-established, other, German, Arabic,
        Romanian."""
        table = printed(results, title, 1 if split else 0)
        row = next(row for row in table.rows if row[0] == answer)
        return row[1:] if split else row[1:3]

    assert cells("1. Wie lange wohnen Sie schon in Horst?", "Weniger als 1 Jahr", False) == ["6", "60 %"]
    assert cells("1. Wie lange wohnen Sie schon in Horst?", "Weniger als 1 Jahr", True) == [
        "6", "<5", "0", "6", "<5", "<5"]
    assert cells("6. Wie alt sind Sie?", "30 bis 49", False) == ["4", "44 %"]
    assert cells("6. Wie alt sind Sie?", "30 bis 49", True) == ["<5", "<5", "0", "<5", "<5", "<5"]  # 4 of 6
    assert cells("6. Wie alt sind Sie?", "65 oder älter", False) == ["3", "33 %"]
    assert cells("6. Wie alt sind Sie?", "65 oder älter", True) == ["0", "<5", "0", "0", "<5", "<5"]
    children = printed(results, "7. Wie viele Kinder unter 18 Jahren leben in Ihrem Haushalt? Bitte schreiben Sie "
                                "eine Zahl (0, wenn keine).", 2)
    assert [row[:2] for row in children.rows] == [["Median", "2.5"], ["Mean", "2.5"]]
    assert "Free-text answers are not listed" in results and "Idee Nummer" not in results

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
