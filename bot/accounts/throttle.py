"""Login throttling per account name and per client address, with the `limits` library.

Only failures count (a wrong password or a wrong one-time code), in a moving window, so a staff
member who mistypes twice is not locked out, while guessing stops after a few tries. The counts
live in this process's memory: several back-office processes each count their own.
"""

from __future__ import annotations

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

PER_ACCOUNT = parse("5/15 minutes")
PER_ADDRESS = parse("20/15 minutes")


class LoginThrottle:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allowed(self, name: str, address: str) -> bool:
        return (self._limiter.test(PER_ACCOUNT, "account", name.strip().lower())
                and self._limiter.test(PER_ADDRESS, "address", address))

    def failed(self, name: str, address: str) -> None:
        self._limiter.hit(PER_ACCOUNT, "account", name.strip().lower())
        self._limiter.hit(PER_ADDRESS, "address", address)
