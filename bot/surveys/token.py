"""The keyed one-way token that finds a resident's survey response without naming them.

Anyone holding the database alone cannot tell whose answers a response holds: the token is
an HMAC of the resident id under a server secret, and differs per survey version, so even two
surveys' responses of one person cannot be linked without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.config import Settings

SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> bytes:
    """QB_SECRET_KEY, or a random key created once in the data folder (readable by the owner only)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def response_token(secret: bytes, survey_key: str, version: int, resident_id: int) -> str:
    message = f"survey:{survey_key}:{version}:resident:{resident_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
