"""Driving the back office over HTTP in tests: a browser-like client with cookies and CSRF tokens."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pyotp
from sqlalchemy import select

from bot.accounts import store
from bot.accounts.models import StaffAccount
from bot.app import App
from bot.audit.log import Actor
from bot.audit.models import AuditEntry
from bot.offers.models import Category, Offer
from bot.web.app import create_web_app

PASSWORD = "Quartier-Horst-2026"
CSRF_FIELD = re.compile(r'name="csrftoken" value="([^"]+)"')
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Browser:
    """Pages are fetched, forms posted with the token the page carried, as a browser would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.page = ""

    async def get(self, path: str, **params: str) -> httpx.Response:
        response = await self.client.get(path, params=params or None)  # None keeps a query in `path`
        self.page = response.text
        return response

    @property
    def session_token(self) -> str | None:
        return next((cookie.value for cookie in self.client.cookies.jar if cookie.name == "qb_session"), None)

    def use_session(self, token: str) -> None:
        """Present `token` as the session cookie, as an attacker who planted or stole it would."""
        for cookie in list(self.client.cookies.jar):
            if cookie.name == "qb_session":
                self.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
        self.client.cookies.set("qb_session", token, domain="testserver.local", path="/")

    def token(self) -> str:
        found = CSRF_FIELD.search(self.page)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)

    def form(self, action: str) -> dict[str, str]:
        """The hidden fields of the page's first form posting to `action`, as the browser would send them."""
        found = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', self.page, re.S)
        assert found, f"the page has no form to {action}"
        return {name: html.unescape(value) for name, value in FIELD.findall(found.group(1))}

    async def post(self, path: str, data: dict[str, str] | None = None, *, token: str | None = None,
                   from_page: str | None = None) -> httpx.Response:
        """POST a form; the token comes from `from_page` (fetched first) unless given."""
        if token is None:
            await self.get(from_page or path)
            token = self.token()
        response = await self.client.post(path, data={"csrftoken": token, **(data or {})})
        self.page = response.text
        return response

    async def login(self, name: str, password: str = PASSWORD, secret: str | None = None,
                    now: object = None) -> httpx.Response:
        response = await self.post("/login", {"name": name, "password": password})
        if secret is not None and response.headers.get("location") == "/login/code":
            response = await self.post("/login/code", {"code": pyotp.TOTP(secret).at(now)})  # type: ignore[arg-type]
        return response


@asynccontextmanager
async def browser(app: App, base_url: str = "http://testserver", client_address: str = "192.0.2.1"
                  ) -> AsyncIterator[Browser]:
    transport = httpx.ASGITransport(app=create_web_app(app), client=(client_address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield Browser(client)


async def make_account(app: App, role: str, with_codes: bool | None = None) -> tuple[StaffAccount, str | None]:
    """An account of `role` with the test password; one-time codes set up for Leitung unless told otherwise."""
    with_codes = role == "leitung" if with_codes is None else with_codes
    async with app.sessions() as session, session.begin():
        account = await store.create_account(session, f"{role}{uuid.uuid4().hex[:8]}", role, PASSWORD,
                                             app.clock.now(), Actor("test"))
        secret = await store.set_up_totp_in_person(session, account, app.clock.now(), Actor("test")) \
            if with_codes else None
    return account, secret


async def audit(app: App, action: str) -> list[AuditEntry]:
    """The audit log's entries of one action, oldest first."""
    async with app.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                          .order_by(AuditEntry.id)))


async def offer_id(app: App, key: str) -> int:
    async with app.sessions() as session:
        found = await session.scalar(select(Offer.id).where(Offer.key == key))
    assert found is not None
    return found


async def category_id(app: App, key: str) -> int:
    async with app.sessions() as session:
        found = await session.scalar(select(Category.id).where(Category.key == key))
    assert found is not None
    return found
