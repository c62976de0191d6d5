"""Loopback Telegram Bot API for tests: an aiohttp server on 127.0.0.1, reached via PTB's base_url. Tests play the
residents (send_text, press_button ...) and check the bot's messages; errors use Telegram's exact wording."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import math
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
# Parameters of type String: PTB sends them raw, every other value JSON-encoded ("123", "true", "[...]").
STRING_PARAMS = frozenset({"text", "caption", "parse_mode", "callback_query_id", "url", "secret_token",
                           "language_code", "filename", "action", "inline_message_id", "ip_address", "file_id"})
TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
        "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "a": "text_link",
        "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote"}
PLAIN_RUN = re.compile(r"[^<&]+")
HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
START_TAG = re.compile(r"""<([^\s>]*)((?:\s+[\w-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']*))?)*)\s*>""")
ATTRIBUTE = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']*)))?""")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


DROP = "drop"  # a fault for inject(): the call is done, its answer lost


class ApiError(Exception):
    """An error answer; `injected`: a fault a test asked for, not a mistake of the bot's."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None, injected: bool = False) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters, self.injected = status, description, parameters, injected


@dataclass
class SentMessage:
    """A bot message in its current state; ``document``: file_name, mime_type, file_id, content (bytes)."""
    message_id: int
    chat_id: int
    text: str
    html: str
    parse_mode: str | None
    reply_markup: JSON | None
    edits: int
    date: int
    document: JSON | None = None
    entities: list[JSON] = field(default_factory=list)
    edit_date: int | None = None
    sent_at: float = field(default_factory=time.perf_counter)  # for latency measurements


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: plain text and entities (UTF-16 offsets), or a 400 worded like Telegram's."""

    def fail(reason: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {reason}")

    out: list[str] = []
    stack: list[tuple[str, int, JSON]] = []  # open tag, its start in the output, its attributes
    entities: list[JSON] = []
    i = position = 0  # index into source; UTF-16 length of the output so far
    while i < len(source):
        offset, char = len(source[:i].encode()), source[i]
        if plain := PLAIN_RUN.match(source, i):
            char, i = plain.group(), plain.end()
        elif char == "&":
            if (match := HTML_ENTITY.match(source, i)) is None:
                raise fail(f"Unsupported HTML entity at byte offset {offset}")
            name, i = match.group(1), match.end()
            char = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name) or chr(
                int(name[2:], 16) if name.startswith("#x") else int(name[1:]))
        elif source.startswith("</", i):
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {offset}")
            tag, start, attrs = stack.pop()
            if (end := source.find(">", i)) == -1:
                raise fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
            if (name := source[i + 2:end].strip().lower()) and name != tag:
                raise fail(f'Unmatched end tag at byte offset {offset}, expected "</{tag}>", found "</{name}>"')
            i = end + 1
            entity: JSON = {"type": TAGS[tag], "offset": start, "length": position - start}
            if entity["length"] > 0 and (tag != "a" or attrs.get("href")):
                entities.append(entity | ({"url": attrs["href"]} if tag == "a" else {}))
            char = ""
        else:
            if (name := re.split(r"[\s>]", source[i + 1:], maxsplit=1)[0].lower()) not in TAGS:
                raise fail(f'Unsupported start tag "{name}" at byte offset {offset}')
            if (match := START_TAG.match(source, i)) is None:
                raise fail(f"Unclosed start tag at byte offset {offset}")
            attrs = {m[0].lower(): parse_html(m[1] or m[2] or m[3])[0] for m in ATTRIBUTE.findall(match.group(2))}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
            stack.append((name, position, attrs))
            char, i = "", match.end()
        out.append(char)
        position += utf16_len(char)
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram trims leading and trailing whitespace; entities are shifted and clipped accordingly."""
    stripped, shift = text.strip(), utf16_len(text[: len(text) - len(text.lstrip())])
    spans = [(e, max(e["offset"] - shift, 0), min(e["offset"] + e["length"] - shift, utf16_len(stripped)))
             for e in entities]
    return stripped, [e | {"offset": start, "length": end - start} for e, start, end in spans if end > start]


async def read_params(request: web.Request) -> JSON:
    """Query string plus body: JSON, url-encoded or multipart (a file becomes a dict with its bytes)."""
    params: JSON = dict(request.query)
    if request.content_type == "application/json":
        return params | await request.json()
    for key, value in (await request.post()).items():
        params[key] = {"filename": value.filename, "content_type": value.content_type,
                       "content": value.file.read()} if isinstance(value, web.FileField) else value
    for key, value in params.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def resident_user(user_id: int, language_code: str | None) -> JSON:
    language = {} if language_code is None else {"language_code": language_code}
    return {"id": user_id, "is_bot": False, "first_name": f"Bewohner{user_id}"} | language


def text_content(text: str) -> JSON:
    command = {"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0]) if text else 0}
    return {"text": text} | ({"entities": [command]} if text.startswith("/") else {})


def check_markup(params: JSON) -> JSON | None:
    if (markup := params.get("reply_markup")) is None:
        return None
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text") or len(button) < 2:
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        if (data := button.get("callback_data")) is not None and not 0 < len(str(data).encode()) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def parse_text(raw: str, params: JSON, limit: int = 4096) -> tuple[str, list[JSON]]:
    """Text after the parse mode; the limits count characters after entity parsing, as Telegram does."""
    mode = params.get("parse_mode")
    if isinstance(mode, str) and mode.lower() == "html":
        plain, entities = strip_text(*parse_html(raw))
    else:
        plain, entities = strip_text(raw, params.get("entities") or params.get("caption_entities") or [])
    if not plain and limit == 4096:
        raise ApiError(400, "Bad Request: message text is empty")
    if len(plain) > limit:
        raise ApiError(400, f"Bad Request: message {'is' if limit == 4096 else 'caption is'} too long")
    return plain, entities


class BotApiEmulator:
    """The Bot API for one token; all state lives in this object, on the test's event loop."""

    def __init__(self, token: str = "123456:TEST-token", bot_username: str = "QuartiersTestBot") -> None:
        self.token, self.port = token, 0
        self.bot_user: JSON = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Quartiersbot",
                               "username": bot_username}
        self.calls: list[tuple[str, JSON]] = []
        self.answered_callbacks: dict[str, JSON] = {}
        self.commands: dict[str | None, list[JSON]] = {}
        self.webhook: JSON | None = None
        self._updates: list[JSON] = []  # pending, i.e. not yet confirmed by an offset
        # Update ids "start from a certain positive number" (the Bot API's words) and rise: a random start,
        # so that tests sharing a database do not send the same ids (the bot answers an update id once).
        self._update_ids = itertools.count(random.randint(1, 2**30))
        self._ids = itertools.count(1)  # files, callback queries
        self._chats: dict[int, JSON] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._sent: dict[int, list[SentMessage]] = {}
        self._resident_messages: dict[tuple[int, int], JSON] = {}
        self._callbacks: dict[str, JSON] = {}
        self._blocked: set[int] = set()
        self._injected: list[ApiError] = []  # flood(), fail(): for the next sendMessage/-Document/editMessageText
        self._faults: dict[str, list[ApiError | str]] = {}  # inject(): per method, for its next calls
        # Every error answer that no test injected: (method, status, description); a well-behaved bot causes none
        # but the ones its residents cause (a message to edit that is gone, a callback answered too late).
        self.errors: list[tuple[str, int, str]] = []
        self.dropped = 0  # calls processed whose answer inject(..., DROP) never sent
        self._sent_total = 0  # kept alongside _sent, so that sent_count() stays O(1) with thousands of chats
        self.monotonic: Callable[[], float] = time.monotonic  # the rate limit's clock; tests may replace it
        self.rate_limited = 0  # 429 answers of limit_rate(), not of flood()
        self.accepted_sends: list[tuple[float, int]] = []  # (monotonic(), chat_id) of accepted sends and text edits
        self._overall_limit: float | None = None
        self._chat_limit: float | None = None
        self._overall_window: deque[float] = deque()  # monotonic() of the accepted sends of the last second
        self._chat_windows: dict[int, deque[float]] = {}
        self._changed = asyncio.Event()  # replaced after every set(): each waiter wakes once per change
        self._closing = False
        self._runner: web.AppRunner | None = None
        handlers: dict[str, Callable[[JSON], Any]] = {
            "getMe": lambda p: {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                                "supports_inline_queries": False},
            "getUpdates": self._get_updates, "sendMessage": self._send_message, "sendDocument": self._send_document,
            "setWebhook": self._set_webhook, "deleteWebhook": lambda p: self._set_webhook({**p, "url": ""}),
            "editMessageText": lambda p: self._edit(p, True), "editMessageReplyMarkup": lambda p: self._edit(p, False),
            "answerCallbackQuery": self._answer_callback_query, "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p: self.commands.get(p.get("language_code") or None, []),
            "deleteMyCommands": lambda p: bool(self.commands.pop(p.get("language_code") or None, True)),
            "setChatMenuButton": lambda p: True, "sendChatAction": lambda p: self._target_chat(p) is not None,
        }
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self, port: int = 0) -> None:
        app, self._closing = web.Application(), False
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True  # ends waiting getUpdates calls, so that the shutdown does not wait for them
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await read_params(request)
        name, handler = self._handlers.get(request.match_info["method"].lower(), (request.match_info["method"], None))
        self.calls.append((name, params))
        self._notify()
        faults = self._faults.get(name)
        fault = faults.pop(0) if faults else None
        if isinstance(fault, ApiError):
            return self._error_response(fault)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
            result = await result if inspect.isawaitable(result) else result
        except ApiError as error:
            if not error.injected:
                self.errors.append((name, error.status, error.description))
            return self._error_response(error)
        if fault == DROP and request.transport is not None:
            # Telegram did it, but the answer never arrives: the connection breaks first.
            self.dropped += 1
            request.transport.abort()
            raise asyncio.CancelledError
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error_response(error: ApiError) -> web.Response:
        body = {"ok": False, "error_code": error.status, "description": error.description}
        return web.json_response(body | {"parameters": error.parameters} if error.parameters else body,
                                 status=error.status)

    def inject(self, method: str, fault: int | str = 502, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` (as the Bot API names it) fail: with a 429 asking to wait
        `retry_after` seconds, with another HTTP status (then Telegram did nothing), or with DROP: Telegram
        does what was asked and the connection breaks before the answer."""
        if method.lower() not in self._handlers:
            raise ValueError(f"unknown method {method!r}")
        name = self._handlers[method.lower()][0]
        if fault == DROP:
            made: ApiError | str = DROP
        elif fault == 429:
            made = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after},
                            injected=True)
        elif isinstance(fault, int):
            made = ApiError(fault, HTTPStatus(fault).phrase, injected=True)
        else:
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.setdefault(name, []).extend([made] * count)

    def faults_left(self) -> int:
        return sum(len(faults) for faults in self._faults.values())

    def _enqueue(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._notify()
        return update

    def _ensure_chat(self, chat_id: int, chat_type: str = "private") -> None:
        """A chat exists for the Bot API once someone wrote in it; message ids are per chat, shared by both sides."""
        if chat_id not in self._chats:
            name = {"first_name": f"Bewohner{chat_id}"} if chat_type == "private" else {"title": f"Chat {chat_id}"}
            self._chats[chat_id] = {"id": chat_id, "type": chat_type, **name}
            self._message_ids[chat_id], self._sent[chat_id] = itertools.count(1), []

    def _resident_message(self, user_id: int, language_code: str | None, content: JSON,
                          chat_type: str = "private", chat_id: int | None = None) -> JSON:
        chat_id = user_id if chat_id is None else chat_id
        self._ensure_chat(chat_id, chat_type)
        message = {"message_id": next(self._message_ids[chat_id]), "from": resident_user(user_id, language_code),
                   "chat": self._chats[chat_id], "date": int(time.time()), **content}
        self._resident_messages[(chat_id, message["message_id"])] = message
        return self._enqueue("message", message)

    def send_text(self, user_id: int, text: str, *, language_code: str | None = "de", chat_type: str = "private",
                  chat_id: int | None = None) -> JSON:
        return self._resident_message(user_id, language_code, text_content(text), chat_type, chat_id)

    def press_button(self, user_id: int, message_id: int, callback_data: str, *,
                     language_code: str | None = "de") -> JSON:
        if (sent := next((m for m in self.messages(user_id) if m.message_id == message_id), None)) is None:
            raise LookupError(f"no bot message {message_id} in chat {user_id}: {self.messages(user_id)}")
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self._callbacks[query_id] = {"id": query_id, "from": resident_user(user_id, language_code),
                                     "message": self._message_json(sent), "chat_instance": f"-{user_id}42",
                                     "data": callback_data}
        return self._enqueue("callback_query", self._callbacks[query_id])

    def send_location(self, user_id: int, latitude: float, longitude: float, *,
                      language_code: str | None = "de") -> JSON:
        location = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._resident_message(user_id, language_code, location)

    def send_media(self, user_id: int, kind: str, *, language_code: str | None = "de") -> JSON:
        def file(size: int, **extra: Any) -> JSON:
            number = next(self._ids)
            return {"file_id": f"{kind.upper()}{number}-emu", "file_unique_id": f"u{number}", "file_size": size} | extra

        media: dict[str, Callable[[], Any]] = {
            "photo": lambda: [file(1200, width=90, height=60), file(48000, width=800, height=533)],
            "sticker": lambda: file(9000, width=512, height=512, type="regular", is_animated=False, is_video=False),
            "voice": lambda: file(6000, duration=3, mime_type="audio/ogg"),
            "document": lambda: file(20000, file_name="scan.pdf", mime_type="application/pdf"),
            "video": lambda: file(150000, width=640, height=360, duration=5, mime_type="video/mp4"),
        }
        if kind not in media:
            raise ValueError(f"unknown media kind {kind!r}; use one of {sorted(media)}")
        return self._resident_message(user_id, language_code, {kind: media[kind]()})

    def edit_text(self, user_id: int, message_id: int, text: str) -> JSON:
        old = {k: v for k, v in self._resident_messages[(user_id, message_id)].items() if k != "entities"}
        message = self._resident_messages[(user_id, message_id)] = old | text_content(text) | {
            "edit_date": int(time.time())}
        return self._enqueue("edited_message", message)

    def known_chat(self, user_id: int, language_code: str | None = "de") -> None:
        """A private chat as if the user had written before, without an update: benchmarks can send to thousands of
        residents without the bot first handling their messages. ``language_code`` has no effect, since Telegram's
        chat objects carry no language; it is accepted so that calls can mirror ``send_text``."""
        del language_code
        self._ensure_chat(user_id)

    def limit_rate(self, overall_per_second: float | None = 30, per_chat_per_second: float | None = 1) -> None:
        """Telegram's flood limits for sendMessage, sendDocument and editMessageText: a call that would make more
        than the given number of accepted calls within the last second (overall, or in its chat) gets a 429 with
        ``retry_after`` as Telegram words it. ``None`` switches that part off; windows only count the accepted calls
        made while their part was on."""
        for limit in (overall_per_second, per_chat_per_second):
            if limit is not None and limit < 1:
                raise ValueError(f"a one-second window admits no call at {limit} per second; use at least 1")
        self._overall_limit, self._chat_limit = overall_per_second, per_chat_per_second
        if overall_per_second is None:
            self._overall_window.clear()
        if per_chat_per_second is None:
            self._chat_windows.clear()

    def sent_count(self) -> int:
        """All bot messages stored across chats, for benchmarks that wait for thousands of replies."""
        return self._sent_total

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def flood(self, count: int, retry_after: int = 1) -> None:
        error = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after},
                         injected=True)
        self._injected.extend([error] * count)

    def fail(self, count: int, status: int = 502) -> None:
        self._injected.extend([ApiError(status, HTTPStatus(status).phrase, injected=True)] * count)

    def messages(self, chat_id: int) -> list[SentMessage]:
        return list(self._sent.get(chat_id, []))

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[SentMessage]:  # noqa: ASYNC109
        await self.wait_until(lambda: len(self.messages(chat_id)) >= count, timeout, lambda: (
            f"{count} bot messages in chat {chat_id}; there: {[m.text for m in self.messages(chat_id)]}"))
        return self.messages(chat_id)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0,  # noqa: ASYNC109
                         describe: Callable[[], str] = lambda: "condition") -> None:
        """Re-checks on every emulator change, and every 50 ms for state outside the emulator (a database)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if (remaining := deadline - asyncio.get_running_loop().time()) <= 0:
                raise AssertionError(f"timeout after {timeout}s waiting for {describe()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    async def deliver_webhook(self, update: JSON, secret_token: str | None) -> int:
        assert self.webhook is not None, "no webhook set"
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        async with aiohttp.ClientSession() as session, session.post(self.webhook["url"], json=update,
                                                                    headers=headers) as response:
            return response.status

    def _message_json(self, sent: SentMessage) -> JSON:
        message: JSON = {"message_id": sent.message_id, "date": sent.date, "chat": self._chats[sent.chat_id],
                         "from": self.bot_user}
        text_key, entities_key = ("caption", "caption_entities") if sent.document else ("text", "entities")
        message |= {"document": {k: v for k, v in sent.document.items() if k != "content"}} if sent.document else {}
        message |= {text_key: sent.text} if sent.text or not sent.document else {}
        message |= {entities_key: sent.entities} if sent.entities else {}
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = {"inline_keyboard": sent.reply_markup["inline_keyboard"]}
        return message | ({"edit_date": sent.edit_date} if sent.edit_date is not None else {})

    def _target_chat(self, params: JSON, limited: bool = False) -> int:
        """The chat of a send/edit call, after the injected 429s and failures and, once the chat is known, the rate
        limit (``limited`` methods only)."""
        if limited and self._injected:
            raise self._injected.pop(0)
        chat_id = int(c) if isinstance(c := params.get("chat_id"), str) and re.fullmatch(r"-?\d+", c) else c
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if limited:
            self._check_rate(chat_id)
        return chat_id

    def _check_rate(self, chat_id: int) -> None:
        """Raises Telegram's 429 if one more call would overfill a one-second window; the wait is until enough of the
        oldest calls have left the window for this one to fit."""
        now, wait = self.monotonic(), 0.0
        chat_window = self._chat_windows.get(chat_id) if self._chat_limit is not None else None
        for window, limit in ((self._overall_window, self._overall_limit), (chat_window, self._chat_limit)):
            if window is None or limit is None:
                continue
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) + 1 > limit:  # the oldest calls that must leave; `limit` >= 1 leaves index >= 0
                wait = max(wait, window[len(window) - math.floor(limit)] + 1.0 - now)
        if chat_window is not None and not chat_window:
            del self._chat_windows[chat_id]  # keeps the dict as small as the set of chats of the last second
        if wait > 0:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(wait - 1e-9))  # 1e-9: float noise must not turn 1 s into 2
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _accept(self, chat_id: int) -> None:
        """Counts a delivered send or text edit: only accepted calls fill the windows, as a 429 delivers nothing."""
        now = self.monotonic()
        self.accepted_sends.append((now, chat_id))
        if self._overall_limit is not None:
            self._overall_window.append(now)
        if self._chat_limit is not None:
            self._chat_windows.setdefault(chat_id, deque()).append(now)

    def _edit(self, params: JSON, text: bool) -> JSON:
        """editMessageText/-ReplyMarkup; a missing reply_markup removes the keyboard, as in Telegram."""
        chat_id, message_id = self._target_chat(params, limited=text), params.get("message_id")
        if (sent := next((m for m in self._sent[chat_id] if m.message_id == message_id), None)) is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if text and sent.document is not None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = check_markup(params)
        raw = str(params.get("text") or "")
        new_text, entities = parse_text(raw, params) if text else (sent.text, sent.entities)
        old, new = (sent.reply_markup or {}).get("inline_keyboard"), (markup or {}).get("inline_keyboard")
        if (new_text, entities, old or None) == (sent.text, sent.entities, new or None):
            raise ApiError(400, NOT_MODIFIED)
        sent.html, sent.parse_mode = (raw, params.get("parse_mode")) if text else (sent.html, sent.parse_mode)
        sent.text, sent.entities, sent.reply_markup = new_text, entities, markup
        sent.edits, sent.edit_date = sent.edits + 1, int(time.time())
        if text:
            self._accept(chat_id)
        self._notify()
        return self._message_json(sent)

    async def _get_updates(self, params: JSON) -> list[JSON]:
        """Long polling: answers at once when updates with id >= offset are pending, else waits for one."""
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), min(max(int(params.get("limit") or 100), 1), 100)
        self._updates = [update for update in self._updates if update["update_id"] >= offset]  # confirmed
        allowed = params.get("allowed_updates") or []
        deadline = asyncio.get_running_loop().time() + float(params.get("timeout") or 0)
        while True:
            pending = [u for u in self._updates if not allowed or next(k for k in u if k != "update_id") in allowed]
            if pending or self._closing or (remaining := deadline - asyncio.get_running_loop().time()) <= 0:
                return pending[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _set_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items() if k != "certificate"} if params.get("url") else None
        return True

    def _send_message(self, params: JSON, document: JSON | None = None) -> JSON:
        """sendMessage, and sendDocument with the document (then the text is the caption; its limits were checked)."""
        chat_id, markup = self._target_chat(params, limited=document is None), check_markup(params)
        raw = str(params.get("caption" if document else "text") or "")
        text, entities = parse_text(raw, params, limit=1024 if document else 4096)
        sent = SentMessage(next(self._message_ids[chat_id]), chat_id, text, raw, params.get("parse_mode"), markup,
                           0, int(time.time()), document, entities)
        self._sent[chat_id].append(sent)
        self._sent_total += 1
        self._accept(chat_id)
        self._notify()
        return self._message_json(sent)

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._callbacks or query_id in self.answered_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.answered_callbacks[query_id] = params
        return True

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100 or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[params.get("language_code") or None] = commands
        return True

    def _send_document(self, params: JSON) -> JSON:
        self._target_chat(params, limited=True)  # an unknown or blocked chat, or a flood, is reported first
        upload: Any = params.get("document")
        if isinstance(upload, str) and upload.startswith("attach://"):
            upload = params.get(upload[len("attach://"):])
        if not isinstance(upload, dict) or "content" not in upload:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        number, content = next(self._ids), upload["content"]
        return self._send_message(params, {
            "file_name": upload["filename"], "mime_type": upload["content_type"], "content": content,
            "file_id": f"DOCUMENT{number}-emu", "file_unique_id": f"u{number}", "file_size": len(content)})
