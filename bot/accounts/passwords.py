"""Password hashing with argon2 (argon2-cffi's current defaults) and the rules for new passwords.

`verify` also says when a stored hash was made with older parameters, so the login can store a
fresh one while it has the plain password in hand. An unknown name is checked against a dummy
hash, so a wrong name takes as long as a wrong password and does not reveal which names exist.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this bounds the work one request can cause

_hasher = PasswordHasher()


class PasswordRejected(ValueError):
    """A new password breaks a rule; the message (English msgid) says which."""


def check_rules(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(N_("The password needs at least 12 characters."))
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(N_("The password is too long."))
    if not password.strip():
        raise PasswordRejected(N_("The password must not be only spaces."))


def hash_password(password: str) -> str:
    check_rules(password)
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(password right, hash needs renewing). A missing account passes None and is never right."""
    if len(password) > MAX_LENGTH:
        return False, False
    try:
        _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False, False
    if stored_hash is None:
        return False, False
    return True, _hasher.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A password to hand over once (a reset in the back office, the demo account)."""
    return secrets.token_urlsafe(12)
