"""The figures pages under a year of a busy quarter: p50/p95 of each page on SQLite and PostgreSQL.

A fresh database with the Horst example gets a year (the 365 days up to today) of: 20,000 Sprechstunde numbers
in two sessions a week (served, not come, given up, walk-ins, interpreters, waits); 5,000 survey responses with
their answers as the chat stores them (conditions followed, a free text now and then), completed over the
twelve months; and what 200,000 residents' messages from 15,000 residents leave behind: the residents, the
monthly counts of residents reached, 20,000 searches that found nothing (3,000 different texts in ten
languages: needs words, typos, other words) and 4,000 questions to the team with 12,000 messages; plus 3,000
event registrations and 6,000 reminders sent. Everything is written in bulk.

Then the real back office runs as its own process (`quartiersbot web`), a Team member logs in over HTTP and each
figures page is opened many times, interleaved, for the default period (the last 12 weeks) and for the whole
year. Target: p95 under 500 ms. Then the Sachbericht of the whole year is downloaded a few times as PDF and as XLSX
(counted and printed in the process, as the button does). Target: the PDF in under 10 s.
Usage: python benchmarks/figures.py [--requests N] [--reports N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import horst_database, percentile  # noqa: E402
from bot import runtime  # noqa: E402
from bot.activity.counts import REACHED, SENT  # noqa: E402
from bot.activity.models import ActivityCount  # noqa: E402
from bot.app import App, create_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.models import Resident  # noqa: E402
from bot.db.types import random_id  # noqa: E402
from bot.events.models import Event, EventRegistration  # noqa: E402
from bot.events.reminders import REMINDER  # noqa: E402
from bot.languages import LANGUAGE_CODES  # noqa: E402
from bot.offers.models import UnmetSearch  # noqa: E402
from bot.offers.unmet import week_of  # noqa: E402
from bot.outbox.models import OutboxMessage  # noqa: E402
from bot.questions.models import DONE, NEW, RESIDENT, STAFF, WAITING, WITHDRAWN, Question, QuestionMessage  # noqa: E402
from bot.queue.models import CANCELLED, NO_SHOW, SERVED, UNSERVED, Consultation, QueueSession, QueueTicket  # noqa: E402
from bot.surveys.definition import SurveyFile  # noqa: E402
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402
from bot.surveys.progress import ANSWERED, SKIPPED, Answer, is_shown  # noqa: E402
from tests.support.databases import plain_url  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.web import PASSWORD, make_account  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
TICKETS, RESPONSES, MESSAGES, RESIDENTS = 20_000, 5_000, 200_000, 15_000
SEARCHES, SEARCH_TEXTS, QUESTIONS, REGISTRATIONS, REMINDERS = 20_000, 3_000, 4_000, 3_000, 6_000
CHUNK = 5_000
TARGET_MS = 500
PAGES = ("/figures/survey", "/figures/usage", "/figures/unmet")
REPORTS = ("/figures/report.pdf", "/figures/report.xlsx")  # the Sachbericht's downloads (POST)
REPORT_TARGET_MS = 10_000
TOPICS = ("letters", "housing", "family", "health", "work", "other")
CHANNELS = ("telegram", "telegram", "telegram", "matrix")
NEEDS_WORDS = {  # words residents type for needs the quarter has no offer for, and for some it has
    "de": ["Auto", "Zahnarzt", "Friseur", "Schwimmbad", "Fahrrad kaufen", "Wohnung", "Kita Platz", "Anwalt",
           "Hundeschule", "Reparatur Handy", "Deutschkurs abends", "Müll abholen"],
    "en": ["car repair", "dentist", "hairdresser", "swimming pool", "flat", "lawyer", "bike"],
    "tr": ["araba", "dişçi", "kuaför", "avukat", "ev arıyorum", "yüzme havuzu"],
    "ar": ["سيارة", "طبيب اسنان", "حلاق", "محامي", "شقة"],
    "ro": ["mașină", "dentist", "frizer", "avocat", "apartament"],
    "bg": ["кола", "зъболекар", "фризьор", "адвокат", "квартира"],
    "uk": ["машина", "стоматолог", "перукар", "адвокат", "квартира"],
    "ru": ["машина", "стоматолог", "парикмахер", "адвокат", "квартира"],
    "pl": ["samochód", "dentysta", "fryzjer", "adwokat", "mieszkanie"],
}


def typo(word: str, pick: random.Random) -> str:
    if len(word) < 5:
        return word
    position = pick.randrange(1, len(word) - 1)
    return word[:position] + word[position + 1:]


async def insert_rows(app: App, table: Any, rows: list[dict[str, Any]]) -> None:
    async with app.sessions() as session, session.begin():
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table), rows[start:start + CHUNK])


def at(day: dt.date, hour: int, minute: float = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ZONE) + dt.timedelta(minutes=minute)


async def fill_queue(app: App, today: dt.date, pick: random.Random) -> None:
    async with app.sessions() as session, session.begin():
        consultation = await session.scalar(select(Consultation).where(Consultation.quarter == "horst"))
        assert consultation is not None
        days = [today - dt.timedelta(days=offset) for offset in range(365, 0, -1)]
        days = [day for day in days if day.weekday() in (1, 3)]
        sessions = [QueueSession(consultation_id=consultation.id, day=day, starts_at=at(day, 10),
                                 ends_at=at(day, 13), ad_hoc=False, opened_at=at(day, 10), closed_at=at(day, 13),
                                 languages=["de", "tr", "ar"], last_number=TICKETS // len(days) + 1) for day in days]
        session.add_all(sessions)
        await session.flush()
        ids = [(row.id, row.day) for row in sessions]
    tickets = []
    for number in range(TICKETS):
        session_id, day = ids[number % len(ids)]
        created = at(day, 10, pick.uniform(0, 170))
        status = pick.choices((SERVED, NO_SHOW, CANCELLED, UNSERVED), (75, 10, 8, 7))[0]
        called = created + dt.timedelta(minutes=pick.expovariate(1 / 25)) if status in (SERVED, NO_SHOW) else None
        tickets.append({"session_id": session_id, "number": number // len(ids) + 1, "resident_id": None,
                        "walk_in": pick.random() < 0.1, "topic": pick.choice(TOPICS),
                        "interpreter": pick.choice(["", "", "", "tr", "ar", "ro", "bg", "uk"]), "status": status,
                        "created_at": created, "called_at": called, "last_called_at": called, "desk": 1,
                        "served_at": called, "finished_at": called})
    await insert_rows(app, QueueTicket, tickets)


def answer_for(question: Any, pick: random.Random) -> Any:
    if question.kind == "single":
        return pick.choice(question.options).key
    if question.kind == "multiple":
        return sorted({pick.choice(question.options).key for _ in range(pick.randint(1, 3))})
    if question.kind == "yes_no":
        return pick.choice(("yes", "no"))
    if question.kind == "scale":
        return pick.randint(1, 5)
    if question.kind == "number":
        return pick.randint(question.minimum or 0, min(question.maximum or 5, 6))
    return "Ein Wunsch: " + pick.choice(("mehr Bänke", "ein Sprachcafé", "Sport am Abend", "ein Fest"))


async def fill_survey(app: App, today: dt.date, pick: random.Random) -> None:
    async with app.sessions() as session:
        survey = await session.scalar(select(Survey).where(Survey.quarter == "horst", Survey.active))
        assert survey is not None
    definition = SurveyFile.model_validate(survey.definition)
    months = sorted({(today - dt.timedelta(days=offset)).replace(day=1) for offset in range(0, 365, 15)})
    responses, answers = [], []
    for _ in range(RESPONSES):
        response_id, month = random_id(), pick.choice(months)
        complete = pick.random() < 0.9
        given: dict[str, Answer] = {}
        for question in definition.questions:
            if not is_shown(question, given) or (not complete and pick.random() < 0.3):
                continue
            skipped = question.optional and pick.random() < (0.8 if question.kind == "text" else 0.1)
            value = None if skipped else answer_for(question, pick)
            given[question.key] = Answer(SKIPPED if skipped else ANSWERED, value)
            answers.append({"response_id": response_id, "question": question.key, "status": given[question.key].status,
                            "value": value, "text_language": "de" if question.kind == "text" and value else None})
        responses.append({"id": response_id, "survey_id": survey.id, "resident_id": None,
                          "language": pick.choice(LANGUAGE_CODES), "started_on": month, "updated_on": month,
                          "completed_on": month if complete else None})
    await insert_rows(app, SurveyResponse, responses)
    await insert_rows(app, SurveyAnswer, answers)


async def fill_messages(app: App, today: dt.date, pick: random.Random) -> list[int]:
    """The residents, and what 200,000 messages leave: monthly counts of residents reached."""
    start = today - dt.timedelta(days=365)
    residents = [{"channel": pick.choice(CHANNELS), "channel_user_id": str(10**9 + number),
                  "language": pick.choice(LANGUAGE_CODES), "created_at": at(start, 12),
                  "last_seen_at": at(today, 9)} for number in range(RESIDENTS)]
    await insert_rows(app, Resident, residents)
    reached: set[tuple[int, dt.date]] = set()
    for _ in range(MESSAGES):
        resident = pick.randrange(RESIDENTS)
        reached.add((resident, (start + dt.timedelta(days=pick.randrange(365))).replace(day=1)))
    counts = Counter((month, residents[resident]["channel"], residents[resident]["language"])
                     for resident, month in reached)
    await insert_rows(app, ActivityCount, [
        {"quarter": "horst", "day": month, "measure": REACHED, "channel": channel, "language": language,
         "count": count} for (month, channel, language), count in counts.items()])
    async with app.sessions() as session:
        return list(await session.scalars(select(Resident.id).order_by(Resident.id)))


async def fill_unmet(app: App, today: dt.date, pick: random.Random) -> None:
    texts: list[tuple[str, str]] = []
    while len(set(texts)) < SEARCH_TEXTS:
        language = pick.choice(list(NEEDS_WORDS))
        word = pick.choice(NEEDS_WORDS[language])
        kind = pick.random()
        text = typo(word, pick) if kind < 0.3 else f"{word} {pick.randint(1, 400)}" if kind < 0.8 else word
        texts.append((language, text.casefold()))
    distinct = sorted(set(texts))
    counts: Counter[tuple[dt.date, str, str]] = Counter()
    for _ in range(SEARCHES):
        language, text = pick.choice(distinct)
        counts[(week_of(today - dt.timedelta(days=pick.randrange(365))), language, text)] += 1
    await insert_rows(app, UnmetSearch, [
        {"quarter": "horst", "week": week, "language": language, "text": text, "count": count}
        for (week, language, text), count in counts.items()])


async def fill_questions(app: App, today: dt.date, residents: list[int], pick: random.Random) -> None:
    questions, messages = [], []
    for number in range(QUESTIONS):
        created = at(today - dt.timedelta(days=pick.randrange(1, 365)), 8, pick.uniform(0, 600))
        status = pick.choices((DONE, WITHDRAWN, NEW, WAITING), (80, 5, 5, 10))[0]
        answered = None if status == NEW else created + dt.timedelta(hours=pick.expovariate(1 / 20))
        questions.append({"id": number + 1, "reference": f"B-{number:08d}", "quarter": "horst",
                          "resident_id": pick.choice(residents), "channel": pick.choice(CHANNELS),
                          "language": pick.choice(LANGUAGE_CODES), "status": status,
                          "topic": pick.choice(("work", "housing", "health", "Kita")) if status == DONE else "",
                          "assigned_account_id": None, "created_at": created, "updated_at": answered or created,
                          "first_answer_at": answered, "closed_at": answered if status == DONE else None})
        messages += [{"question_id": number + 1, "author": author, "language": "de", "text": "Frage " * 10,
                      "machine_translated": False, "created_at": created + dt.timedelta(minutes=index)}
                     for index, author in enumerate((RESIDENT, STAFF, RESIDENT))]
    await insert_rows(app, Question.__table__, questions)
    await insert_rows(app, QuestionMessage.__table__, messages)


async def fill_events(app: App, today: dt.date, residents: list[int], pick: random.Random) -> None:
    async with app.sessions() as session:
        events = list(await session.scalars(select(Event.id).where(Event.quarter == "horst")))
    await insert_rows(app, EventRegistration, [
        {"event_id": pick.choice(events), "occurrence": (today - dt.timedelta(days=pick.randrange(365))).isoformat(),
         "resident_id": None, "status": pick.choice(("registered", "registered", "waiting")),
         "created_at": at(today, 8)} for _ in range(REGISTRATIONS)])
    rolled: Counter[tuple[dt.date, str]] = Counter()
    kept = []
    for number in range(REMINDERS):
        sent = at(today - dt.timedelta(days=pick.randrange(1, 365)), 9, pick.uniform(0, 600))
        if (at(today, 0) - sent).days > 30:
            rolled[(sent.date(), pick.choice(CHANNELS))] += 1
        else:
            kept.append({"resident_id": pick.choice(residents), "channel": "telegram", "kind": REMINDER,
                         "payload": {}, "due_at": sent, "idempotency_key": f"bench-reminder-{number}",
                         "status": "sent", "attempts": 1, "next_attempt_at": sent, "claimed_by": None,
                         "last_error": "", "sent_at": sent, "created_at": sent})
    await insert_rows(app, ActivityCount, [
        {"quarter": "horst", "day": day, "measure": SENT + REMINDER, "channel": channel, "language": "",
         "count": count} for (day, channel), count in rolled.items()])
    await insert_rows(app, OutboxMessage, kept)


async def fill(app: App) -> None:
    today = dt.datetime.now(ZONE).date()
    pick = random.Random(17)
    await fill_queue(app, today, pick)
    await fill_survey(app, today, pick)
    residents = await fill_messages(app, today, pick)
    await fill_unmet(app, today, pick)
    await fill_questions(app, today, residents, pick)
    await fill_events(app, today, residents, pick)
    if app.engine.dialect.name == "postgresql":  # what autovacuum does after such a load: the planner's statistics
        async with app.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))


async def wait_until_serving(client: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError("the back office stopped")
        try:
            await client.get("/login")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.2)
    raise RuntimeError("the back office did not answer within a minute")


async def measure_reports(client: httpx.AsyncClient, first: dt.date, last: dt.date, runs: int
                          ) -> dict[str, list[float]]:
    """The Sachbericht of the period, downloaded `runs` times in each format."""
    token = re.search(r'name="csrftoken" value="([^"]+)"', (await client.get("/figures/report")).text)
    assert token is not None
    form = {"csrftoken": token.group(1), "from": first.isoformat(), "to": last.isoformat()}
    timings: dict[str, list[float]] = {path: [] for path in REPORTS}
    for _ in range(runs):
        for path in REPORTS:
            started = time.perf_counter()
            response = await client.post(path, data=form)
            timings[path].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and response.headers["content-disposition"], path
    return timings


async def measure(base: str, name: str, pages: list[str], requests: int, reports: int = 0
                  ) -> dict[str, list[float]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        token = re.search(r'name="csrftoken" value="([^"]+)"', (await client.get("/login")).text)
        assert token is not None
        login = await client.post("/login", data={"csrftoken": token.group(1), "name": name, "password": PASSWORD})
        assert login.status_code == 303 and login.headers["location"] == "/", login.status_code
        timings: dict[str, list[float]] = {page: [] for page in pages}
        for page in pages:  # warm up: the needs vocabulary is read once per process
            for _ in range(2):
                assert (await client.get(page)).status_code == 200, page
        for _ in range(requests):
            for page in pages:  # interleaved, so the machine's noise falls on all pages alike
                started = time.perf_counter()
                response = await client.get(page)
                timings[page].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, page
        if reports:
            today = dt.datetime.now(ZONE).date()
            timings |= await measure_reports(client, today - dt.timedelta(days=364), today, reports)
    return timings


async def run_backend(backend: str, requests: int, reports: int = 0) -> dict[str, list[float]]:
    async with horst_database(backend) as (workdir, url, engine):
        app = await create_app(Settings(data_dir=workdir, database_url=url, quarter="horst"),
                               clock=FixedClock(dt.datetime.now(ZONE)), migrate=False, engine=engine)
        started = time.perf_counter()
        await fill(app)
        print(f"{backend}: a year of data written in {time.perf_counter() - started:.0f} s", flush=True)
        team, _ = await make_account(app, "team")
        today = dt.datetime.now(ZONE).date()
        year = f"?from={(today - dt.timedelta(days=364)).isoformat()}&to={today.isoformat()}"
        pages = [*PAGES, *(page + year for page in PAGES)]
        port = free_port()
        env = {**os.environ, "QB_DATA_DIR": str(workdir), "QB_DATABASE_URL": plain_url(url), "QB_QUARTER": "horst",
               "QB_WEB_LISTEN": f"127.0.0.1:{port}", "QB_LOG_LEVEL": "WARNING"}
        for variable in ("QB_TELEGRAM_TOKEN", "QB_MATRIX_HOMESERVER"):
            env.pop(variable, None)
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "web", env=env, cwd=ROOT)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                await wait_until_serving(client, process)
            return await measure(f"http://127.0.0.1:{port}", team.name, pages, requests, reports)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reports", type=int, default=3, help="downloads of the year's Sachbericht per format")
    parser.add_argument("--backends", default="sqlite,postgresql")
    arguments = parser.parse_args()
    print(f"A year: {TICKETS:,} Sprechstunde numbers, {RESPONSES:,} survey responses, {MESSAGES:,} residents' "
          f"messages ({RESIDENTS:,} residents, {SEARCHES:,} searches that found nothing, {QUESTIONS:,} questions); "
          f"{arguments.requests} requests per page over HTTP to `quartiersbot web`")
    results = []
    for backend in arguments.backends.split(","):
        timings = await run_backend(backend, arguments.requests, arguments.reports)
        results += [(backend, page, samples) for page, samples in timings.items()]
    print(f"\n| backend | page | period | p50 ms | p95 ms | max ms | p95 < {TARGET_MS} ms |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- |")
    for backend, page, samples in results:
        if page in REPORTS:
            continue
        path, _, query = page.partition("?")
        p95 = percentile(samples, 0.95)
        print(f"| {backend} | `{path}` | {'a year' if query else '12 weeks'} | {percentile(samples, 0.5):.1f} | "
              f"{p95:.1f} | {max(samples):.1f} | {'yes' if p95 < TARGET_MS else 'NO'} |")
    print(f"\n| backend | the year's Sachbericht | downloads | p50 s | max s | PDF < {REPORT_TARGET_MS // 1000} s |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for backend, page, samples in results:
        if page in REPORTS:
            met = "yes" if max(samples) < REPORT_TARGET_MS else "NO"
            print(f"| {backend} | `POST {page}` | {len(samples)} | {percentile(samples, 0.5) / 1000:.2f} | "
                  f"{max(samples) / 1000:.2f} | {met if page.endswith('.pdf') else ''} |")


if __name__ == "__main__":
    runtime.run(main())
