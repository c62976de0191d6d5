"""Sprechstunden as data, the figures for the city's controlling, and forgetting who held a number."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.clock import FixedClock
from bot.content.importer import ContentError, read_folder
from bot.queue.models import NO_SHOW, SERVED
from bot.queue.notify import TURN
from bot.queue.upkeep import remove_links
from tests.support.chat import Chat, button
from tests.support.databases import HORST, Database
from tests.support.events import berlin
from tests.support.queue import queue_app, queue_messages, staff_of, take_number, tickets


def test_the_horst_example_is_valid() -> None:
    content = read_folder(HORST)
    assert content.sprechstunden is not None
    (laden,) = content.sprechstunden.sprechstunden
    assert [hours.time for hours in laden.weekly] == ["10:00-13:00", "14:00-18:00"]
    assert set(laden.titles) == {"de", "de@easy", "en", "tr", "ar", "ro", "bg", "uk", "ru", "pl"}


def test_mistakes_are_all_named(tmp_path: Path) -> None:
    entry = {"key": "laden", "titles": {"en": "Hours"}, "place": "Laden", "topics": ["housing", "taxes"],
             "weekly": [{"day": "tue", "time": "10:00-13:00", "languages": ["de", "xx-nonsense-1"]},
                        {"day": "tue", "time": "12:00-14:00"}, {"day": "fri", "time": "14:00-12:00"}]}
    (tmp_path / "sprechstunden.yaml").write_text(yaml.safe_dump({"sprechstunden": [entry, entry]}), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        read_folder(tmp_path)
    text = "\n".join(raised.value.errors)
    assert "titles: a German text ('de') is required as the fallback" in text
    assert "topics.1: Input should be 'letters'" in text and "xx-nonsense-1" in text
    assert "'14:00-12:00' ends before it starts" in text
    overlapping = {**entry, "titles": {"de": "Stunden"}, "topics": ["housing"],
                   "weekly": [{"day": "tue", "time": "10:00-13:00"}, {"day": "tue", "time": "12:00-14:00"}]}
    (tmp_path / "sprechstunden.yaml").write_text(yaml.safe_dump({"sprechstunden": [overlapping, overlapping]}),
                                                 encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        read_folder(tmp_path)
    assert any("overlaps" in line for line in raised.value.errors)
    twice = {**overlapping, "weekly": [{"day": "tue", "time": "10:00-13:00"}]}
    (tmp_path / "sprechstunden.yaml").write_text(yaml.safe_dump({"sprechstunden": [twice, twice]}), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        read_folder(tmp_path)
    assert raised.value.errors == ["sprechstunden.yaml: sprechstunden: key 'laden' appears 2 times"]


async def run_a_morning(database: Database, tmp_path: Path, clock: FixedClock) -> tuple[str, list[Chat]]:
    """Four residents and a walk-in; waits of 0, 10, 20 and 30 minutes; one no-show."""
    clock.set(berlin("2026-11-24T10:00"))
    app = await queue_app(database, tmp_path, clock)
    people = [Chat(app, "console", language_hint="en") for _ in range(4)]
    for person, (topic, interpreter) in zip(people, [("housing", "-"), ("letters", "ro"), ("letters", "ar"),
                                                     ("work", "ro")], strict=True):
        await take_number(person, topic, interpreter)
    staff = Chat(app, "console", staff_of(app), language_hint="en")
    await staff.say("/desk")
    await staff.tap(button(staff, "desk:walkin:"))
    await staff.tap(button(staff, "desk:wt:").rsplit(":", 1)[0] + ":health")
    await staff.tap(button(staff, "desk:wi:"))
    for minute, outcome in ((0, "desk:served:"), (10, "desk:noshow:"), (20, "desk:served:"), (30, "desk:served:")):
        clock.set(berlin("2026-11-24T10:00") + dt.timedelta(minutes=minute))
        await staff.tap(button(staff, "desk:call:"))
        await staff.tap(button(staff, outcome))
    return app.settings.quarter, people


def queue_stats(database: Database, tmp_path: Path, quarter: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_QUARTER": quarter,
           "QB_DATABASE_URL": database.url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    return subprocess.run([sys.executable, "-m", "bot.cli", "queue", "stats", *arguments], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


async def test_queue_stats_on_the_command_line(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    quarter, _ = await run_a_morning(database, tmp_path, clock)
    output = tmp_path / "figures.csv"
    result = queue_stats(database, tmp_path, quarter, "--from", "2026-11-01", "--to", "2026-11-30", "--csv",
                         str(output))
    assert result.returncode == 0, result.stderr
    session_line = next(line for line in result.stdout.splitlines() if line.startswith("2026-11-24"))
    # 5 tickets, 3 served, 1 no-show (25 % of those called), waits 0/10/20/30 min: median 15, p90 27; 1 walk-in.
    assert session_line.split()[1:] == ["10:00", "laden", "5", "3", "1", "25", "%", "15", "min", "27", "min", "1"]
    lines = result.stdout.splitlines()
    assert re.search(r"^Letters from authorities or the Jobcenter +2 +0 +\+2$", result.stdout, re.MULTILINE)
    assert [line.split()[:2] for line in lines if line.startswith(("Romanian", "Arabic"))] == [
        ["Arabic", "1"], ["Romanian", "2"]]
    assert re.search(r"^Walk-ins \(number without a phone\) +1 +0 +\+1$", result.stdout, re.MULTILINE)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [row["date"] for row in rows] == ["2026-11-24", "all"]
    assert (rows[0]["tickets"], rows[0]["served"], rows[0]["no_show"], rows[0]["no_show_rate"],
            rows[0]["wait_median_minutes"], rows[0]["wait_p90_minutes"]) == ("5", "3", "1", "0.250", "15.0", "27.0")
    assert (rows[0]["topic_letters"], rows[0]["interpreter_ro"], rows[0]["walk_ins"]) == ("2", "2", "1")

    empty = queue_stats(database, tmp_path, quarter, "--from", "2026-12-01")
    assert empty.returncode == 0 and "No Sprechstunde sessions in this period" in empty.stdout
    backwards = queue_stats(database, tmp_path, quarter, "--from", "2026-12-01", "--to", "2026-11-01")
    assert backwards.returncode == 2 and "--from is after --to" in backwards.stderr


@pytest.mark.parametrize("keep_days", [0, 2])
async def test_the_link_to_the_resident_goes_when_the_day_is_over(database: Database, tmp_path: Path,
                                                                  clock: FixedClock, keep_days: int) -> None:
    _, people = await run_a_morning(database, tmp_path, clock)
    app = people[0].app
    assert all(ticket.resident_id for ticket in await tickets(app) if not ticket.walk_in)
    before = [(ticket.number, ticket.status, ticket.topic, ticket.called_at) for ticket in await tickets(app)]
    assert before[-1][1] == "waiting"  # the walk-in; still waiting when the day ends, counted as unserved
    assert await queue_messages(app, TURN)

    clock.set(berlin("2026-11-24T23:59"))  # the day is not over yet
    async with app.sessions() as session, session.begin():
        await remove_links(session, clock.now(), app.settings.zone, keep_days)
    assert all(ticket.resident_id for ticket in await tickets(app) if not ticket.walk_in)

    clock.set(berlin("2026-11-25T03:17") + dt.timedelta(days=keep_days))
    async with app.sessions() as session, session.begin():
        await remove_links(session, clock.now() - dt.timedelta(days=1) if keep_days else clock.now(),
                           app.settings.zone, keep_days)
    assert all(ticket.resident_id for ticket in await tickets(app) if not ticket.walk_in) == bool(keep_days)
    async with app.sessions() as session, session.begin():
        await remove_links(session, clock.now(), app.settings.zone, keep_days)
    assert [ticket.resident_id for ticket in await tickets(app)] == [None] * 5
    assert await queue_messages(app, TURN) == []  # the messages named resident and ticket together
    after = [(ticket.number, ticket.status, ticket.topic, ticket.called_at) for ticket in await tickets(app)]
    assert after == [*before[:-1], (5, "unserved", "health", None)]
    assert [status for _, status, _, _ in after].count(SERVED) == 3
    assert [status for _, status, _, _ in after].count(NO_SHOW) == 1
