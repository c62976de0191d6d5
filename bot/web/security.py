"""Security headers on every answer, and the CSRF protection of every form.

The Content-Security-Policy allows nothing but the back office's own stylesheet and images: no
script, no inline style, no frames, forms only to itself. So even a resident's text that slipped
through escaping could not run in a staff member's browser. The few pages that keep themselves
current (the desk, the waiting-room screen) send `SCRIPT_CSP` instead, which adds the back office's
own script files and nothing else: still no inline script, no `eval`, nothing from elsewhere.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from asgi_csrf import asgi_csrf
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.files import private_dir, write_private

CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SCRIPT_CSP = CSP.replace("script-src 'none'", "script-src 'self'")
CSRF_FIELD = "csrftoken"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ]
        if secure:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own_policy = any(name.lower() == b"content-security-policy" for name, _ in headers)
                headers += [header for header in self.headers  # a page's own policy (SCRIPT_CSP) replaces the default
                            if not (own_policy and header[0] == b"content-security-policy")]
                if not static:  # pages may show personal data: never kept by the browser or a proxy
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)
        await self.app(scope, receive, with_headers)


class _EveryPath:
    """asgi-csrf skips requests without any cookie unless their path is "always protected": all are."""

    def __contains__(self, path: object) -> bool:
        return True


async def _refused(scope: Scope, send: Send, _reason: object) -> None:
    body = (b"Das Formular ist abgelaufen oder kam nicht von hier. Bitte laden Sie die Seite neu.\n"
            b"The form has expired or did not come from here. Please reload the page.\n")
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


def with_csrf(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Double-submit tokens, signed with the back office's secret, checked on every POST."""
    return asgi_csrf(app, signing_secret=signing_secret(settings), always_protect=_EveryPath(),
                     cookie_secure=settings.web_secure, cookie_samesite="Strict", send_csrf_failed=_refused)


def signing_secret(settings: Settings) -> str:
    """QB_WEB_SECRET, or a random one kept in the data folder (0600), so restarts keep open forms valid."""
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value()
    path = Path(settings.data_dir) / "web-secret"
    private_dir(Path(settings.data_dir))
    if not path.exists():
        write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text(encoding="utf-8").strip()


def with_own_scripts(response: Response) -> Response:
    """Let this page run the back office's own script files (`static/*.js`)."""
    response.headers["content-security-policy"] = SCRIPT_CSP
    return response
