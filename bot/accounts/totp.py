"""Time-based one-time codes (RFC 6238, what every authenticator app speaks) and their QR codes.

Codes are checked against the injected clock, one step either side for a phone's clock that is a
little off; a step once accepted is remembered on the account, so an overheard code is of no use.
"""

from __future__ import annotations

import datetime as dt
import io

import pyotp
import segno

ISSUER = "Quartiersbot"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def accepted_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The step `code` belongs to if it is right now (±1 step) and newer than `last_step`; else None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if (last_step is None or step > last_step) and totp.verify(code, for_time=step * STEP_SECONDS):
            return step
    return None


def qr_svg(uri: str, title: str) -> str:
    """An inline SVG (no script, no external reference), so it passes the back office's CSP."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True,
                                    title=title, svgclass="qr", lineclass=None)
    return buffer.getvalue().decode("utf-8")


def qr_terminal(uri: str) -> str:
    """The QR code as text for a terminal (half blocks), to scan from the server's console."""
    buffer = io.StringIO()
    segno.make(uri, error="m").terminal(out=buffer, compact=True, border=2)
    return buffer.getvalue()
