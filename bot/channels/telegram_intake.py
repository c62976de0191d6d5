"""Receiving Telegram updates so that none is lost and none is answered twice.

Telegram keeps an update until the bot confirms it: with long polling by asking for the next
offset, with a webhook by answering 200. Both confirm here only what is *handled*, i.e. whose
answer is stored in the database together with its update id (conversation/durable). An update
confirmed earlier could be lost by a crash; one confirmed later comes again and is recognised by
its id. python-telegram-bot's own updater and webhook server confirm on receipt, so the channel
uses these two instead, and the library's Application only for processing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter

log = logging.getLogger(__name__)
POLL_TIMEOUT_SECONDS = 10
MAX_BACKOFF_SECONDS = 30.0
# How long a webhook request waits for its update to be handled; then Telegram is told to try again
# later (it re-delivers, and the update is recognised by its id).
WEBHOOK_PATIENCE_SECONDS = 50.0
HANDLED_MEMORY = 10_000
QUICK_WAIT_SECONDS = 0.05  # for new updates to be handled before polling again (usually a few ms)
SLOW_WAIT_SECONDS = 0.2  # for any update in hand, when polling brought nothing new
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are a few kB; anything larger is not from Telegram


class Intake:
    """The updates this process took and has not yet handled, and where confirming may go."""

    def __init__(self) -> None:
        self._pending: dict[int, asyncio.Future[None]] = {}
        # Handled, but not yet below the confirmed offset (polling), or recently (webhook: kept to a bound;
        # an older re-delivery is recognised by the database).
        self._handled: dict[int, None] = {}
        self._highest: int | None = None
        self._confirmed = 0  # every id below it is handled (by this process or an earlier one)
        self.changed = asyncio.Event()

    def take(self, update_id: int) -> asyncio.Future[None] | None:
        """A future that is done when the update is handled; None when it is already being handled or was."""
        if update_id < self._confirmed or update_id in self._handled or update_id in self._pending:
            return None
        self._highest = update_id if self._highest is None else max(self._highest, update_id)
        future = self._pending[update_id] = asyncio.get_running_loop().create_future()
        return future

    def waiting_for(self, update_id: int) -> asyncio.Future[None] | None:
        return self._pending.get(update_id)

    def is_handled(self, update_id: int) -> bool:
        return update_id < self._confirmed or update_id in self._handled

    def handled(self, update_id: int) -> None:
        future = self._pending.pop(update_id, None)
        if future is None:
            return
        self._handled[update_id] = None
        if len(self._handled) > HANDLED_MEMORY:
            del self._handled[next(iter(self._handled))]
        if not future.done():
            future.set_result(None)
        self.changed.set()

    def in_hand(self) -> int:
        return len(self._pending)

    async def wait(self, *, all_handled: bool, timeout: float) -> None:  # noqa: ASYNC109
        """Until an update (or, with `all_handled`, every update) in hand is handled, at most `timeout` s."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._pending:
            self.changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
            if not all_handled:
                return

    def offset(self) -> int:
        """The offset that confirms every update up to the oldest one still being handled."""
        if self._pending:
            self._confirmed = min(self._pending)
        elif self._highest is not None:
            self._confirmed = self._highest + 1
        self._handled = {update_id: None for update_id in self._handled if update_id >= self._confirmed}
        return self._confirmed


def parse_updates(raw: object, bot: Bot) -> Iterator[tuple[int | None, Update | None]]:
    """Each update of a getUpdates answer or webhook body with its id; an update the library cannot read
    is (id, None): it is confirmed and not answered (its content is never logged)."""
    for item in raw if isinstance(raw, list) else [raw]:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        update_id = update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None
        try:
            update = Update.de_json(item, bot) if isinstance(item, dict) else None
        except Exception as error:  # malformed: the library's own parsing raises anything
            log.warning("could not read a Telegram update (%s)", type(error).__name__)
            update = None
        yield update_id, update


class Poller:
    """Long polling that confirms an update only once it is handled."""

    def __init__(self, bot: Bot, intake: Intake, enqueue: Callable[[Update], Awaitable[None]]) -> None:
        self.bot, self.intake, self.enqueue = bot, intake, enqueue

    async def run(self, stop: asyncio.Event) -> None:
        delay = 1.0
        while not stop.is_set():
            call = asyncio.ensure_future(self.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self.intake.offset() or None, "timeout": POLL_TIMEOUT_SECONDS,
                                          "allowed_updates": list(Update.ALL_TYPES)},
                read_timeout=POLL_TIMEOUT_SECONDS + 10))
            if not await _unless_stopped(call, stop):
                break
            try:
                raw = call.result()
            except InvalidToken:
                raise
            except Conflict:
                log.warning("another process polls with the same token (409); trying again in %.0f s", delay)
                raw = None
            except RetryAfter as error:
                raw, delay = None, float(error.retry_after if isinstance(error.retry_after, int | float)
                                         else error.retry_after.total_seconds())
            except NetworkError as error:  # timeouts and 5xx answers too
                log.warning("Telegram polling failed (%s); trying again in %.0f s", type(error).__name__, delay)
                raw = None
            if raw is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                continue
            delay = 1.0
            new = await self._take(raw)
            if self.intake.in_hand() and not stop.is_set():
                # Asking again at once would only bring back what is in hand (it is not confirmed yet): give it
                # the moment it takes to be handled, so that the next call confirms it. Not longer, since other
                # residents' updates wait meanwhile.
                await self.intake.wait(all_handled=new, timeout=QUICK_WAIT_SECONDS if new else SLOW_WAIT_SECONDS)
        await self._confirm()

    async def _take(self, raw: object) -> bool:
        """Hand new updates to processing; False when none was new."""
        new = False
        for update_id, update in parse_updates(raw, self.bot):
            if update_id is None or self.intake.take(update_id) is None:
                continue
            new = True
            if update is None:
                self.intake.handled(update_id)
            else:
                await self.enqueue(update)
        return new

    async def _confirm(self) -> None:
        """On the way out: confirm what was handled, so that the next start does not fetch it again."""
        with contextlib.suppress(Exception):
            await self.bot.do_api_request("getUpdates", api_kwargs={"offset": self.intake.offset(), "timeout": 0,
                                                                     "limit": 1})


def webhook_app(path: str, secret: str, bot: Bot, intake: Intake,
                enqueue: Callable[[Update], Awaitable[None]]) -> Starlette:
    """The webhook endpoint: 200 once the update is handled, so Telegram re-delivers what a crash cut off."""

    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return Response(status_code=413)
        try:
            raw: Any = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        ((update_id, update),) = list(parse_updates(raw if isinstance(raw, dict) else None, bot))
        if update_id is None:
            return Response(status_code=400)
        future = intake.waiting_for(update_id)
        if future is None:
            if intake.is_handled(update_id):
                return Response(status_code=200)
            future = intake.take(update_id)
            assert future is not None
            if update is None:
                intake.handled(update_id)
            else:
                await enqueue(update)
        try:
            await asyncio.wait_for(asyncio.shield(future), WEBHOOK_PATIENCE_SECONDS)
        except TimeoutError:
            return Response(status_code=503)
        return Response(status_code=200)

    return Starlette(routes=[Route("/" + path.lstrip("/"), receive, methods=["POST"])])


async def _unless_stopped(call: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for `call`; False (and the call cancelled) when `stop` comes first."""
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({call, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if call in done:
        return True
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await call
    return False
