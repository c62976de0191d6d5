"""Every back-office route, walked as anonymous, Redaktion, Team and Leitung, against the table of rights.

The routes are read from the app itself, so a route added without a guard, or with a right the
table does not know, fails here before it can reach a browser.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from bot.accounts.roles import ROLES, Right, may
from bot.app import App
from bot.clock import FixedClock
from bot.web.app import routes_app
from tests.support.web import browser, make_account

# The waiting-room screen opens with its secret link instead of a login (tests/test_web_screen.py).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/screen/{token}"), ("GET", "/screen/{token}/live")}
STATIC = {"/static"}


def all_routes(app: App) -> list[tuple[str, str, object]]:
    found: list[tuple[str, str, object]] = []
    for route in routes_app(app).routes:
        if isinstance(route, Mount):
            assert route.path in STATIC, f"a mounted app at {route.path} bypasses the guards"
            continue
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, route.path, route.endpoint))
    return found


def concrete(path: str, account_id: int) -> str:
    # Another kind's id or key is one that does not exist: walking must not change the shared database's content.
    return re.sub(r"\{\w+(?::int)?\}", "2147483647", re.sub(r"\{account_id:int\}", str(account_id), path))


async def test_every_route_is_guarded_or_one_of_the_public_ones(app: App) -> None:
    routes = all_routes(app)
    assert len(routes) >= 20
    for method, path, endpoint in routes:
        if (method, path) in PUBLIC:
            assert getattr(endpoint, "public", False), f"{method} {path} should be marked public"
        else:
            assert hasattr(endpoint, "guard"), f"{method} {path} has no guard"
            right, _stage = endpoint.guard  # type: ignore[attr-defined]
            assert right is None or right in Right
    assert {(method, path) for method, path, endpoint in routes if getattr(endpoint, "public", False)} == PUBLIC


async def test_without_a_session_pages_lead_to_the_login_and_forms_are_refused(app: App) -> None:
    victim, _ = await make_account(app, "team")
    async with browser(app) as anonymous:
        await anonymous.get("/login")
        token = anonymous.token()  # a valid CSRF token, so the refusal comes from the guard
        for method, path, _endpoint in all_routes(app):
            if (method, path) in PUBLIC:
                continue
            url = concrete(path, victim.id)
            if method == "GET":
                response = await anonymous.get(url)
                assert response.status_code == 303 and response.headers["location"] == "/login", url
            else:
                response = await anonymous.post(url, {}, token=token)
                assert response.status_code == 401, url
        assert (await anonymous.get("/static/style.css")).status_code == 200


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reaches_what_its_rights_allow_and_gets_403_elsewhere(app: App, clock: FixedClock,
                                                                            role: str) -> None:
    staff, secret = await make_account(app, role)
    victim, _ = await make_account(app, "redaktion")
    async with browser(app) as page:
        assert (await page.login(staff.name, secret=secret, now=clock.now())).headers["location"] == "/"
        await page.get("/")
        token = page.token()
        routes = sorted(all_routes(app), key=lambda item: item[1] == "/logout")  # logging out last
        for method, path, endpoint in routes:
            if (method, path) in PUBLIC:
                continue
            right, _stage = endpoint.guard  # type: ignore[attr-defined]
            url = concrete(path, victim.id)
            response = await (page.get(url) if method == "GET" else page.post(url, {}, token=token))
            if right is None or may(role, right):
                assert response.status_code not in {401, 403}, f"{role}: {method} {url} {response.status_code}"
            else:
                assert response.status_code == 403, f"{role}: {method} {url} {response.status_code}"
