"""The back office under a city's data: p50/p95 of its busiest pages on SQLite and PostgreSQL.

A fresh database with the Horst example, plus 5,000 generated offers, 10,000 residents and 100,000
survey answers (10,000 completed responses of ten answers), 2,000 event registrations and a busy
Sprechstunde; a logged-in Team member then opens each page many times through the real ASGI app
(the whole stack: session check, the page's queries, the template), one request at a time.
Target: p95 under 200 ms. Usage: python benchmarks/back_office.py [--requests N] [--backends ...] [--pages /,/offers]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import yaml
from sqlalchemy import insert, select

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
from bot.queue.models import Consultation, QueueSession, QueueTicket  # noqa: E402
from bot.surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402
from tests.support.databases import TUESDAY_MORNING  # noqa: E402
from tests.support.web import browser, make_account  # noqa: E402

PAGES = ("/", "/offers", "/offers?missing=ru")
RESIDENTS, RESPONSES, ANSWERS_EACH, REGISTRATIONS, TICKETS = 10_000, 10_000, 10, 2_000, 150
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


async def run_backend(backend: str, requests: int, pages: list[str]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {page: [] for page in pages}
    async with horst_database(backend) as (workdir, url, engine):
        app = await create_app(Settings(data_dir=workdir, database_url=url, quarter="horst"),
                               clock=FixedClock(TUESDAY_MORNING), migrate=False, engine=engine)
        await fill(app, workdir)
        team, _ = await make_account(app, "team")
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
    arguments = parser.parse_args()
    print(f"{RESIDENTS:,} residents, 5,000 generated offers (+ Horst's), {RESPONSES * ANSWERS_EACH:,} survey answers, "
          f"{REGISTRATIONS:,} registrations, {TICKETS} waiting; {arguments.requests} requests per page")
    print(f"| backend | page | p50 ms | p95 ms | max ms | p95 < {TARGET_MS} ms |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for backend in arguments.backends.split(","):
        for path, samples in (await run_backend(backend, arguments.requests, arguments.pages.split(","))).items():
            p95 = percentile(samples, 0.95)
            print(f"| {backend} | `{path}` | {percentile(samples, 0.5):.1f} | {p95:.1f} | {max(samples):.1f} | "
                  f"{'yes' if p95 < TARGET_MS else 'NO'} |")


if __name__ == "__main__":
    runtime.run(main())
