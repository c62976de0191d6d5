"""Logs hold no secret at any level, and no resident at INFO or above.

The real `quartiersbot run` serves Telegram (the Bot API emulation) and Matrix (a real Synapse)
at DEBUG while residents write, sends fail once with a 502 and a 429, and it restarts in webhook
mode with its stored Matrix login: its whole output must name none of its secrets, and its lines
at INFO and above none of the residents' ids, words or button data. In-process, the same holds
for what residents type and press, on the paths that fail too.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import random
import re
import secrets
import signal
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot import logs
from bot.app import App
from bot.conversation.context import Context
from bot.conversation.router import Replies
from bot.db.models import Resident
from tests.support.chat import Chat
from tests.support.databases import ROOT, plain_url
from tests.support.matrix_resident import MatrixResident
from tests.support.ports import free_port, listening
from tests.support.synapse import Synapse
from tests.support.telegram_emulator import BotApiEmulator

# A line of the bot's output starts a record with its time and level; traceback lines continue it.
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", re.MULTILINE)


def telegram_token() -> str:
    return f"{random.randint(10**9, 2 * 10**9)}:AA{secrets.token_urlsafe(32)}"


def unique(word: str) -> str:
    return f"zq{word}{uuid.uuid4().hex[:10]}"


def records_from_info(output: str) -> list[str]:
    """The records of the bot's output at INFO or above, each with its traceback."""
    starts = list(RECORD_START.finditer(output))
    return [output[start.start():following.start() if following else len(output)]
            for start, following in zip(starts, [*starts[1:], None], strict=True) if start[1] != "DEBUG"]


def assert_absent(texts: list[str], forbidden: dict[str, str]) -> None:
    for text in texts:
        for what, value in forbidden.items():
            found = [line for line in text.splitlines() if value in line]
            assert not found, f"{what} in the log: {found[:3]}"


# --- the formatter ----------------------------------------------------------------------------------------------


def test_the_formatter_redacts_secrets_in_messages_arguments_and_tracebacks() -> None:
    secret, in_url = f"pw-{secrets.token_hex(8)}", f"p@ss w/rd {secrets.token_hex(4)}"
    logs.register_secret(secret)
    logs.register_secret(in_url)
    unregistered_token, matrix_token = telegram_token(), f"syt_{secrets.token_urlsafe(24)}"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.RedactingFormatter(logs.FORMAT))
    logger = logging.getLogger(f"tests.logs.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.debug(f"in the message: {secret}")
    logger.info("in an argument: %s", secret)
    try:
        raise RuntimeError(f"in an exception's message: {secret}")
    except RuntimeError:
        logger.exception("in a traceback")
    logger.warning("in a URL: https://example.org/login?user=x&pw=%s", quote(in_url, safe=""))
    logger.info("HTTP Request: POST http://127.0.0.1:1/bot%s/getUpdates", unregistered_token)
    logger.info("GET /_matrix/client/v3/sync?since=s1&access_token=%s&timeout=0", matrix_token)
    logger.debug("a login answer: %s", {"user_id": "@bot:example.org", "access_token": f"{matrix_token}-2"})
    text = stream.getvalue()
    for value in (secret, in_url, quote(in_url, safe=""), unregistered_token.split(":")[1], matrix_token):
        assert value not in text
    for kept in ("in the message:", "in an argument:", "in a traceback", "RuntimeError: in an exception's message",
                 "/getUpdates", "&timeout=0"):
        assert kept in text
    assert text.count(logs.MASK) == 7


# --- residents in-process: nothing of theirs at INFO or above -------------------------------------------------


async def break_down(ctx: Context, parts: list[str]) -> Replies:
    raise RuntimeError("a handler broke")  # the bot's own words: a bug, not the resident's input


@pytest.mark.parametrize("channel", ["telegram", "matrix"])
async def test_logs_at_info_name_no_resident(app: App, caplog: pytest.LogCaptureFixture, channel: str) -> None:
    user = str(random.randint(10**9, 2 * 10**9)) if channel == "telegram" else f"@{unique('resident')}:example.org"
    typed, deep_link, args = unique("Deutschkurs"), unique("deep"), unique("args")
    stale, crafted_namespace, crafted_data, broken = unique("stale"), unique("crafted"), unique("data"), unique("x")
    unknown_command = unique("command")
    app.conversation.router.namespace("zqbreak", break_down)
    chat = Chat(app, channel=channel, user=user, language_hint="en")
    caplog.set_level(logging.INFO)
    await chat.say("/start")
    await chat.say(f"/start {deep_link}")
    await chat.say(typed)
    await chat.say(f"ich suche {typed} für meine Tochter")
    await chat.tap(f"offers:c:{stale}:1")  # a button of an outdated menu
    await chat.tap(f"{crafted_namespace}:{crafted_data}")  # data no button of ours ever carried
    await chat.say(f"/{unknown_command} {args}")
    await chat.say("/desk")  # not staff: logged as an attempt
    replies = await chat.tap(f"zqbreak:{broken}")  # a handler fails: logged for staff, with the resident number
    assert "Sorry" in replies[0].text
    async with app.sessions() as session:
        number = await session.scalar(select(Resident.id).where(Resident.channel == channel,
                                                                Resident.channel_user_id == user))
    formatter = logging.Formatter()
    texts = [formatter.format(record) for record in caplog.records]
    assert_absent(texts, {"the user id": user, "typed text": typed, "deep link": deep_link, "command args": args,
                          "outdated button data": stale, "crafted namespace": crafted_namespace,
                          "crafted data": crafted_data, "failed button data": broken,
                          "unknown command": unknown_command})
    assert f"outdated payload (offers) from resident {number}" in texts
    assert f"outdated payload (unknown) from resident {number}" in texts
    failed = next(text for text in texts if text.startswith("handling failed"))
    assert f"resident={number} payload=zqbreak" in failed and "RuntimeError: a handler broke" in failed
    assert any(f"resident={number}" in text for text in texts if "non-staff" in text)


# --- the real `quartiersbot run` -----------------------------------------------------------------------------------


class Bot:
    """`quartiersbot run` as a process of its own; its output goes to a file (a pipe would fill up at DEBUG)."""

    def __init__(self, environment: dict[str, str], output: Path) -> None:
        self.environment, self.output = environment, output
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, **extra: str) -> None:
        with self.output.open("ab") as sink:
            # PYTHONFAULTHANDLER: a process that hangs shows where, in its output, when `exited` aborts it
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env={**self.environment, "PYTHONFAULTHANDLER": "1", **extra},
                cwd=ROOT, stdout=sink, stderr=sink)

    async def exited(self, timeout: float) -> int:  # noqa: ASYNC109
        """The exit code; a process still running after `timeout` is aborted and the test fails with its stacks."""
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.send_signal(signal.SIGABRT)
            await asyncio.wait_for(self.process.wait(), 30)
            tail = self.output.read_text(encoding="utf-8", errors="replace")[-6000:]
            raise AssertionError(f"the bot did not exit within {timeout:.0f} s; its output ends:\n{tail}") from None

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:  # a process that does not stop must not outlive the test
            self.process.kill()
            await self.process.wait()
            raise


async def reply_to(emulator: BotApiEmulator, act: Callable[[], object]) -> None:
    """Do what a resident does on Telegram and wait until the bot has answered (sent or edited)."""
    before = len(emulator.accepted_sends)
    act()
    await emulator.wait_until(lambda: len(emulator.accepted_sends) > before, timeout=30)


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_quartiersbot_run_logs_no_secret_and_no_resident(own: App, tmp_path: Path, synapse: Synapse) -> None:
    # A database of its own: on the shared one, the bot's outbox would also send other tests' messages, and one
    # of them could take the injected 502 meant for this test's reply.
    token, webhook_secret = telegram_token(), secrets.token_urlsafe(24)
    password, secret_key = f"pw-{secrets.token_hex(12)}", secrets.token_hex(32)
    bot_user = await synapse.register(unique("quartiersbot"), password)
    await synapse.lift_ratelimit(bot_user)
    resident_password = secrets.token_hex(8)
    resident = MatrixResident(synapse.base_url, await synapse.register(unique("resident"), resident_password),
                              resident_password, tmp_path / "residents")
    emulator = BotApiEmulator(token=token)
    await emulator.start()
    bot = Bot({**os.environ, "QB_DATA_DIR": str(tmp_path / "bot"),
               "QB_DATABASE_URL": plain_url(own.settings.database_url), "QB_LOG_LEVEL": "DEBUG",
               "QB_SECRET_KEY": secret_key, "QB_TELEGRAM_TOKEN": token,
               "QB_TELEGRAM_API_URL": emulator.base_url, "QB_TELEGRAM_WEBHOOK_SECRET": webhook_secret,
               "QB_MATRIX_HOMESERVER": synapse.base_url, "QB_MATRIX_USER_ID": bot_user,
               "QB_MATRIX_PASSWORD": password}, tmp_path / "output.log")
    telegram_user = random.randint(10**9, 2 * 10**9)
    words = {"telegram text": unique("Deutschkurs"), "matrix text": unique("Sprachkurs"),
             "outdated button data": unique("stale"), "webhook text": unique("Nachhilfe")}
    try:
        await resident.login()
        # 1. Polling; the Matrix account logs in with its password.
        await bot.start()
        await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls), timeout=60)
        await reply_to(emulator, lambda: emulator.send_text(telegram_user, "/start", language_code="en"))
        emulator.fail(1, 502)
        await reply_to(emulator, lambda: emulator.send_text(telegram_user, words["telegram text"],
                                                            language_code="en"))
        emulator.flood(1)
        await reply_to(emulator, lambda: emulator.send_text(telegram_user, "/menu", language_code="en"))
        newest = emulator.messages(telegram_user)[-1]
        await reply_to(emulator, lambda: emulator.press_button(
            telegram_user, newest.message_id, f"offers:c:{words['outdated button data']}:1", language_code="en"))
        await resident.wait_for_device_keys(bot_user)
        room = await resident.open_dm(bot_user, encrypted=True)
        await resident.wait_for_member(bot_user, timeout=60)
        await resident.say("!start")
        await resident.replies(1, bot_user, timeout=60)
        await resident.say("3")  # English
        await resident.replies(3, bot_user)
        await resident.say(words["matrix text"])
        await resident.replies(4, bot_user)
        assert await bot.stop() == 0
        # 2. A webhook with its secret, at the token as its path (as many set it up, so the webhook address holds
        # it too); the Matrix login is restored from the stored access token.
        port = free_port()
        await bot.start(QB_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/{token}",
                        QB_TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
        await emulator.wait_until(lambda: emulator.webhook is not None and listening(port), timeout=60)
        update = emulator.send_text(telegram_user, words["webhook text"], language_code="en")
        assert await emulator.deliver_webhook(update, "a-wrong-secret-of-somebody") == 403
        before = len(emulator.accepted_sends)
        assert await emulator.deliver_webhook(update, webhook_secret) == 200
        await emulator.wait_until(lambda: len(emulator.accepted_sends) > before, timeout=30)
        await resident.say("!menu")
        await resident.replies(5, bot_user, timeout=60)
        assert await bot.stop() == 0
    finally:
        if bot.process is not None and bot.process.returncode is None:
            await bot.stop()
        await resident.close()
        await emulator.stop()
    folder = tmp_path / "bot" / "matrix" / re.sub(r"[^A-Za-z0-9_.-]", "_", bot_user)
    access_token = json.loads((folder / "credentials.json").read_text(encoding="utf-8"))["access_token"]
    output = bot.output.read_text(encoding="utf-8", errors="replace")
    assert "Telegram channel is serving (polling)" in output and "Telegram channel is serving (webhook)" in output
    assert "Matrix channel is serving" in output and "retrying a Telegram call" in output  # the 502 and the 429
    assert_absent([output], {"the Telegram token": token.split(":")[1], "the webhook secret": webhook_secret,
                             "the Matrix password": password, "the Matrix access token": access_token,
                             "the secret key": secret_key})
    assert_absent(records_from_info(output), {"the Telegram user id": str(telegram_user), "the room id": room,
                                              "the Matrix user id": resident.client.user_id, **words})


@pytest.mark.slow
async def test_a_crash_on_a_rejected_token_logs_no_token(tmp_path: Path) -> None:
    """Telegram refuses a revoked token, and python-telegram-bot's error quotes it: the crash goes through the log."""
    emulator = BotApiEmulator(token=telegram_token())
    await emulator.start()
    rejected = telegram_token()
    bot = Bot({**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_TELEGRAM_TOKEN": rejected,
               "QB_TELEGRAM_API_URL": emulator.base_url}, tmp_path / "output.log")
    try:
        await bot.start()
        assert bot.process is not None
        assert await bot.exited(180) != 0  # a hang guard; a loaded machine starts slowly
    finally:
        await bot.stop()
        await emulator.stop()
    output = bot.output.read_text(encoding="utf-8", errors="replace")
    assert "CRITICAL quartiersbot: stopped by an unexpected error" in output and "was rejected by the server" in output
    assert rejected.split(":")[1] not in output
