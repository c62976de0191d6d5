"""The back office under a city's data: p50/p95 of its busiest pages on SQLite and PostgreSQL.

A fresh database with the Horst example, plus 5,000 generated offers, 10,000 residents and 100,000
survey answers (10,000 completed responses of ten answers), 2,000 event registrations, a busy
Sprechstunde and 50,000 residents' questions (2–3 messages each, mixed states, languages and channels,
some assigned); a logged-in Team member then opens each page many times through the real ASGI app
(the whole stack: session check, the page's queries, the template), one request at a time. The
questions' pages are measured when there are questions: the figures, and the inbox once the app has it.
Target: p95 under 200 ms.
Usage: python benchmarks/back_office.py [--requests N] [--backends ...] [--pages /,/offers] [--questions N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handlers import HORST, generated_offers, horst_database, percentile  # noqa: E402
from bot import runtime  # noqa: E402
from bot.app import App, create_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.importer import import_folder  # noqa: E402
from bot.db.models import Resident  # noqa: E402
from bot.db.types import random_id  # noqa: E402
from bot.events.models import Event, EventRegistration  # noqa: E402
from bot.languages import LANGUAGE_CODES  # noqa: E402
from bot.questions.models import (  # noqa: E402
    DONE,
    NEW,
    OPEN,
    RESIDENT,
    STAFF,
    WAITING,
    WITHDRAWN,
    Question,
    QuestionMessage,
)
from bot.queue.models import Consultation, QueueSession, QueueTicket  # noqa: E402
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402
from bot.web.app import routes_app  # noqa: E402
from tests.support.databases import TUESDAY_MORNING  # noqa: E402
from tests.support.web import browser, make_account  # noqa: E402

PAGES = ("/", "/offers", "/offers?missing=ru")
QUESTION_PAGES = ("/questions", "/questions/figures")  # measured when there are questions and the route exists
RESIDENTS, RESPONSES, ANSWERS_EACH, REGISTRATIONS, TICKETS = 10_000, 10_000, 10, 2_000, 150
QUESTIONS = 50_000
CHUNK = 5_000  # rows per bulk insert
# Most questions are long done; the rest is spread over the inbox's states.
STATUS_MIX = [DONE] * 12 + [WITHDRAWN] + [NEW] * 2 + [OPEN] * 2 + [WAITING] * 3
CHANNELS = ("telegram", "telegram", "matrix", "console")
TOPICS = ("Jobcenter", "Wohnung", "Briefe", "Kita", "Gesundheit", "Sprachkurs")
TARGET_MS = 200


async def fill(app: App, workdir: Path) -> None:
    """The city's data, written in bulk."""
    big = workdir / "big"
    big.mkdir()
    categories = yaml.safe_load((HORST / "categories.yaml").read_text(encoding="utf-8"))
    (big / "categories.yaml").write_text(yaml.safe_dump(categories, allow_unicode=True), encoding="utf-8")
    keys = [category["key"] for category in categories["categories"]]
    (big / "offers.yaml").write_text(yaml.safe_dump(generated_offers(5000, keys), allow_unicode=True), encoding="utf-8")
    await import_folder(app.sessions, big, "horst", app.clock)
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        await session.execute(insert(Resident), [
            {"channel": "telegram", "channel_user_id": str(10**9 + number), "language": "de", "created_at": now,
             "last_seen_at": now} for number in range(RESIDENTS)])
        resident_ids = list(await session.scalars(select(Resident.id).order_by(Resident.id).limit(RESIDENTS)))
        survey = await session.scalar(select(Survey).where(Survey.quarter == "horst", Survey.active))
        assert survey is not None
        questions = [question["key"] for question in survey.definition["questions"]][:ANSWERS_EACH]
        month = now.date().replace(day=1)
        ids = [random_id() for _ in range(RESPONSES)]
        await session.execute(insert(SurveyResponse), [
            {"id": response, "survey_id": survey.id, "resident_id": None, "language": "de", "started_on": month,
             "updated_on": month, "completed_on": month} for response in ids])
        await session.execute(insert(SurveyAnswer), [
            {"response_id": response, "question": question, "status": "answered", "value": "yes",
             "text_language": None} for response in ids for question in questions])
        event = await session.scalar(select(Event).where(Event.quarter == "horst").order_by(Event.id))
        assert event is not None
        await session.execute(insert(EventRegistration), [
            {"event_id": event.id, "occurrence": (TUESDAY_MORNING.date() + dt.timedelta(days=number % 7)).isoformat(),
             "resident_id": resident, "status": "registered", "created_at": now}
            for number, resident in enumerate(resident_ids[:REGISTRATIONS])])
        consultation = await session.scalar(select(Consultation).where(Consultation.quarter == "horst"))
        assert consultation is not None
        queue = QueueSession(consultation_id=consultation.id, day=TUESDAY_MORNING.date(),
                             starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=2),
                             ad_hoc=True, opened_at=now, languages=["de"], last_number=TICKETS)
        session.add(queue)
        await session.flush()
        await session.execute(insert(QueueTicket), [
            {"session_id": queue.id, "number": number, "resident_id": None, "walk_in": True, "topic": "letters",
             "interpreter": "", "status": "waiting", "created_at": now} for number in range(1, TICKETS + 1)])


async def fill_questions(app: App, count: int, account_ids: list[int]) -> None:
    """`count` questions of the last 120 days with 2–3 messages each, in bulk: a few seconds for 50,000."""
    now, pick = app.clock.now(), random.Random(15)
    async with app.sessions() as session, session.begin():
        residents = list(await session.scalars(select(Resident.id).order_by(Resident.id)))
        first_id = int(await session.scalar(select(func.coalesce(func.max(Question.id), 0))) or 0) + 1
        for start in range(0, count, CHUNK):
            questions, messages = [], []
            for number in range(start, min(count, start + CHUNK)):
                status = pick.choice(STATUS_MIX)
                created = now - dt.timedelta(minutes=pick.randrange(120 * 24 * 60))
                answered = None if status == NEW else created + dt.timedelta(hours=pick.expovariate(1 / 20))
                updated = max(created, answered or created) + dt.timedelta(minutes=5)
                language = pick.choice(LANGUAGE_CODES)
                questions.append({
                    "id": first_id + number, "reference": f"B-{number:08d}", "quarter": "horst",
                    "resident_id": pick.choice(residents), "channel": pick.choice(CHANNELS), "language": language,
                    "status": status, "topic": pick.choice(TOPICS) if status == DONE else "",
                    "assigned_account_id": pick.choice(account_ids) if account_ids and pick.random() < 0.4 else None,
                    "created_at": created, "updated_at": updated, "first_answer_at": answered,
                    "closed_at": updated if status in (DONE, WITHDRAWN) else None})
                authors = [RESIDENT] + ([STAFF] if answered else [RESIDENT]) + ([RESIDENT] * (number % 2))
                messages += [{"question_id": first_id + number, "author": author, "language": language,
                              "text": f"Generated message {index + 1} of question {number}: " + "Lorem ipsum " * 8,
                              "machine_translated": False, "created_at": created + dt.timedelta(minutes=index)}
                             for index, author in enumerate(authors)]
            await session.execute(insert(Question.__table__), questions)  # Core: one executemany, not the ORM
            await session.execute(insert(QuestionMessage.__table__), messages)
        if session.bind.dialect.name == "postgresql":  # ids were given: move the sequence past them
            await session.execute(text("SELECT setval(pg_get_serial_sequence('questions', 'id'), "
                                       "(SELECT max(id) FROM questions))"))


async def run_backend(backend: str, requests: int, pages: list[str], questions: int) -> dict[str, list[float]]:
    async with horst_database(backend) as (workdir, url, engine):
        app = await create_app(Settings(data_dir=workdir, database_url=url, quarter="horst"),
                               clock=FixedClock(TUESDAY_MORNING), migrate=False, engine=engine)
        await fill(app, workdir)
        team, _ = await make_account(app, "team")
        if questions:
            colleague, _ = await make_account(app, "team")
            started = time.perf_counter()
            await fill_questions(app, questions, [team.id, colleague.id])
            print(f"{backend}: {questions:,} questions generated in {time.perf_counter() - started:.1f} s")
            known = {getattr(route, "path", "") for route in routes_app(app).routes}
            pages = [*pages, *(page for page in QUESTION_PAGES if page not in pages and page in known)]
        timings: dict[str, list[float]] = {page: [] for page in pages}
        async with browser(app) as page:
            await page.login(team.name)
            for path in pages:
                response = await page.get(path)
                assert response.status_code == 200, (path, response.status_code)
            for _ in range(requests):
                for path in pages:  # interleaved, so the machine's noise falls on all pages alike
                    started = time.perf_counter()
                    response = await page.client.get(path)
                    timings[path].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--questions", type=int, default=QUESTIONS, metavar="N",
                        help=f"residents' questions to generate (default {QUESTIONS:,}; 0: none)")
    arguments = parser.parse_args()
    print(f"{RESIDENTS:,} residents, 5,000 generated offers (+ Horst's), {RESPONSES * ANSWERS_EACH:,} survey answers, "
          f"{REGISTRATIONS:,} registrations, {TICKETS} waiting, {arguments.questions:,} questions; "
          f"{arguments.requests} requests per page")
    print(f"| backend | page | p50 ms | p95 ms | max ms | p95 < {TARGET_MS} ms |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for backend in arguments.backends.split(","):
        timings = await run_backend(backend, arguments.requests, arguments.pages.split(","), arguments.questions)
        for path, samples in timings.items():
            p95 = percentile(samples, 0.95)
            print(f"| {backend} | `{path}` | {percentile(samples, 0.5):.1f} | {p95:.1f} | {max(samples):.1f} | "
                  f"{'yes' if p95 < TARGET_MS else 'NO'} |")


if __name__ == "__main__":
    runtime.run(main())
