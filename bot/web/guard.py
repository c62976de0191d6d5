"""Who may open what: every back-office route is wrapped by `guarded`, which decides before it runs.

Without a live session a page redirects to the login and anything else answers 401; a session
between password and one-time code opens only the code's page; a Leitung account without one-time
codes is sent to set them up before anything else; a role lacking the route's right gets 403.
The endpoint then runs inside one database transaction that also holds its audit entries.
`tests/test_web_access.py` walks every route of the app and fails on one without a guard.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from bot.accounts import sessions
from bot.accounts.models import StaffAccount, StaffSession
from bot.accounts.roles import ROLES_NEEDING_TOTP, Right, may
from bot.audit.log import Actor
from bot.i18n import Translator
from bot.web.rendering import render, staff_translator

LOGIN, CODE, CODES_SETUP = "/login", "/login/code", "/account/codes"


class Stage(Enum):
    COMPLETE = "complete"  # after password and, where set up, the one-time code
    PENDING = "pending"  # between password and one-time code
    ANY = "any"  # either (logging out)
    SETUP = "setup"  # complete, and allowed while one-time codes are still missing


@dataclass
class Staff:
    """The staff member of this request, with the request's database session and language."""

    account: StaffAccount
    session_row: StaffSession
    token: str
    db: AsyncSession
    translator: Translator

    @property
    def actor(self) -> Actor:
        return Actor(self.account.name, self.account.id)

    def may(self, right: Right) -> bool:
        return may(self.account.role, right)

    async def pause(self) -> None:
        """Before waiting on another service (machine translation): commit what is done so far and give the
        connection back, so the chats are not held up meanwhile (SQLite has one connection). The session
        begins a new transaction when it is used again; what was loaded stays readable."""
        await self.db.commit()

    @property
    def needs_totp(self) -> bool:
        return self.account.role in ROLES_NEEDING_TOTP and not self.account.totp_confirmed


Endpoint = Callable[[Request, Staff], Awaitable[Response]]


def guarded(right: Right | None = None, stage: Stage = Stage.COMPLETE, *, activity: bool = True
            ) -> Callable[[Endpoint], Any]:
    """`activity=False` for what a page fetches by itself (the desk's live part): it does not keep the session
    from ending after the idle time, so a tab left open overnight is logged out like any other."""
    def wrap(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(endpoint)
        async def handler(request: Request) -> Response:
            web = request.app.state.web
            async with web.app.sessions() as db:
                try:
                    response = await _checked(request, db, endpoint, right, stage, activity)
                except BaseException:
                    await db.rollback()
                    raise
                await db.commit()
                return response
        handler.guard = (right, stage)  # type: ignore[attr-defined]
        return handler
    return wrap


async def _checked(request: Request, db: AsyncSession, endpoint: Endpoint, right: Right | None,
                   stage: Stage, activity: bool) -> Response:
    """The session check, then the endpoint; the guard commits what they did, or rolls it back on an error."""
    web = request.app.state.web
    token = request.cookies.get(web.cookie_name)
    found = await sessions.current(db, token, web.app.clock.now(), web.app.settings, touch=activity)
    if found is None or token is None:
        return _to_login(request)
    row, account = found
    staff = Staff(account, row, token, db, staff_translator(account.language, web.app.settings.zone))
    if stage is not Stage.ANY:
        if not row.complete and stage is not Stage.PENDING:
            return _to_login(request, CODE, 403)
        if row.complete and stage is Stage.PENDING:
            return RedirectResponse("/", status_code=303)
        if row.complete and staff.needs_totp and stage is not Stage.SETUP:
            return _to_login(request, CODES_SETUP, 403)
    if right is not None and not staff.may(right):
        return render(request, staff.translator, "error.html", status_code=403, staff=staff,
                      message=staff.translator.gettext("Your role does not include this page."))
    return await endpoint(request, staff)


def public(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Marks one of the few routes open without a session (the login); the route test checks the list."""
    endpoint.public = True  # type: ignore[attr-defined]
    return endpoint


def _to_login(request: Request, where: str = LOGIN, status: int = 401) -> Response:
    """Pages lead to where the staff member can go on; anything else gets a plain refusal."""
    if request.method in {"GET", "HEAD"}:
        return RedirectResponse(where, status_code=303)
    return PlainTextResponse("Not logged in." if status == 401 else "Not allowed yet.", status_code=status)
