"""The Bot API emulator (tests/support/telegram_emulator.py), driven by the real python-telegram-bot library as its
client."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.telegram_emulator import BotApiEmulator

TOKEN = "123456:TEST-token"
ALICE = 4711


async def stop_application(app: Application) -> None:  # type: ignore[type-arg]  # generic in six types
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.base_url, base_file_url=emulator.base_file_url) as bot:
        yield bot


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


async def raw_call(emulator: BotApiEmulator, method: str, *, token: str = TOKEN, http_method: str = "POST",
                   **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """A request without PTB, to check the wire format."""
    url = f"http://127.0.0.1:{emulator.port}/bot{token}/{method}"
    async with aiohttp.ClientSession() as session, session.request(http_method, url, **kwargs) as response:
        return response.status, await response.json()


async def test_get_me_via_initialize(emulator: BotApiEmulator, bot: Bot) -> None:
    assert bot.username == "QuartiersTestBot"
    assert bot.id == 123456
    assert bot.first_name == "Quartiersbot"
    assert emulator.calls[0][0] == "getMe"


async def test_wrong_token_and_unknown_method(emulator: BotApiEmulator, bot: Bot) -> None:
    status, body = await raw_call(emulator, "getMe", token="999:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(InvalidToken):
        await Bot("999:wrong", base_url=emulator.base_url).initialize()
    status, body = await raw_call(emulator, "sendPigeon", json={"chat_id": 1})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendPigeon", api_kwargs={"chat_id": 1})


async def test_json_body_and_get_query_are_accepted(emulator: BotApiEmulator) -> None:
    emulator.send_text(ALICE, "hallo")
    status, body = await raw_call(emulator, "sendMessage", json={"chat_id": ALICE, "text": "per JSON"})
    assert status == 200 and body["ok"] and body["result"]["text"] == "per JSON"
    status, body = await raw_call(emulator, "sendMessage", http_method="GET", params={"chat_id": str(ALICE),
                                                                                       "text": "123"})
    assert status == 200 and body["result"]["text"] == "123"  # a String parameter is never JSON-decoded
    status, body = await raw_call(emulator, "getMe", http_method="GET")
    assert body["result"]["username"] == "QuartiersTestBot" and body["result"]["is_bot"] is True
    assert [m.text for m in emulator.messages(ALICE)] == ["per JSON", "123"]


async def test_application_long_polling_echo(emulator: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_message.reply_text(update.effective_message.text.upper())

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(f"Willkommen ({update.effective_user.language_code}) {context.args}")

    app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).base_file_url(emulator.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    try:
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        first = emulator.send_text(ALICE, "hallo nachbarn")["update_id"]
        emulator.send_text(ALICE, "/start kiez", language_code="tr")
        messages = await emulator.wait_for_messages(ALICE, 2, timeout=3)
        assert [m.text for m in messages] == ["HALLO NACHBARN", "Willkommen (tr) ['kiez']"]
        # message ids are per chat and shared with the resident's messages: 1 hallo, 2 /start, then the replies
        assert sorted(m.message_id for m in messages) == [3, 4]
    finally:
        await stop_application(app)
    polls = [params for method, params in emulator.calls if method == "getUpdates"]
    assert polls[0]["timeout"] == 1 and polls[-1]["offset"] == first + 2  # the last call confirms both updates
    assert await raw_call(emulator, "getUpdates") == (200, {"ok": True, "result": []})


async def test_long_poll_wakes_at_once_and_times_out(emulator: BotApiEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=0) == ()
    task = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not task.done()
    sent = emulator.send_text(ALICE, "da bin ich")["update_id"]
    updates = await asyncio.wait_for(task, 1)
    assert [u.message.text for u in updates if u.message] == ["da bin ich"]
    assert loop.time() - started < 1
    status, body = await raw_call(emulator, "getUpdates", json={"offset": sent + 1, "timeout": 0.2})
    assert (status, body) == (200, {"ok": True, "result": []})
    assert loop.time() - started >= 0.3


async def test_offsets_confirm_updates(emulator: BotApiEmulator, bot: Bot) -> None:
    first = emulator.send_text(ALICE, "eins")["update_id"]
    second = emulator.send_text(ALICE, "zwei")["update_id"]
    assert first > 0 and second == first + 1  # a start of the server's choosing, then rising
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]  # not confirmed yet: delivered again
    assert [u.update_id for u in await bot.get_updates(offset=second, limit=5)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates are gone for good
    third = emulator.send_text(ALICE, "drei")
    assert [u.message.text for u in await bot.get_updates(offset=second + 1) if u.message] == ["drei"]
    assert third["message"]["message_id"] == 3


async def test_resident_updates_parse_in_ptb(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(-100, "in der Gruppe", chat_type="supergroup", chat_id=-1001, language_code=None)
    emulator.send_location(ALICE, 52.52, 13.40)
    kinds = ("photo", "sticker", "voice", "document", "video")
    media = {kind: emulator.send_media(ALICE, kind)["message"][kind] for kind in kinds}
    assert len({media["photo"][-1]["file_id"], *(media[kind]["file_id"] for kind in kinds[1:])}) == 5
    emulator.edit_text(ALICE, 1, "/hilfe bitte")
    updates = await bot.get_updates()
    group = updates[0].message
    assert group is not None and group.chat.type == "supergroup" and group.from_user is not None
    assert group.from_user.language_code is None and group.chat.id == -1001
    location = updates[1].message
    assert location is not None and location.location is not None and location.location.latitude == 52.52
    photo, sticker, voice, document, video = (u.message for u in updates[2:7])
    assert photo is not None and len(photo.photo) == 2 and photo.photo[-1].width == 800
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.type == "regular"
    assert voice is not None and voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert document is not None and document.document is not None and document.document.file_name == "scan.pdf"
    assert video is not None and video.video is not None and video.video.mime_type == "video/mp4"
    edited = updates[7].edited_message
    assert edited is not None and edited.text == "/hilfe bitte" and edited.edit_date is not None
    assert edited.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    with pytest.raises(ValueError, match="unknown media kind"):
        emulator.send_media(ALICE, "hologram")


async def test_send_message_html_and_stored_state(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    html = '  <b>Sprechstunde</b> &amp; <a href="https://horst.example/?a=1&amp;b=2">Café</a> &lt;3 &#128075;\n'
    message = await bot.send_message(ALICE, html, parse_mode=ParseMode.HTML,
                                     reply_markup=keyboard(InlineKeyboardButton("Ja", callback_data="yes")))
    assert message.text == "Sprechstunde & Café <3 👋" and message.message_id == 2
    assert [(e.type, e.offset, e.length, e.url) for e in message.entities] == [
        ("bold", 0, 12, None), ("text_link", 15, 4, "https://horst.example/?a=1&b=2")]
    (stored,) = emulator.messages(ALICE)
    assert (stored.text, stored.html, stored.parse_mode, stored.edits) == (message.text, html, "HTML", 0)
    assert stored.reply_markup == {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    assert stored.chat_id == ALICE and stored.document is None and abs(stored.date - message.date.timestamp()) < 1
    plain = await bot.send_message(ALICE, "<b>kein HTML</b> & so")
    assert plain.text == "<b>kein HTML</b> & so" and emulator.messages(ALICE)[-1].parse_mode is None


async def test_send_message_errors(emulator: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(ALICE, "niemand da")
    emulator.send_text(ALICE, "hallo")
    await bot.send_message(ALICE, "x" * 4096)
    await bot.send_message(ALICE, "&lt;" * 4096, parse_mode=ParseMode.HTML)  # the limit counts parsed text
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    for text in ("", "   ", "<b> </b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(ALICE, text, parse_mode=ParseMode.HTML)
    for broken in ("<b>fett", "<foo>x</foo>", "<b>x</i>", "a < b", "Tom & Jerry", "</b>", "<span>x</span>"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as error:
            await bot.send_message(ALICE, broken, parse_mode=ParseMode.HTML)
        assert emulator.calls[-1][1]["text"] == broken, error.value
    for data in ("", "ä" * 33):
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(ALICE, "Knopf", reply_markup=keyboard(InlineKeyboardButton("K", callback_data=data)))
    await bot.send_message(ALICE, "64 Bytes", reply_markup=keyboard(InlineKeyboardButton("K", callback_data="ä" * 32)))
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(ALICE, "Knopf", reply_markup=keyboard(InlineKeyboardButton("nur Text")))
    status, body = await raw_call(emulator, "sendMessage", json={
        "chat_id": ALICE, "text": "x", "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]}})
    assert status == 400 and body["description"] == "Bad Request: text buttons are unallowed in the inline keyboard"
    assert len(emulator.messages(ALICE)) == 3  # none of the failed calls was delivered


async def test_edit_message_text_and_markup(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    buttons = keyboard(InlineKeyboardButton("A", callback_data="a"))
    sent = await bot.send_message(ALICE, "<i>Frage</i>", parse_mode=ParseMode.HTML, reply_markup=buttons)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<i>Frage</i>", ALICE, sent.message_id, parse_mode=ParseMode.HTML,
                                    reply_markup=buttons)
    edited = await bot.edit_message_text("<i>Frage</i>", ALICE, sent.message_id, parse_mode=ParseMode.HTML)
    assert isinstance(edited, Message) and edited.reply_markup is None  # no markup: the keyboard is gone
    edited = await bot.edit_message_text("Antwort", ALICE, sent.message_id, reply_markup=buttons)
    assert isinstance(edited, Message) and edited.text == "Antwort" and edited.edit_date is not None
    (stored,) = emulator.messages(ALICE)
    assert (stored.text, stored.html, stored.parse_mode, stored.edits) == ("Antwort", "Antwort", None, 2)
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=None)
    assert emulator.messages(ALICE)[0].reply_markup is None and emulator.messages(ALICE)[0].edits == 3
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("weg", ALICE, 99)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.edit_message_text("<b>kaputt", ALICE, sent.message_id, parse_mode=ParseMode.HTML)


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")  # int now, timedelta in PTB 23
async def test_flood_surfaces_as_retry_after(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    emulator.flood(2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as error:
            await bot.send_message(ALICE, "zu schnell")
        assert error.value.retry_after in (1, dt.timedelta(seconds=1))
    assert len([method for method, _ in emulator.calls if method == "sendMessage"]) == 2
    assert emulator.messages(ALICE) == []  # the 429s were not delivered
    await bot.send_message(ALICE, "jetzt")
    assert [m.text for m in emulator.messages(ALICE)] == ["jetzt"]
    emulator.flood(1, retry_after=7)
    status, body = await raw_call(emulator, "editMessageText", json={"chat_id": ALICE, "message_id": 2, "text": "x"})
    assert (status, body) == (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                    "parameters": {"retry_after": 7}})


async def test_blocked_user_surfaces_as_forbidden(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    emulator.send_text(42, "hallo")
    emulator.block(ALICE)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(ALICE, "hallo?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(ALICE, "typing")
    assert await bot.send_chat_action(42, "typing") is True
    assert (await bot.send_message(42, "hallo")).text == "hallo" and emulator.messages(ALICE) == []


async def test_fail_surfaces_as_network_error(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    emulator.fail(1)
    with pytest.raises(NetworkError, match="Bad Gateway") as error:
        await bot.send_message(ALICE, "gateway?")
    assert not isinstance(error.value, BadRequest)
    emulator.fail(1, status=503)
    status, body = await raw_call(emulator, "sendMessage", json={"chat_id": ALICE, "text": "x"})
    assert status == 503 and body["error_code"] == 503 and not body["ok"]
    assert emulator.messages(ALICE) == []
    await bot.send_message(ALICE, "wieder da")
    assert len(emulator.messages(ALICE)) == 1


async def test_callback_query_through_application(emulator: BotApiEmulator) -> None:
    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer(f"gewählt: {query.data}")
        await query.edit_message_text(f"Du hast {query.data} gewählt")

    greeting = emulator.send_text(ALICE, "hallo")["update_id"]
    app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).base_file_url(emulator.base_file_url).build()
    app.add_handler(CallbackQueryHandler(on_button))
    await app.initialize()
    try:
        await app.bot.send_message(ALICE, "Welche Farbe?", reply_markup=keyboard(
            InlineKeyboardButton("Rot", callback_data="rot"), InlineKeyboardButton("Blau", callback_data="blau")))
        await app.bot.get_updates(offset=greeting + 1)  # confirm the greeting, only the button press should arrive
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        update = emulator.press_button(ALICE, 2, "blau")
        query_id = update["callback_query"]["id"]
        assert update["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][1]["text"] == "Blau"
        await emulator.wait_until(lambda: emulator.messages(ALICE)[0].edits == 1, timeout=3)
    finally:
        await stop_application(app)
    assert emulator.answered_callbacks[query_id]["text"] == "gewählt: blau"
    assert emulator.messages(ALICE)[0].text == "Du hast blau gewählt"
    async with Bot(TOKEN, base_url=emulator.base_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)  # answered twice
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query("12345")
    with pytest.raises(LookupError):
        emulator.press_button(ALICE, 99, "x")


async def test_commands_per_language(emulator: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("hilfe", "Hilfe")])
    await bot.set_my_commands([("start", "Start"), ("help", "Help")], language_code="en")
    await bot.set_my_commands([BotCommand("baslat", "Başlat")], language_code="tr")
    assert emulator.commands[None] == [{"command": "start", "description": "Start"},
                                       {"command": "hilfe", "description": "Hilfe"}]
    assert [c["command"] for c in emulator.commands["en"]] == ["start", "help"]
    assert emulator.commands["tr"] == [{"command": "baslat", "description": "Başlat"}]
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start", "help"]
    assert await bot.delete_my_commands(language_code="tr") is True
    assert "tr" not in emulator.commands and await bot.get_my_commands(language_code="tr") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start!", "ungültig")])
    assert await bot.set_chat_menu_button() is True


async def test_webhook_blocks_get_updates_and_is_delivered(emulator: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[dict, str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="geheim", max_connections=5, allowed_updates=["message"])
        assert emulator.webhook is not None and emulator.webhook["url"] == url
        assert emulator.webhook["secret_token"] == "geheim" and emulator.webhook["allowed_updates"] == ["message"]
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        update = emulator.send_text(ALICE, "per Webhook")
        assert await emulator.deliver_webhook(update, "geheim") == 200
        assert await emulator.deliver_webhook(update, None) == 200
        assert received == [(json.loads(json.dumps(update)), "geheim"), (json.loads(json.dumps(update)), None)]
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert emulator.webhook is None and await bot.get_updates() == ()
        await bot.set_webhook(url)
        assert await bot.set_webhook("") and emulator.webhook is None  # an empty url deletes
    finally:
        await runner.cleanup()


async def test_send_document_with_bytes(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "Termin?")
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    message = await bot.send_document(ALICE, ics, filename="termin.ics", caption="<b>Dein</b> Termin",
                                      parse_mode=ParseMode.HTML)
    assert message.document is not None and message.document.file_name == "termin.ics"
    assert message.caption == "Dein Termin" and message.caption_entities[0].type == "bold"
    (stored,) = emulator.messages(ALICE)
    assert stored.document is not None and stored.document["content"] == ics
    assert stored.document["file_name"] == "termin.ics" and stored.text == "Dein Termin"
    again = await bot.send_document(ALICE, ics, filename="leer.ics")
    assert again.caption is None and emulator.messages(ALICE)[-1].text == ""
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("x", ALICE, message.message_id)


async def test_wait_for_messages_reports_what_was_there(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_text(ALICE, "hallo")
    await bot.send_message(ALICE, "eine")
    with pytest.raises(AssertionError, match=r"2 bot messages in chat 4711; there: \['eine'\]"):
        await emulator.wait_for_messages(ALICE, 2, timeout=0.1)
    task = asyncio.create_task(emulator.wait_for_messages(ALICE, 2, timeout=1))
    await asyncio.sleep(0.05)
    await bot.send_message(ALICE, "zwei")
    assert [m.text for m in await task] == ["eine", "zwei"]


class FakeClock:
    """Replaces the emulator's monotonic clock, so that window tests neither sleep nor depend on machine speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limit_overall(emulator: BotApiEmulator) -> None:
    emulator.monotonic = clock = FakeClock()
    emulator.limit_rate(overall_per_second=5, per_chat_per_second=None)
    for chat in range(1, 9):
        emulator.known_chat(chat)
    answers = [await raw_call(emulator, "sendMessage", json={"chat_id": chat, "text": "Rundbrief"})
               for chat in range(1, 9)]
    assert [status for status, _ in answers] == [200] * 5 + [429] * 3
    for _, body in answers[5:]:
        assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}}
    assert emulator.rate_limited == 3 and emulator.sent_count() == 5
    assert emulator.accepted_sends == [(clock.now, chat) for chat in range(1, 6)]
    clock.now += 0.6  # still inside the window: the refused calls did not count, so the wait is 0.4 s, i.e. 1
    status, body = await raw_call(emulator, "sendMessage", json={"chat_id": 6, "text": "noch mal"})
    assert status == 429 and body["parameters"]["retry_after"] >= 1 and emulator.rate_limited == 4


async def test_rate_limit_per_chat(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.monotonic = FakeClock()
    emulator.limit_rate(overall_per_second=None, per_chat_per_second=1)
    emulator.known_chat(ALICE)
    emulator.known_chat(42)
    await bot.send_message(ALICE, "eins")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "zwei")
    with pytest.raises(RetryAfter):  # a document counts as well
        await bot.send_document(ALICE, b"x", filename="x.txt")
    assert (await bot.send_message(42, "andere Tür")).text == "andere Tür"
    status, body = await raw_call(emulator, "editMessageText", json={"chat_id": 42, "message_id": 1, "text": "neu"})
    assert status == 429 and body["parameters"] == {"retry_after": 1}  # a text edit is a send in its chat
    assert [m.text for m in emulator.messages(ALICE)] == ["eins"] and emulator.rate_limited == 3
    assert [chat for _, chat in emulator.accepted_sends] == [ALICE, 42]


async def test_rate_limit_window_slides_and_switches_off(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.monotonic = clock = FakeClock()
    emulator.limit_rate(overall_per_second=2, per_chat_per_second=1)
    emulator.known_chat(ALICE)
    emulator.known_chat(42)
    await bot.send_message(ALICE, "eins")
    clock.now += 0.5
    await bot.send_message(42, "zwei")
    clock.now += 0.25
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "zu früh")
    clock.now += 0.25  # "eins" has left the window, "zwei" has not
    await bot.send_message(ALICE, "drei")
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "zu früh")
    clock.now += 1.0
    await bot.send_message(42, "vier")
    emulator.limit_rate(None, None)
    for number in range(5):
        await bot.send_message(ALICE, f"frei {number}")
    assert emulator.rate_limited == 2 and emulator.sent_count() == 9
    assert [chat for _, chat in emulator.accepted_sends] == [ALICE, 42, ALICE, 42] + [ALICE] * 5
    with pytest.raises(ValueError, match="at least 1"):
        emulator.limit_rate(overall_per_second=0.5)


async def test_flood_injection_is_not_counted_as_rate_limited(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.known_chat(ALICE)
    emulator.flood(1)
    with pytest.raises(RetryAfter):
        await bot.send_document(ALICE, b"x", filename="x.txt")  # injections apply to sendDocument, too
    assert emulator.rate_limited == 0 and emulator.accepted_sends == []


async def test_known_chat_allows_sending_without_an_update(emulator: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(ALICE, "niemand da")
    emulator.known_chat(ALICE, language_code="tr")
    emulator.known_chat(ALICE)  # a second call changes nothing
    message = await bot.send_message(ALICE, "Merhaba")
    assert message.message_id == 1 and message.chat.type == "private" and message.chat.first_name == f"Bewohner{ALICE}"
    assert await bot.get_updates() == () and [m.text for m in emulator.messages(ALICE)] == ["Merhaba"]
    update = emulator.send_text(ALICE, "hallo")  # the resident's message continues the chat's message ids
    assert emulator.sent_count() == 1 and update["message"]["message_id"] == 2
