"""Fair use: one account sending very many messages must not take the bot from everyone else.

All residents share one database and one send budget (Telegram allows a bot about 30 messages a
second, and the Sprechstunde calls come out of the same budget), so a flood from one account
delays every other reply. More than `QB_FLOOD_MESSAGES` messages within `QB_FLOOD_SECONDS` from
one account (channel and user id) get one polite notice; then that account's messages are
dropped unanswered for `QB_FLOOD_PAUSE_SECONDS`. The check runs before the conversation core
opens a transaction, so a dropped message costs no database work and no send.

Staff accounts are exempt: they are configured by account id (nobody becomes staff by what they
type), they are few and known, and a desk worker calling numbers taps fast in a busy
Sprechstunde; pausing them would stop the queue for everyone waiting.

The counting is the `limits` library's moving window in this process's memory. Several bot
processes (Telegram webhooks behind a load balancer) each count only the messages that reach
them, so an account may send up to that many times the limit before all of them pause it; that
is acceptable for now (`limits` can keep the windows in a shared store when it is not).

Time: `limits`' in-memory storage reads the wall clock (`time.time()`) itself and takes no time
source, so the window counts wall-clock seconds. The pause is this module's own and follows the
bot's injected clock; when it is over, the account counts in a new window of its own (a new key:
the library's `clear` races with its own expiry task), so it starts afresh.
Tests therefore move the clock past a pause instead of sleeping, and choose a window longer
than their messages take, so a slow machine cannot spread a test's burst over two windows.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import N_
from bot.staff import is_staff

log = logging.getLogger(__name__)
NOTICE = N_("You are sending a lot of messages at once. Please wait a minute, then write again.")


class Verdict(enum.Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # the first message over the limit: told once, then paused
    DROP = "drop"  # paused: no answer, no database work


class FairUse:
    """Decides per incoming message whether it is answered, gets the notice, or is dropped."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.limit = RateLimitItemPerSecond(settings.flood_messages, settings.flood_seconds)
        self.pause = dt.timedelta(seconds=settings.flood_pause_seconds)
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self._paused_until: dict[tuple[str, str], dt.datetime] = {}
        # How many pauses an account has had: part of its window's key. One small entry per account that
        # ever flooded; the windows themselves expire in the library's storage.
        self._pauses: dict[tuple[str, str], int] = {}

    async def admit(self, channel: str, user_id: str) -> Verdict:
        if is_staff(self.settings, channel, user_id):
            return Verdict.ANSWER
        account, now = (channel, user_id), self.clock.now()
        until = self._paused_until.get(account)
        if until is not None:
            if now < until:
                return Verdict.DROP
            self._end_pause(account)
        if await self._window.hit(self.limit, channel, user_id, str(self._pauses.get(account, 0))):
            return Verdict.ANSWER
        if account in self._paused_until:  # another message of theirs, handled at the same time, got the notice
            return Verdict.DROP
        self._paused_until[account] = now + self.pause
        self._forget_ended_pauses(now)
        log.warning("fair use: an account on %s sent more than %d messages in %d s; its messages are dropped "
                    "for %d s", channel, self.limit.amount, self.limit.get_expiry(), self.pause.total_seconds())
        return Verdict.NOTICE

    def _end_pause(self, account: tuple[str, str]) -> None:
        del self._paused_until[account]
        self._pauses[account] = self._pauses.get(account, 0) + 1

    def _forget_ended_pauses(self, now: dt.datetime) -> None:
        """An account that never writes again would keep its entry forever; few accounts flood, so a sweep
        whenever a new pause begins keeps the table as small as the pauses running."""
        for account in [account for account, until in self._paused_until.items() if until <= now]:
            self._end_pause(account)
