"""Staff accounts in the domain: sessions end when they must, codes work once, old rows go."""

from __future__ import annotations

import datetime as dt
import uuid

import pyotp
import pytest
from sqlalchemy import func, select

from bot.accounts import sessions, store
from bot.accounts.models import StaffAccount, StaffSession
from bot.accounts.throttle import PER_ACCOUNT, PER_ADDRESS, LoginThrottle
from bot.app import App
from bot.audit.log import Actor, record
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.privacy.retention import prune

PASSWORD = "Quartier-Horst-2026"
ADMIN = Actor("test")


async def new_account(app: App, role: str = "team") -> StaffAccount:
    async with app.sessions() as session, session.begin():
        return await store.create_account(session, f"s{uuid.uuid4().hex[:10]}", role, PASSWORD, app.clock.now(),
                                          ADMIN)


async def live(app: App, token: str) -> bool:
    async with app.sessions() as session, session.begin():
        return await sessions.current(session, token, app.clock.now(), app.settings) is not None


async def test_a_session_ends_when_idle_after_its_lifetime_and_when_the_account_is_disabled(
        app: App, clock: FixedClock) -> None:
    account = await new_account(app)
    async with app.sessions() as session, session.begin():
        busy = await sessions.start(session, account, clock.now(), app.settings, complete=True)
        idle = await sessions.start(session, account, clock.now(), app.settings, complete=True)
        pending = await sessions.start(session, account, clock.now(), app.settings, complete=False)
    start = clock.now()
    for _ in range(app.settings.web_session_hours * 2 - 1):  # a request every half hour keeps `busy` alive
        clock.advance(dt.timedelta(minutes=30))
        assert await live(app, busy)
        if clock.now() - start == dt.timedelta(minutes=30):
            assert not await live(app, pending)  # the step before the one-time code lasts minutes
    assert not await live(app, idle)
    clock.advance(dt.timedelta(minutes=31))
    assert not await live(app, busy)  # the absolute lifetime

    async with app.sessions() as session, session.begin():
        token = await sessions.start(session, account, clock.now(), app.settings, complete=True)
    assert await live(app, token)
    async with app.sessions() as session, session.begin():
        refreshed = await session.get(StaffAccount, account.id)
        assert refreshed is not None
        await store.disable_account(session, refreshed, clock.now(), ADMIN)
        await store.enable_account(session, refreshed, clock.now(), ADMIN)
    assert not await live(app, token)  # enabling again does not bring old sessions back


async def test_a_one_time_code_is_accepted_once_and_only_near_its_time(app: App, clock: FixedClock) -> None:
    account = await new_account(app, "leitung")
    async with app.sessions() as session, session.begin():
        account = await session.get(StaffAccount, account.id)  # type: ignore[assignment]
        secret = store.begin_totp(account)
        assert not await store.confirm_totp(session, account, "000000" if pyotp.TOTP(secret).at(
            clock.now()) != "000000" else "111111", clock.now())
        assert await store.confirm_totp(session, account, pyotp.TOTP(secret).at(clock.now()), clock.now())
    clock.advance(dt.timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(clock.now())
    async with app.sessions() as session, session.begin():
        account = await session.get(StaffAccount, account.id)  # type: ignore[assignment]
        assert store.check_code(account, code, clock.now())
        assert not store.check_code(account, code, clock.now())  # used
    clock.advance(dt.timedelta(minutes=5))
    async with app.sessions() as session, session.begin():
        account = await session.get(StaffAccount, account.id)  # type: ignore[assignment]
        assert not store.check_code(account, pyotp.TOTP(secret).at(clock.now() - dt.timedelta(minutes=2)),
                                    clock.now())
        assert store.check_code(account, pyotp.TOTP(secret).at(clock.now()), clock.now())


def test_the_throttle_counts_failures_per_account_and_per_address() -> None:
    throttle = LoginThrottle()
    for _ in range(PER_ACCOUNT.amount):
        assert throttle.allowed("anna", "10.0.0.1")
        throttle.failed("Anna", "10.0.0.1")
    assert not throttle.allowed("anna", "10.0.0.2")  # the account, from anywhere
    assert throttle.allowed("bert", "10.0.0.1")
    for index in range(PER_ADDRESS.amount):
        throttle.failed(f"user{index}", "10.0.0.9")
    assert not throttle.allowed("carla", "10.0.0.9")  # the address, for any name
    assert throttle.allowed("carla", "10.0.0.8")


async def test_the_last_active_leitung_stays(own: App) -> None:
    first = await new_account(own, "leitung")
    async with own.sessions() as session, session.begin():
        account = await session.get(StaffAccount, first.id)
        assert account is not None
        with pytest.raises(store.AccountError, match="last active management"):
            await store.disable_account(session, account, own.clock.now(), ADMIN)
        with pytest.raises(store.AccountError, match="last active management"):
            await store.change_role(session, account, "team", own.clock.now(), ADMIN)
    second = await new_account(own, "leitung")
    async with own.sessions() as session, session.begin():
        account = await session.get(StaffAccount, first.id)
        assert account is not None
        await store.disable_account(session, account, own.clock.now(), ADMIN)
    assert second.role == "leitung"


async def test_ended_sessions_and_old_audit_entries_are_deleted(own: App, clock: FixedClock) -> None:
    account = await new_account(own)
    async with own.sessions() as session, session.begin():
        await sessions.start(session, account, clock.now(), own.settings, complete=True)
        ended = await sessions.start(session, account, clock.now(), own.settings, complete=True)
        await sessions.end(session, ended, clock.now())
        record(session, clock.now(), ADMIN, "test.old", "test")
    async with own.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 2
    await prune(own.sessions, clock.now(), own.settings)
    async with own.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 1
    clock.advance(dt.timedelta(hours=own.settings.web_session_hours))
    async with own.sessions() as session, session.begin():
        record(session, clock.now(), ADMIN, "test.new", "test")
    clock.advance(dt.timedelta(days=365 * 2 - 1))
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["ended back-office sessions"] == 1
    async with own.sessions() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert "test.old" in actions  # 24 months have not passed yet
    clock.advance(dt.timedelta(days=2))
    await prune(own.sessions, clock.now(), own.settings)
    async with own.sessions() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert "test.old" not in actions and "test.new" in actions


async def test_an_account_disabled_longer_than_the_audit_log_keeps_entries_is_deleted(own: App,
                                                                                      clock: FixedClock) -> None:
    gone, kept = await new_account(own), await new_account(own)
    async with own.sessions() as session, session.begin():
        for account_id in (gone.id, kept.id):
            account = await session.get(StaffAccount, account_id)
            assert account is not None
            await sessions.start(session, account, clock.now(), own.settings, complete=True)
        account = await session.get(StaffAccount, gone.id)
        assert account is not None
        await store.disable_account(session, account, clock.now(), ADMIN)
    clock.advance(dt.timedelta(days=365 * 2 - 1))
    assert (await prune(own.sessions, clock.now(), own.settings)).counts["long-disabled back-office accounts"] == 0
    clock.advance(dt.timedelta(days=3))  # past 24 months (2028 is a leap year)
    pruned = await prune(own.sessions, clock.now(), own.settings)
    assert pruned.counts["long-disabled back-office accounts"] == 1
    async with own.sessions() as session:
        assert await session.get(StaffAccount, gone.id) is None and await session.get(StaffAccount, kept.id)
        assert await session.scalar(select(func.count()).select_from(StaffSession)
                                    .where(StaffSession.account_id == gone.id)) == 0

