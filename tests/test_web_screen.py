"""The waiting-room screen over HTTP: Leitung makes, renews and switches off its secret link; the screen opens
without a login, shows numbers and desks only, works with nothing open, and a wrong or old link gets 404."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.privacy.retention import prune
from bot.queue import screen_link
from bot.queue.models import WaitingRoomScreen
from bot.web.security import CSP
from tests.support.chat import Chat
from tests.support.databases import Database
from tests.support.events import berlin
from tests.support.queue import queue_app, take_number
from tests.support.web import Browser, audit, browser, make_account

LINK = re.compile(r'<a href="http://testserver/screen/([A-Za-z0-9_-]+)">')


async def new_link(app: App, page: Browser) -> str:
    """Leitung makes (or renews) the link on its page; the token it shows once."""
    await page.get("/desk/screen")
    response = await page.post("/desk/screen", {"renew": "yes"}, token=page.token())
    assert response.status_code == 200
    found = LINK.search(response.text)
    assert found, response.text
    return found.group(1)


async def leitung(app: App, page: Browser) -> None:
    account, secret = await make_account(app, "leitung")
    await page.login(account.name, secret=secret, now=app.clock.now())


async def test_leitung_makes_renews_and_switches_off_the_link(database: Database, tmp_path: Path,
                                                              clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    async with browser(app) as office, browser(app) as tv:
        await leitung(app, office)
        await office.get("/desk/screen")
        assert "Zurzeit gibt es keinen Link." in office.page
        first = await new_link(app, office)
        assert len(first) >= 32  # 192 random bits
        async with app.sessions() as session:
            row = await session.scalar(select(WaitingRoomScreen).where(
                WaitingRoomScreen.quarter == app.settings.quarter))
        assert row is not None and row.token_hash == hashlib.sha256(first.encode()).hexdigest()
        assert first not in (row.token_hash, row.quarter)  # only the hash is kept

        shown = await tv.get(f"/screen/{first}")
        assert shown.status_code == 200 and "Bitte warten Sie, bis Ihre Nummer angezeigt wird." in shown.text
        assert shown.headers["content-security-policy"] == CSP.replace("script-src 'none'", "script-src 'self'")
        assert shown.headers["cache-control"] == "no-store" and shown.headers["x-frame-options"] == "DENY"
        assert (await tv.get(f"/screen/{first}/live")).status_code == 200

        second = await new_link(app, office)
        assert "Der alte Link funktioniert nicht mehr." in office.page
        assert (await tv.get(f"/screen/{first}")).status_code == 404
        assert (await tv.get(f"/screen/{first}/live")).status_code == 404
        assert (await tv.get(f"/screen/{second}")).status_code == 200

        await office.get("/desk/screen")
        off = await office.post("/desk/screen/off", {"off": "yes"}, token=office.token())
        assert off.headers["location"] == "/desk/screen?done=off"
        assert (await tv.get(f"/screen/{second}")).status_code == 404
    assert [len(await audit(app, action)) for action in ("screen.link.create", "screen.link.renew",
                                                         "screen.link.off")] == [1, 1, 1]
    assert all(first not in str(entry.after) and second not in str(entry.after)
               for entry in await audit(app, "screen.link.renew"))


async def test_the_screen_shows_numbers_and_desks_only_and_follows_the_desk(database: Database, tmp_path: Path,
                                                                            clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    people = [Chat(app, "console", language_hint="ro") for _ in range(3)]
    for person in people:
        await take_number(person)
    async with browser(app) as office, browser(app) as tv:
        await leitung(app, office)
        token = await new_link(app, office)
        page = (await tv.get(f"/screen/{token}")).text
        assert "Offene Sprechstunde" in page and "10:00–13:00" in page
        assert re.findall(r"<li>(A-\d+)</li>", page) == ["A-001", "A-002", "A-003"]
        assert 'lang="ar" dir="rtl">يرجى الانتظار حتى يظهر رقمك.' in page
        assert 'lang="uk" dir="ltr">Будь ласка, зачекайте, доки з’явиться ваш номер.' in page
        await office.get("/desk")
        call = office.form("/desk/call")
        await office.post("/desk/call", call, token=call["csrftoken"])
        live = (await tv.get(f"/screen/{token}/live")).text
        assert re.search(r'<span class="number">A-001</span> .*<span class="desk">Tisch 1</span>', live)
        assert re.findall(r"<li>(A-\d+)</li>", live) == ["A-002", "A-003"]
        calls = live.split('data-calls="')[1].split('"')[0]
        assert re.fullmatch(r"[0-9a-f]{12}", calls)  # a digest per call, for the tone: no ids
        for private in ("Română", "Wohnen", "csrftoken", "session", "/desk"):
            assert f">{private}<" not in live and f'"{private}"' not in live


async def test_with_nothing_open_the_screen_shows_the_next_dates(database: Database, tmp_path: Path,
                                                                 clock: FixedClock) -> None:
    clock.set(berlin("2026-11-25T16:00"))  # a Wednesday without hours
    app = await queue_app(database, tmp_path, clock)
    async with app.sessions() as session, session.begin():
        token = await screen_link.renew(session, app.settings.quarter, clock.now())
    async with browser(app) as tv:
        page = (await tv.get(f"/screen/{token}")).text
    assert "Gerade ist keine Sprechstunde." in page and "Şu anda danışma saati yok." in page
    assert "Nächste Termine:" in page and "Donnerstag, 26.11.2026, 14:00–18:00 (Deutsch, Українська)" in page
    assert "Bitte warten Sie" not in page


async def test_wrong_links_get_nothing_and_many_of_them_a_pause(own: App) -> None:
    async with own.sessions() as session, session.begin():
        token = await screen_link.renew(session, own.settings.quarter, own.clock.now())
    async with browser(own) as guesser:
        for attempt in range(30):
            wrong = await guesser.get(f"/screen/{attempt:032d}")
            assert wrong.status_code == 404 and wrong.text == "Not found."
        assert (await guesser.get(f"/screen/{token}")).status_code == 429
    async with browser(own, client_address="192.0.2.2") as screen:
        for _ in range(40):  # a screen asking often with its right link is never counted
            assert (await screen.get(f"/screen/{token}/live")).status_code == 200


@pytest.mark.parametrize(("method", "path"), [("GET", "/desk/screen"), ("POST", "/desk/screen"),
                                              ("POST", "/desk/screen/off")])
@pytest.mark.parametrize("role", ["team", "redaktion"])
async def test_only_leitung_manages_the_link(own: App, method: str, path: str, role: str) -> None:
    async with browser(own) as page, browser(own) as anonymous:
        account, _ = await make_account(own, role)
        await page.login(account.name)
        await page.get("/account")
        response = await (page.get(path) if method == "GET" else page.post(path, {"renew": "yes", "off": "yes"},
                                                                            token=page.token()))
        assert response.status_code == 403
        response = await (anonymous.get(path) if method == "GET" else anonymous.client.post(path))
        assert response.status_code in ({303} if method == "GET" else {401, 403})
    async with own.sessions() as session:
        assert await screen_link.current(session, own.settings.quarter) is None


async def test_a_link_no_screen_opens_for_ninety_days_is_deleted(own: App, clock: FixedClock) -> None:
    async with own.sessions() as session, session.begin():
        token = await screen_link.renew(session, own.settings.quarter, clock.now())
    for _ in range(2):
        clock.advance(dt.timedelta(days=80))
        async with browser(own) as tv:
            assert (await tv.get(f"/screen/{token}")).status_code == 200  # noted as used: kept
        await prune(own.sessions, clock.now(), own.settings)
    clock.advance(dt.timedelta(days=screen_link.UNUSED_DAYS, seconds=1))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["unused waiting-room screen links"] == 1
    async with browser(own) as tv:
        assert (await tv.get(f"/screen/{token}")).status_code == 404
