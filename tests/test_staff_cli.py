"""`quartiersbot staff` through the real command: accounts are checked, audit-logged and end sessions."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.accounts import sessions
from bot.accounts.models import StaffAccount, StaffSession
from bot.audit.models import AuditEntry
from bot.cli import main
from bot.config import Settings
from bot.db.engine import create_engine_for_url, session_factory
from tests.support.databases import Database

PASSWORD = "Quartier-Horst-2026"


@pytest.fixture
def command(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QB_DATABASE_URL", database.url)
    monkeypatch.setenv("QB_STAFF_TELEGRAM_IDS", "4711")

    def run(*arguments: str, stdin: str = f"{PASSWORD}\n") -> int:
        """The real command, in a thread of its own: its event loop, umask and logging stay its own."""
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        umask = os.umask(0o077)
        os.umask(umask)
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            with ThreadPoolExecutor(1) as thread:
                return thread.submit(main, ["staff", *arguments]).result()
        finally:
            os.umask(umask)
            root.handlers[:] = handlers
            root.setLevel(level)
    return run


def in_database(database: Database, work):  # type: ignore[no-untyped-def]
    """Run `work(session)` on a connection and event loop of its own, in a thread like the command."""
    async def go():  # type: ignore[no-untyped-def]
        engine = create_engine_for_url(database.url)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, go()).result()


def test_add_list_disable_enable_and_every_change_is_audited(command, database: Database,  # type: ignore[no-untyped-def]
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    name = f"anna{uuid.uuid4().hex[:8]}"
    assert command("add", name.upper(), "--role", "team", "--link", "telegram:4711") == 0
    assert command("add", name, "--role", "team") == 1  # names are unique, whatever the case
    assert "exists already" in capsys.readouterr().err
    assert command("list") == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(name))
    assert "team" in line and "active" in line and "telegram:4711" in line

    async def start_session(session):  # type: ignore[no-untyped-def]
        account = await session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        return await sessions.start(session, account, account.created_at, Settings(), complete=True)
    token = in_database(database, start_session)
    assert command("disable", name) == 0
    assert "1 session(s) ended" in capsys.readouterr().out
    assert command("enable", name) == 0

    async def facts(session):  # type: ignore[no-untyped-def]
        account = await session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        row = await session.get(StaffSession, sessions.token_hash(token))
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.object_type == "staff_account",
                                                                  AuditEntry.object_id == str(account.id))
                                         .order_by(AuditEntry.id))).all()
        return account, row, entries
    account, row, entries = in_database(database, facts)
    assert account.disabled_at is None and row.revoked_at is not None
    assert [entry.action for entry in entries] == ["account.create", "account.link", "account.disable",
                                                   "account.enable"]
    assert all(entry.actor.startswith("command line") for entry in entries)
    assert entries[0].before is None and entries[0].after["role"] == "team"
    assert entries[1].after["chat_accounts"] == ["telegram:4711"]
    assert entries[2].before["disabled"] is False and entries[2].after["disabled"] is True
    assert not any(PASSWORD in str(entry.after) or "argon2" in str(entry.after) for entry in entries)


def test_passwords_are_checked_and_a_reset_removes_the_codes(command, database: Database,  # type: ignore[no-untyped-def]
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    name = f"lea{uuid.uuid4().hex[:8]}"
    assert command("add", name, "--role", "leitung", stdin="too short\n") == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert command("add", name, "--role", "leitung", "--totp") == 0
    shown = capsys.readouterr().out
    assert "█" in shown and "Key: " in shown
    secret = shown.split("Key: ")[1].split()[0]
    assert command("add", f"x{name}", "--role", "team", "--link", "telegram:999") == 1  # not a staff chat id
    assert "QB_STAFF" in capsys.readouterr().err
    assert command("add", f"deputy{name}", "--role", "leitung") == 0  # so the role may change (never the last one)
    assert command("reset", name, "--role", "redaktion", stdin="Ein-neues-Passwort-2027\n") == 0

    async def facts(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(StaffAccount).where(StaffAccount.name == name))
    account = in_database(database, facts)
    assert account.role == "redaktion" and account.totp_secret is None and not account.totp_confirmed
    assert secret and account.password_hash.startswith("$argon2id$")
    assert command("reset", "nobody-here") == 1
