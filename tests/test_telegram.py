"""The console scenarios again, through Telegram: the unmodified bot, the real
python-telegram-bot library and real HTTP against the loopback Bot API emulation."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.channels.telegram_render import MAX_MESSAGE_LENGTH, render, split_text
from bot.clock import FixedClock
from bot.conversation.messages import Choice, Reply
from bot.db.models import Resident
from tests.support.databases import Database, plain_url, settings_for
from tests.support.ports import free_port, listening
from tests.support.telegram import SECRET, Running, button, buttons, resident
from tests.support.telegram_emulator import BotApiEmulator, SentMessage


async def replies(emulator: BotApiEmulator, chat: int, count: int) -> list[SentMessage]:
    return await emulator.wait_for_messages(chat, count)


async def test_start_in_the_residents_language_with_buttons(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="tr")
    greeting, menu = await replies(emulator, user, 2)
    assert "Quartiersbot" in greeting.text and "Hello" not in greeting.text
    assert menu.parse_mode == "HTML"
    assert next(b["callback_data"] for b in buttons(menu)) == "offers:home"
    assert all(1 <= len(b["callback_data"].encode()) <= 64 for b in buttons(menu))


async def test_commands_are_registered_per_language(emulator: BotApiEmulator, bot: Running) -> None:
    await emulator.wait_until(lambda: len(emulator.commands) >= 10)
    assert set(emulator.commands) == {None, "de", "en", "tr", "ar", "ro", "bg", "uk", "ru", "pl"}
    names = [command["command"] for command in emulator.commands["de"]]
    assert {"start", "menu", "offers", "language", "help"} <= set(names)
    german = {command["command"]: command["description"] for command in emulator.commands["de"]}
    english = {command["command"]: command["description"] for command in emulator.commands["en"]}
    assert german["menu"] != english["menu"]


async def test_navigation_edits_in_place_and_answers_every_button(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    _, menu = await replies(emulator, user, 2)
    presses = [emulator.press_button(user, menu.message_id, "offers:home", language_code="en")]
    await emulator.wait_until(lambda: emulator.messages(user)[-1].edits == 1)
    topics = emulator.messages(user)[-1]
    assert topics.message_id == menu.message_id and "Choose a topic" in topics.text
    presses.append(emulator.press_button(user, topics.message_id, "offers:c:sport_culture:1", language_code="en"))
    await emulator.wait_until(lambda: emulator.messages(user)[-1].edits == 2)
    listing = emulator.messages(user)[-1]
    assert "Sport &amp; culture" in listing.html  # content text is escaped for HTML
    presses.append(emulator.press_button(user, listing.message_id, button(listing, "offers:o:"),
                                         language_code="en"))
    await emulator.wait_until(lambda: emulator.messages(user)[-1].edits == 3)
    card = emulator.messages(user)[-1]
    assert card.html.startswith("<b>") and "openstreetmap.org" in card.text
    assert len(emulator.messages(user)) == 2  # four screens, two messages: nothing flooded the chat
    await emulator.wait_until(lambda: len(emulator.answered_callbacks) >= len(presses))
    assert {press["callback_query"]["id"] for press in presses} <= set(emulator.answered_callbacks)


async def test_paging_edits_the_list(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="de")
    await replies(emulator, user, 2)
    emulator.send_text(user, "Beratung", language_code="de")
    listing = (await replies(emulator, user, 3))[-1]
    next_page = button(listing, "offers:q:2")
    emulator.press_button(user, listing.message_id, next_page)
    await emulator.wait_until(lambda: emulator.messages(user)[-1].edits == 1)
    assert "Seite 2" in emulator.messages(user)[-1].text
    assert len(emulator.messages(user)) == 3


async def test_language_change_and_arabic(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/language", language_code="de")
    picker = (await replies(emulator, user, 1))[0]
    emulator.press_button(user, picker.message_id, "lang:set:ar")
    # One screen, the language on top of the menu: the picker becomes it.
    await emulator.wait_until(lambda: emulator.messages(user)[-1].edits == 1)
    assert len(emulator.messages(user)) == 1
    menu = emulator.messages(user)[-1]
    assert sum(1 for character in menu.text if "\u0600" <= character <= "\u06ff") > 10
    assert menu.text.startswith("\u200f")


async def test_deep_links(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start offers", language_code="en")
    screen = (await replies(emulator, user, 1))[0]
    assert "offers:s" in [b["callback_data"] for b in buttons(screen)]
    other = resident()
    emulator.send_text(other, "/start poster-that-does-not-exist", language_code="en")
    _greeting, menu = await replies(emulator, other, 2)
    assert "offers:home" in [b["callback_data"] for b in buttons(menu)]


async def test_outdated_buttons_after_a_restart(emulator: BotApiEmulator, bot: Running, database: Database,
                                                tmp_path: Path, clock: FixedClock) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    _, menu = await replies(emulator, user, 2)
    await bot.close()
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url)
    restarted = Running(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    try:
        emulator.press_button(user, menu.message_id, "offers:o:an-offer-that-was-removed", language_code="en")
        # The menu was the newest message, which the database remembers: the first tap after the restart
        # replaces it, as before the restart, and the fresh menu follows.
        outdated, fresh_menu = (await emulator.wait_for_messages(user, 3))[1:]
        assert outdated.message_id == menu.message_id and "outdated" in outdated.text
        assert "offers:home" in [b["callback_data"] for b in buttons(fresh_menu)]
        emulator.press_button(user, menu.message_id, "offers:home", language_code="en")  # still valid
        await emulator.wait_until(lambda: "Choose a topic" in emulator.messages(user)[-1].text)
        await emulator.wait_until(lambda: len(emulator.answered_callbacks) >= 2)
    finally:
        await restarted.close()
        bot.stop.set()


async def test_pictures_voice_and_edits_get_a_friendly_answer(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    await replies(emulator, user, 2)
    for kind in ("photo", "voice", "sticker", "document"):
        emulator.send_media(user, kind, language_code="en")
    emulator.edit_text(user, 1, "/start again")
    messages = await emulator.wait_for_messages(user, 2 + 5 * 2)
    notices = [m for m in messages if "cannot read pictures" in m.text]
    assert len(notices) == 5


async def test_a_shared_location_sorts_offers_by_distance(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    await replies(emulator, user, 2)
    emulator.send_location(user, 51.5431, 7.0282, language_code="en")
    listing = (await replies(emulator, user, 3))[-1]
    assert "Offers near you" in listing.text
    labels = [b["text"] for b in buttons(listing) if b["callback_data"].startswith("offers:o:")]
    assert labels and all(" m" in label or " km" in label for label in labels)
    distances = [float(label.rsplit("·", 1)[1].split()[0].replace(",", "")) *
                 (1000 if label.endswith("km") else 1) for label in labels]
    assert distances == sorted(distances)


async def test_group_chats_are_asked_to_write_privately(emulator: BotApiEmulator, bot: Running) -> None:
    user, group = resident(), -resident()
    emulator.send_text(user, "Hallo zusammen", chat_type="group", chat_id=group)
    emulator.send_text(user, "/start", chat_type="group", chat_id=group, language_code="de")
    notice = (await emulator.wait_for_messages(group, 1))[0]
    assert "privaten Chat" in notice.text or "privat" in notice.text.lower()
    await asyncio.sleep(0.3)
    assert len(emulator.messages(group)) == 1  # the plain chatter got no answer
    async with bot.app.sessions() as session:
        assert await session.scalar(select(Resident).where(Resident.channel_user_id == str(user))) is None


async def test_a_429_burst_loses_no_reply(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.flood(3, retry_after=1)
    emulator.send_text(user, "/start", language_code="en")
    emulator.send_text(user, "Tafel", language_code="en")
    messages = await emulator.wait_for_messages(user, 3, timeout=20)
    assert "Hello" in messages[0].text and "Tafel" in messages[2].text  # in order, none lost
    refused = [params for method, params in emulator.calls if method == "sendMessage"]
    assert len(refused) >= 6


async def test_server_errors_are_retried(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.fail(2, status=502)
    emulator.send_text(user, "/help", language_code="en")
    help_text = (await emulator.wait_for_messages(user, 1, timeout=20))[0]
    assert "/menu" in help_text.text


async def test_a_resident_who_blocked_the_bot_is_marked_unreachable(emulator: BotApiEmulator, bot: Running) -> None:
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    await replies(emulator, user, 2)
    emulator.block(user)
    emulator.send_text(user, "/menu", language_code="en")

    async def unreachable() -> bool:
        async with bot.app.sessions() as session:
            row = await session.scalar(select(Resident).where(Resident.channel_user_id == str(user)))
            return row is not None and row.unreachable_since is not None

    for _ in range(100):
        if await unreachable():
            break
        await asyncio.sleep(0.05)
    assert await unreachable()


async def test_webhook_mode_refuses_a_wrong_secret(emulator: BotApiEmulator, database: Database, tmp_path: Path,
                                                   clock: FixedClock) -> None:
    port = free_port()
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url,
                            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram",
                            telegram_webhook_secret=SECRET, telegram_webhook_listen=f"127.0.0.1:{port}")
    running = Running(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None and listening(port))
        assert emulator.webhook is not None and emulator.webhook["secret_token"] == SECRET
        user = resident()
        update = emulator.send_text(user, "/start", language_code="en")
        assert await emulator.deliver_webhook(update, "a-wrong-secret-of-somebody") == 403
        assert await emulator.deliver_webhook(update, None) == 403
        assert emulator.messages(user) == []
        assert await emulator.deliver_webhook(update, SECRET) == 200
        await emulator.wait_for_messages(user, 2)
    finally:
        await running.close()


def test_long_text_is_split_at_boundaries_and_escaped() -> None:
    paragraph = ("Wörter & <Zeichen> " * 30).strip()
    text = "\n\n".join([paragraph] * 30)
    messages = render(Reply(text, (Choice("Menü", "menu"),), title="Titel & Co"))
    assert len(messages) > 1
    assert messages[0].html.startswith("<b>Titel &amp; Co</b>\n")
    assert all(message.keyboard is None for message in messages[:-1]) and messages[-1].keyboard is not None
    assert "&lt;Zeichen&gt;" in messages[1].html
    plain = [part for part in split_text(text, MAX_MESSAGE_LENGTH)]
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in plain)
    assert "".join(plain).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert split_text("x" * 9000, MAX_MESSAGE_LENGTH) == ["x" * 4096, "x" * 4096, "x" * 808]


@pytest.mark.slow
def test_quartiersbot_run_serves_the_bot_api_on_a_port(database: Database, tmp_path: Path) -> None:
    """The README's "done when": the real command against a Bot API server on a port."""
    async def scenario() -> None:
        emulator = BotApiEmulator()
        await emulator.start()
        environment = {**os.environ, "QB_DATA_DIR": str(tmp_path), "QB_DATABASE_URL": plain_url(database.url),
                       "QB_TELEGRAM_TOKEN": emulator.token, "QB_TELEGRAM_API_URL": emulator.base_url}
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=environment,
                                                       stderr=subprocess.PIPE)
        try:
            user = resident()
            await emulator.wait_until(lambda: any(m == "getUpdates" for m, _ in emulator.calls), timeout=30)
            emulator.send_text(user, "/start", language_code="de")
            greeting, menu = await emulator.wait_for_messages(user, 2, timeout=20)
            assert "Hallo" in greeting.text and buttons(menu)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
            await emulator.stop()
        assert process.returncode == 0, stderr.decode()

    with asyncio.Runner() as runner:
        runner.run(scenario())


async def test_a_press_that_leads_to_the_screen_shown_edits_nothing(emulator: BotApiEmulator, bot: Running) -> None:
    """Telegram refuses to edit a message into what it already is ("message is not modified"): the bot does not
    ask, neither for a button that leads to the screen it is on nor for the second tap of a double tap."""
    user = resident()
    emulator.send_text(user, "/start", language_code="en")
    _, menu = await replies(emulator, user, 2)
    # A double tap: both presses carry the menu as it was, and the first one's edit comes before the second.
    taps = [emulator.press_button(user, menu.message_id, "offers:home", language_code="en") for _ in range(2)]
    emulator.send_text(user, "/help", language_code="en")  # a chat's updates are answered in order
    await replies(emulator, user, 3)
    topics = emulator.messages(user)[1]
    assert "Choose a topic" in topics.text and topics.edits == 1
    # A button that leads to the screen it is on, pressed on a message this process never edited.
    emulator.send_text(user, "/menu", language_code="en")
    fresh = (await replies(emulator, user, 4))[-1]
    again = emulator.press_button(user, fresh.message_id, "menu", language_code="en")
    emulator.send_text(user, "/help", language_code="en")
    await replies(emulator, user, 5)
    assert emulator.messages(user)[3].edits == 0
    await emulator.wait_until(lambda: {tap["callback_query"]["id"] for tap in [*taps, again]}
                              <= set(emulator.answered_callbacks))
    assert emulator.errors == []
