"""Leitung manages accounts in the browser; every change lands in the audit log and ends sessions."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from bot.accounts.models import StaffAccount
from bot.app import App
from bot.audit.log import Actor, record
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from tests.support.web import PASSWORD, browser, make_account

SHOWN_PASSWORD = re.compile(r'<code class="secret">([^<]+)</code>')


async def entries(app: App, account_id: int) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list((await session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "staff_account", AuditEntry.object_id == str(account_id),
            AuditEntry.action != "account.login").order_by(AuditEntry.id))).all())


async def test_leitung_creates_an_account_that_logs_in_with_the_password_shown_once(app: App,
                                                                                  clock: FixedClock) -> None:
    leitung, secret = await make_account(app, "leitung")
    name = f"neu{uuid.uuid4().hex[:8]}"
    async with browser(app) as boss, browser(app) as newcomer:
        await boss.login(leitung.name, secret=secret, now=clock.now())
        refused = await boss.post("/accounts/new", {"name": "Not Valid!", "role": "team"})
        assert refused.status_code == 400 and "Kleinbuchstaben" in refused.text
        created = await boss.post("/accounts/new", {"name": name, "role": "redaktion"})
        assert created.status_code == 200
        shown = SHOWN_PASSWORD.search(created.text)
        assert shown is not None
        async with app.sessions() as session:
            account = await session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        assert account is not None and account.role == "redaktion"
        assert shown.group(1) not in (await boss.get(f"/accounts/{account.id}")).text  # shown once only
        assert (await newcomer.login(name, shown.group(1))).headers["location"] == "/"
        assert (await newcomer.get("/accounts")).status_code == 403

        listing = await boss.get("/accounts")
        assert name in listing.text and "Redaktion" in listing.text
        assert (await boss.post(f"/accounts/{account.id}/role", {"role": "team"},
                                from_page=f"/accounts/{account.id}")).status_code == 303
        assert (await newcomer.get("/")).headers["location"] == "/login"  # new rights from the next login
        assert (await newcomer.login(name, shown.group(1))).headers["location"] == "/"
        assert (await boss.post(f"/accounts/{account.id}/disable", {},
                                from_page=f"/accounts/{account.id}")).status_code == 303
        assert (await newcomer.get("/")).headers["location"] == "/login"
        assert (await newcomer.login(name, shown.group(1))).status_code == 400
        assert (await boss.post(f"/accounts/{account.id}/enable", {},
                                from_page=f"/accounts/{account.id}")).status_code == 303
        assert (await newcomer.login(name, shown.group(1))).headers["location"] == "/"
        reset = await boss.post(f"/accounts/{account.id}/reset", {}, from_page=f"/accounts/{account.id}")
        second = SHOWN_PASSWORD.search(reset.text)
        assert second is not None and second.group(1) != shown.group(1)
        assert (await newcomer.get("/")).headers["location"] == "/login"
        assert (await newcomer.login(name, shown.group(1))).status_code == 400
        assert (await newcomer.login(name, second.group(1))).headers["location"] == "/"

    actions = [(entry.action, entry.actor) for entry in await entries(app, account.id)]
    assert actions == [(action, leitung.name) for action in
                       ("account.create", "account.role", "account.disable", "account.enable", "account.reset")]
    role_change = (await entries(app, account.id))[1]
    assert role_change.before["role"] == "redaktion" and role_change.after["role"] == "team"  # type: ignore[index]


async def test_staff_change_their_own_password_and_other_sessions_end(app: App) -> None:
    staff, _ = await make_account(app, "team")
    async with browser(app) as desk, browser(app) as tablet:
        await desk.login(staff.name)
        await tablet.login(staff.name)
        wrong = await desk.post("/account/password", {"current": "not-it-at-all", "new": "Ein-neues-Passwort-1",
                                                      "again": "Ein-neues-Passwort-1"})
        assert wrong.status_code == 400 and "stimmt nicht" in wrong.text
        differ = await desk.post("/account/password", {"current": PASSWORD, "new": "Ein-neues-Passwort-1",
                                                       "again": "Ein-neues-Passwort-2"})
        assert differ.status_code == 400
        short = await desk.post("/account/password", {"current": PASSWORD, "new": "kurz", "again": "kurz"})
        assert short.status_code == 400 and "12 Zeichen" in short.text
        done = await desk.post("/account/password", {"current": PASSWORD, "new": "Ein-neues-Passwort-1",
                                                     "again": "Ein-neues-Passwort-1"})
        assert done.headers["location"] == "/account?done=password"
        assert (await desk.get("/")).status_code == 200  # this session goes on
        assert (await tablet.get("/")).headers["location"] == "/login"
    assert [entry.action for entry in await entries(app, staff.id)] == ["account.create", "account.password"]


async def test_the_audit_log_pages_and_filters(app: App, clock: FixedClock) -> None:
    leitung, secret = await make_account(app, "leitung")
    who = f"writer{uuid.uuid4().hex[:8]}"
    async with app.sessions() as session, session.begin():
        for number in range(55):
            record(session, clock.now(), Actor(who), "offer.update" if number % 5 else "offer.create", "offer",
                   number, before={"title": "<b>alt</b>"}, after={"title": f"neu {number}"})
    async with browser(app) as boss:
        await boss.login(leitung.name, secret=secret, now=clock.now())
        first = await boss.get("/audit", actor=who)
        assert "55 Einträge" in first.text and first.text.count("<tr>") == 50 + 1  # + the header row
        assert "Seite 1 von 2" in first.text and "&lt;b&gt;alt&lt;/b&gt;" in first.text
        second = await boss.get("/audit", actor=who, page="2")
        assert second.text.count("<tr>") == 5 + 1 and "neu 0" in second.text  # the oldest last
        created = await boss.get("/audit", actor=who, action="offer.create")
        assert "11 Einträge" in created.text
        assert (await boss.get("/audit", actor=who, page="nonsense")).status_code == 200
