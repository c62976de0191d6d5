"""The start page: the day at a glance, from real rows, per role, with what residents typed escaped."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import select

from bot.clock import FixedClock
from bot.db.models import Resident
from bot.events.seats import register
from bot.offers.unmet import record_unmet
from bot.outbox.models import OutboxMessage
from bot.outbox.store import FAILED, enqueue
from bot.queue.schedule import running_sessions
from bot.queue.tickets import take_ticket
from tests.support.chat import Chat
from tests.support.databases import BERLIN, Database
from tests.support.events import make_event
from tests.support.queue import queue_app
from tests.support.web import browser, make_account


async def test_the_day_at_a_glance_for_the_team(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)  # a quarter of this test alone, Tuesday 10:30
    quarter = app.settings.quarter
    event = await make_event(app, "2026-11-26T18:00", "2026-11-26T20:00", registration={"required": True,
                                                                                        "capacity": 5})
    chat = Chat(app, user=uuid.uuid4().hex)
    await chat.say("/start")
    async with app.sessions() as session, session.begin():
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
        assert resident is not None
        await register(session, event, "2026-11-26", resident, clock.now())
        [(_, running)] = await running_sessions(session, quarter, clock.now(), BERLIN)
        for _ in range(3):
            await take_ticket(session, session_id=running.id, resident_id=None, topic="letters", interpreter="",
                              now=clock.now(), walk_in=True)
        await record_unmet(session, quarter, "de", "<script>alert(1)</script>", clock.now().date())
        key = f"t-{uuid.uuid4().hex}"
        await enqueue(session, resident_id=resident.id, channel="telegram", kind="event.moved", payload={},
                      due_at=clock.now(), key=key, now=clock.now())
        message = await session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        assert message is not None
        message.status, message.last_error = FAILED, f"Forbidden: bot was blocked {key}"
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get("/")).text
    assert "Sprechstunde heute" in html and "Offene Sprechstunde" in html and "10:00–13:00" in html
    assert "<td>3</td>" in html  # three waiting
    assert "Testtreffen" in html and "<td>4</td>" in html  # one of five seats taken
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert f"Forbidden: bot was blocked {key}" in html


async def test_each_role_sees_only_its_sections(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    await make_event(app, "2026-11-25T18:00", "2026-11-25T20:00")
    for role, shown, hidden in [
        ("redaktion", ["Veranstaltungen der nächsten 7 Tage"],
         ["Sprechstunde heute", "Suchen ohne Treffer", "Nachrichten an Bewohner"]),
        ("team", ["Sprechstunde heute", "Veranstaltungen der nächsten 7 Tage", "Suchen ohne Treffer",
                  "Nachrichten an Bewohner"], []),
    ]:
        account, secret = await make_account(app, role)
        async with browser(app) as page:
            await page.login(account.name, secret=secret, now=clock.now())
            html = (await page.get("/")).text
        assert [title for title in shown if title not in html] == [], role
        assert [title for title in hidden if title in html] == [], role


async def test_an_empty_day_says_so(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    clock.advance(dt.timedelta(days=1))  # a Wednesday: no Sprechstunde in the test quarter
    app = await queue_app(database, tmp_path, clock)
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get("/")).text
    assert "Heute keine Sprechstunde." in html and "Keine Veranstaltungen in den nächsten 7 Tagen." in html
