"""Telegram: python-telegram-bot as the transport only; every flow lives in the core and handlers.

Updates arrive through telegram_intake (confirmed to Telegram only once handled) and become
platform-neutral `Incoming` messages; replies become HTML messages with inline keyboards, stored
until sent (conversation/durable). A button press answers its callback at once, and the screen it leads to replaces the
pressed message when that is the newest one (or when the screen asks for it, as paging does),
so navigating does not flood the chat. Telegram's limits are kept by `AIORateLimiter`, which
also waits out 429s; network errors and 5xx answers are retried with backoff; a resident who
blocked the bot is marked unreachable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cachetools import LRUCache
from telegram import BotCommand, CallbackQuery, InputFile, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay, wait_exponential

from bot import serving
from bot.channels.telegram_intake import Intake, Poller, webhook_app
from bot.channels.telegram_render import Keyboard, TelegramMessage, render, shows
from bot.config import Settings
from bot.conversation.channel import Delivery
from bot.conversation.core import Conversation
from bot.conversation.messages import Incoming, Reply, parse_text
from bot.i18n import Translator

CHANNEL = "telegram"
log = logging.getLogger(__name__)
# Replies go out through Bot.do_api_request with ready JSON (see TelegramChannel._call); the library
# suggests its typed methods instead, which build an object per button and parse every answer back:
# measured in benchmarks/telegram_throughput.py, that costs a sixth of the bot's throughput.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.\w+' instead of",
                        category=PTBUserWarning)
UNSUPPORTED_KINDS = ("photo", "sticker", "voice", "audio", "video", "video_note", "document", "animation",
                     "contact", "poll", "venue", "dice")
# Updates handled at once. More only queue up on the event loop (and, on SQLite, behind its single
# connection): measured with benchmarks/telegram_throughput.py, 32 gave about 1.5 times the
# throughput of 256.
CONCURRENT_UPDATES = 32
MAX_CAPTION_LENGTH = 1024
SEND_PATIENCE_SECONDS = 90  # how long one reply is retried through flood limits, network trouble or 5xx answers
SHUTDOWN_GRACE_SECONDS = 10  # for updates in hand at a stop
CALLBACK_PATIENCE_SECONDS = 10  # a button press's spinner runs about 15 s; an acknowledgement after that is useless
EDITS_REMEMBERED = 10_000  # messages whose edited screen this process keeps in mind (see TelegramChannel._edited)
BACKOFF = wait_exponential(multiplier=0.2, max=10)
# Each 429 reaches the request that got it and is retried there (see paced_limiter); the limiter's
# own report of it, with a traceback, would only be noise.
logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
Result = TypeVar("Result")


def paced_limiter(rate: float) -> AIORateLimiter:  # type: ignore[type-arg]
    """Sends nearly evenly spaced, a little under `rate`.

    Telegram (and its emulation) count messages in a sliding second. A bucket of `burst` leaking
    at `pace` never puts more than burst + pace into any second, 3 % under the limit, yet catches
    up after a delay. A 429 that jitter still causes is retried by the request that got it
    (`max_retries=0` here): the limiter's own retry would pause *all* sending for a second.
    """
    burst = max(1, int(rate // 50))
    pace = 0.97 * rate - burst
    return AIORateLimiter(overall_max_rate=burst, overall_time_period=burst / pace, max_retries=0)


def _retry_after_seconds(error: RetryAfter) -> float:
    wait = error.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


def _transient(error: BaseException) -> bool:
    """Flood limits, network trouble, timeouts and 5xx answers are worth another try; refusals are not."""
    return isinstance(error, RetryAfter) or (isinstance(error, NetworkError) and not isinstance(error, BadRequest))


def _wait(state: RetryCallState) -> float:
    """Telegram's own retry_after for a 429; otherwise exponential backoff."""
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, RetryAfter):
        return _retry_after_seconds(error)
    return float(BACKOFF(state))


class PerChatOrder(BaseUpdateProcessor):
    """Updates of different chats run concurrently, those of one chat strictly in order."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramChannel:
    def __init__(self, conversation: Conversation, settings: Settings) -> None:
        if settings.telegram_token is None:
            raise ValueError("QB_TELEGRAM_TOKEN is not set")
        self.conversation = conversation
        self.settings = settings
        self._background: set[asyncio.Task[None]] = set()  # acknowledgements retried while the press is handled
        self._processing: set[asyncio.Task[None]] = set()
        # What this process last edited each message into: a second tap's update still carries the message as
        # it was before the first tap's edit (a chat's updates are handled one after the other).
        self._edited: LRUCache[tuple[int, int], TelegramMessage] = LRUCache(maxsize=EDITS_REMEMBERED)
        self.intake = Intake()
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .rate_limiter(paced_limiter(settings.telegram_max_rate))
            .concurrent_updates(PerChatOrder())
            .updater(None)  # updates come through telegram_intake, which confirms them only once handled
        )
        if settings.telegram_api_url:
            api = settings.telegram_api_url.rstrip("/")
            builder = builder.base_url(api).base_file_url(api.rsplit("/bot", 1)[0] + "/file/bot")
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set: long polling, or a webhook when QB_TELEGRAM_WEBHOOK_URL is set."""
        application = self.application
        # getMe, which the library's initialize() makes: retried like any call (a revoked token is not)
        await self._retrying(application.bot.initialize)
        async with application:
            await self.register_commands()
            await application.start()
            webhook = self.settings.telegram_webhook_url
            try:
                if webhook:
                    secret = self.settings.telegram_webhook_secret
                    assert secret is not None
                    await self._retrying(lambda: application.bot.set_webhook(
                        webhook, secret_token=secret.get_secret_value(), allowed_updates=Update.ALL_TYPES))
                    app = webhook_app(urlsplit(webhook).path, secret.get_secret_value(), application.bot,
                                      self.intake, self._process)
                    work = serving.serve(app, self.settings.telegram_webhook_listen, stop, "the webhook server")
                else:
                    await self._retrying(lambda: application.bot.delete_webhook(drop_pending_updates=False))
                    work = Poller(application.bot, self.intake, self._process).run(stop)
                log.info("Telegram channel is serving (%s)", "webhook" if webhook else "polling")
                await work
            finally:
                await self._finish_processing()
                await application.stop()

    async def _process(self, update: Update) -> None:
        """Handle an update as the library's own update fetcher would, in order within its chat; should the
        handler not get to it, the update still counts as handled (it must not hold up those after it)."""
        processor = self.application.update_processor
        task = asyncio.create_task(processor.process_update(update, self.application.process_update(update)))
        self._processing.add(task)
        task.add_done_callback(lambda done, update_id=update.update_id: self._processed(done, update_id))

    def _processed(self, task: asyncio.Task[None], update_id: int) -> None:
        self._processing.discard(task)
        self.intake.handled(update_id)

    async def _finish_processing(self) -> None:
        """Let updates in hand finish (their answers are stored; what is unsent goes out after a restart)."""
        if self._processing:
            _, late = await asyncio.wait(set(self._processing), timeout=SHUTDOWN_GRACE_SECONDS)
            for task in late:
                task.cancel()

    async def register_commands(self) -> None:
        """The command menu in every enabled language Telegram can tell apart, and a default."""
        descriptions = self.conversation.router.command_descriptions
        default = self.settings.default_language
        codes: dict[str | None, str] = {None: default}
        for code in self.settings.languages:
            if "@" not in code:  # Telegram knows no Leichte Sprache; German readers get German
                codes[code] = code
        for telegram_code, code in codes.items():
            translator = Translator.for_language(code, self.settings.zone)
            commands = [BotCommand(name, translator.gettext(text)[:256]) for name, text in descriptions.items()]
            await self._retrying(lambda commands=commands, language=telegram_code:  # type: ignore[misc]
                                 self.application.bot.set_my_commands(commands, language_code=language))

    def to_incoming(self, update: Update) -> Incoming | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or user.is_bot:
            return None
        # The update id makes a re-delivered update (a webhook not confirmed in time, polling after a crash)
        # the same message, answered once.
        base: dict[str, Any] = {"channel": CHANNEL, "user_id": str(user.id), "language_hint": user.language_code,
                                "private": chat.type == chat.PRIVATE, "event_id": f"u{update.update_id}"}
        if update.callback_query is not None:
            return Incoming(**base, payload=update.callback_query.data or "")
        if update.edited_message is not None:
            return Incoming(**base, unsupported="edited") if base["private"] else None
        message = update.message
        if message is None:
            return None
        if not base["private"] and not self._addressed(message):
            return None  # group chatter not meant for the bot
        if message.location is not None:
            return Incoming(**base, location=(message.location.latitude, message.location.longitude))
        if message.text is not None:
            incoming = parse_text(CHANNEL, base["user_id"], message.text, language_hint=user.language_code)
            return dataclasses.replace(incoming, private=base["private"], event_id=base["event_id"])
        kind = next((kind for kind in UNSUPPORTED_KINDS if getattr(message, kind, None)), "other")
        return Incoming(**base, unsupported=kind)

    def _addressed(self, message: Message) -> bool:
        text = message.text or ""
        username = self.application.bot.username
        replied_to_bot = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
            and message.reply_to_message.from_user.id == self.application.bot.id
        return text.startswith("/") or (bool(username) and f"@{username}" in text) or replied_to_bot

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            incoming = self.to_incoming(update)
            query = update.callback_query
            if query is not None:
                await self._acknowledge(query)
            if incoming is None or update.effective_chat is None:
                return
            answer = await self.conversation.answer(incoming)
        finally:
            self.intake.handled(update.update_id)  # its answer is stored: Telegram may forget the update
        if not answer.replies:
            return
        pressed = query.message if query is not None else None
        # Only a text message can become the next screen: a button under a calendar file or "my data" (a
        # document) leads to a new message.
        editable = pressed if isinstance(pressed, Message) and pressed.text is not None else None
        delivery = await self._send_all(update.effective_chat.id, answer.replies, pressed=editable,
                                        newest=answer.screen, patient=True)
        if delivery.outcome not in ("sent", "blocked"):
            log.warning("a reply to resident %s is not sent yet (%s); the outbox tries again",
                        await self.conversation.resident_number(CHANNEL, incoming.user_id), delivery.error[:200])
        await self.conversation.confirm(answer, delivery, CHANNEL, incoming.user_id)

    async def _acknowledge(self, query: CallbackQuery) -> None:
        """Stop the button's spinner first; the answer follows. An acknowledgement Telegram could not take
        now is tried again in the background while the press is handled, within its short lifetime."""
        try:
            await query.answer()
        except TelegramError as error:
            if not _transient(error):
                log.info("could not acknowledge a button press (%s)", type(error).__name__)
                return
            task = asyncio.create_task(self._acknowledge_again(query))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _acknowledge_again(self, query: CallbackQuery) -> None:
        try:
            await self._retrying(query.answer, patience=CALLBACK_PATIENCE_SECONDS)
        except TelegramError as error:
            log.info("gave up acknowledging a button press (%s)", type(error).__name__)

    async def _send_all(self, chat_id: int, replies: list[Reply], *, pressed: Message | None = None,
                        newest: str | None = None, patient: bool) -> Delivery:
        """Send replies in order; the first replaces the pressed message where that is the screen the resident
        sees. `patient`: retry each call through flood limits and network trouble (a live answer); otherwise
        one try, and the outbox dispatcher keeps the retries. The Delivery says how far it got."""
        sent, screen = 0, None
        try:
            for index, reply in enumerate(replies):
                if reply.attachment is not None:
                    screen = str(await self._send_file(chat_id, reply, patient))
                    sent += 1
                    continue
                messages = render(reply)
                editable = (index == 0 and pressed is not None and len(messages) == 1
                            and (reply.edit or newest == str(pressed.message_id)))
                for message in messages:
                    if editable and pressed is not None and await self._edit(chat_id, pressed, message, patient):
                        editable = False
                        continue
                    result = await self._attempt(patient, lambda message=message: self._call(  # type: ignore[misc]
                        "sendMessage", chat_id=chat_id, text=message.html, reply_markup=message.keyboard))
                    screen = str(result["message_id"])
                sent += 1
        except Forbidden as error:
            return Delivery("blocked", error=str(error), sent_replies=sent, screen=screen)
        except RetryAfter as error:
            return Delivery("retry", _retry_after_seconds(error), str(error), sent, screen)
        except BadRequest as error:
            return Delivery("failed", error=str(error), sent_replies=sent, screen=screen)
        except NetworkError as error:  # timeouts and 5xx answers too
            return Delivery("retry", error=f"{type(error).__name__}: {error}", sent_replies=sent, screen=screen)
        return Delivery("sent", sent_replies=sent, screen=screen)

    async def _send_file(self, chat_id: int, reply: Reply, patient: bool) -> int:
        """A reply with a file: the file with the text as its caption (and the reply's buttons)."""
        assert reply.attachment is not None
        message = render(dataclasses.replace(reply, text=reply.text[:MAX_CAPTION_LENGTH - len(reply.title) - 2]))[0]
        document = InputFile(reply.attachment.content, filename=reply.attachment.filename)
        sent = await self._attempt(patient, lambda: self._call("sendDocument", chat_id=chat_id, caption=message.html,
                                                               document=document, reply_markup=message.keyboard))
        return int(sent["message_id"])

    async def send_proactive(self, user_id: str, key: str, replies: list[Reply], address: str | None = None,
                             first: int = 0) -> Delivery:
        """One outbox message (or a stored answer a crash left unsent), tried once: the dispatcher keeps the
        retries, in the database. A private chat has the resident's own id, so `address` is not needed."""
        return await self._send_all(int(user_id), replies, patient=False)

    async def _edit(self, chat_id: int, pressed: Message, message: TelegramMessage, patient: bool) -> bool:
        """Replace the pressed message; False when it cannot be (then a new message is sent)."""
        key = (chat_id, pressed.message_id)
        markup = pressed.reply_markup.to_dict() if pressed.reply_markup is not None else None
        edited = self._edited.get(key)
        if edited == message or (edited is None and shows(pressed.text or "", markup, message)):
            return True  # a press that leads to the screen it was pressed on: Telegram would refuse the edit
        try:
            await self._attempt(patient, lambda: self._call("editMessageText", chat_id=chat_id,
                                                            message_id=pressed.message_id, text=message.html,
                                                            reply_markup=message.keyboard))
        except BadRequest as error:
            # "Not modified": the screen already is what the resident should see, e.g. when the first try of
            # this very edit went through but its answer was lost on the way back.
            if "not modified" in str(error).lower():
                self._edited[key] = message
                return True
            log.info("could not edit a message (%s); sending a new one", error)
            return False
        self._edited[key] = message
        return True

    async def _attempt(self, patient: bool, make_call: Callable[[], Awaitable[Result]]) -> Result:
        return await self._retrying(make_call) if patient else await make_call()

    async def _call(self, method: str, *, reply_markup: Keyboard | None, **arguments: Any) -> dict[str, Any]:
        """A Bot API call with the reply's own JSON (see telegram_render); limits, retries of 429s and
        error mapping are python-telegram-bot's as for any call."""
        arguments |= {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
        if reply_markup is not None:
            arguments["reply_markup"] = reply_markup
        result = await self.application.bot.do_api_request(method, api_kwargs=arguments)
        return result if isinstance(result, dict) else {}

    async def _retrying(self, make_call: Callable[[], Awaitable[Result]],
                        patience: float = SEND_PATIENCE_SECONDS) -> Result:
        """Retry transient failures of one API call with exponential backoff (429s: the rate limiter)."""
        async for attempt in AsyncRetrying(retry=retry_if_exception(_transient), reraise=True,
                                           stop=stop_after_delay(patience),
                                           wait=_wait):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    log.warning("retrying a Telegram call, attempt %s", attempt.retry_state.attempt_number)
                return await make_call()
        raise AssertionError("AsyncRetrying re-raises the last error")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        resident = await self.conversation.resident_number(CHANNEL, str(user.id)) if user is not None else None
        log.error("error while handling a Telegram update (resident %s)", resident, exc_info=context.error)

