"""Logging in to the back office: passwords, one-time codes, throttling, CSRF, cookies and headers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pyotp

from bot.accounts.throttle import PER_ACCOUNT
from bot.app import App
from bot.clock import FixedClock
from tests.support.web import PASSWORD, browser, make_account


async def test_a_wrong_name_and_a_wrong_password_get_the_same_answer(app: App) -> None:
    staff, _ = await make_account(app, "team")
    async with browser(app) as page:
        wrong_password = await page.login(staff.name, "not-the-password-at-all")
        text_password = re.sub(r'value="[^"]*"', "", page.page)
        wrong_name = await page.login("nobody-of-that-name", PASSWORD)
        text_name = re.sub(r'value="[^"]*"', "", page.page)
        assert wrong_password.status_code == wrong_name.status_code == 400
        assert text_password == text_name and "Passwort" in text_name  # German before the login
        assert (await page.get("/")).status_code == 303


async def test_login_is_throttled_per_account_after_a_few_failures(app: App) -> None:
    staff, _ = await make_account(app, "team")
    other, _ = await make_account(app, "team")
    async with browser(app) as page:
        for _ in range(PER_ACCOUNT.amount):
            assert (await page.login(staff.name, "wrong-password-guess")).status_code == 400
        refused = await page.login(staff.name, PASSWORD)  # even the right password, for now
        assert refused.status_code == 429 and "Viertelstunde" in refused.text
        assert (await page.login(other.name, PASSWORD)).status_code == 303


async def test_leitung_logs_in_with_password_and_one_time_code_and_gets_a_new_session(app: App,
                                                                                    clock: FixedClock) -> None:
    staff, secret = await make_account(app, "leitung")
    assert secret is not None
    async with browser(app) as page:
        page.use_session("chosen-by-an-attacker")
        after_password = await page.login(staff.name)
        assert after_password.headers["location"] == "/login/code"
        pending = page.session_token
        assert pending != "chosen-by-an-attacker"
        assert (await page.get("/")).headers["location"] == "/login/code"  # nothing else opens yet
        assert (await page.get("/accounts")).headers["location"] == "/login/code"
        wrong = "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111"
        assert (await page.post("/login/code", {"code": wrong})).status_code == 400
        code = pyotp.TOTP(secret).at(clock.now())
        done = await page.post("/login/code", {"code": code})
        assert done.headers["location"] == "/"
        assert page.session_token not in {pending, "chosen-by-an-attacker", None}
        assert (await page.get("/accounts")).status_code == 200
    async with browser(app) as thief:  # the same code, overheard, a moment later
        await thief.login(staff.name)
        assert (await thief.post("/login/code", {"code": code})).status_code == 400
        clock.advance(dt.timedelta(seconds=30))
        assert (await thief.post("/login/code", {"code": pyotp.TOTP(secret).at(clock.now())})).status_code == 303


async def test_leitung_without_codes_sets_them_up_before_anything_else(app: App, clock: FixedClock) -> None:
    staff, _ = await make_account(app, "leitung", with_codes=False)
    async with browser(app) as page:
        assert (await page.login(staff.name)).headers["location"] == "/"
        assert (await page.get("/")).headers["location"] == "/account/codes"
        assert (await page.get("/audit")).headers["location"] == "/account/codes"
        setup = await page.get("/account/codes")
        assert setup.status_code == 200 and "<svg" in setup.text and "<script" not in setup.text
        key = re.search(r"<code>([A-Z2-7 ]+)</code>", setup.text)
        assert key is not None
        secret = key.group(1).replace(" ", "")
        assert (await page.post("/account/codes", {"code": pyotp.TOTP(secret).at(clock.now())})).status_code == 303
        assert (await page.get("/audit")).status_code == 200
    async with browser(app) as page:
        clock.advance(dt.timedelta(seconds=30))
        assert await page.login(staff.name, secret=secret, now=clock.now())
        assert (await page.get("/")).status_code == 200


async def test_forms_without_or_with_a_wrong_csrf_token_are_refused(app: App) -> None:
    staff, _ = await make_account(app, "team")
    async with browser(app) as page, browser(app) as other:
        await page.get("/login")
        no_token = await page.client.post("/login", data={"name": staff.name, "password": PASSWORD})
        assert no_token.status_code == 403
        bad = await page.client.post("/login", data={"name": staff.name, "password": PASSWORD,
                                                     "csrftoken": "forged"})
        assert bad.status_code == 403
        await other.get("/login")
        foreign = await page.post("/login", {"name": staff.name, "password": PASSWORD}, token=other.token())
        assert foreign.status_code == 403
        assert (await page.login(staff.name)).status_code == 303
        changed = await page.client.post("/account/language", data={"language": "en"})
        assert changed.status_code == 403
        assert "lang=\"de\"" in (await page.get("/account")).text


async def test_logout_ends_the_session_for_good(app: App) -> None:
    staff, _ = await make_account(app, "redaktion")
    async with browser(app) as page:
        await page.login(staff.name)
        token = page.session_token
        assert token is not None
        assert (await page.post("/logout", {}, from_page="/")).headers["location"] == "/login"
        assert page.session_token is None
        page.use_session(token)
        assert (await page.get("/")).headers["location"] == "/login"


async def test_headers_and_cookies_are_strict_and_secure_behind_https(app: App) -> None:
    staff, _ = await make_account(app, "team")
    async with browser(app) as page:
        login = await page.get("/login")
        policy = login.headers["content-security-policy"]
        for part in ("default-src 'self'", "script-src 'none'", "style-src 'self'", "frame-ancestors 'none'",
                     "form-action 'self'", "object-src 'none'"):
            assert part in policy
        assert "unsafe-inline" not in policy
        assert login.headers["x-content-type-options"] == "nosniff" and login.headers["x-frame-options"] == "DENY"
        assert login.headers["cache-control"] == "no-store"
        response = await page.login(staff.name)
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        assert "strict-transport-security" not in response.headers
    behind_tls = dataclasses.replace(app, settings=app.settings.model_copy(
        update={"web_base_url": "https://quartier.example.org"}))
    async with browser(behind_tls, base_url="https://quartier.example.org") as page:
        response = await page.login(staff.name)
        cookie = next(value for value in response.headers.get_list("set-cookie") if "qb_session" in value)
        assert cookie.startswith("__Host-qb_session=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "strict-transport-security" in response.headers
        assert (await page.get("/")).status_code == 200


async def test_the_staff_language_travels_with_the_request(app: App) -> None:
    german, _ = await make_account(app, "team")
    english, _ = await make_account(app, "team")
    async with browser(app) as de, browser(app) as en:
        await de.login(german.name)
        await en.login(english.name)
        assert (await en.post("/account/language", {"language": "en"}, from_page="/account")).status_code == 303
        english_page, german_page = (await en.get("/")).text, (await de.get("/")).text
        assert 'lang="en"' in english_page and "Log out" in english_page
        assert 'lang="de"' in german_page and "Abmelden" in german_page
        assert (await en.post("/account/language", {"language": "xx"}, from_page="/account")).status_code == 400


async def test_text_from_outside_is_escaped(app: App, clock: FixedClock) -> None:
    staff, secret = await make_account(app, "leitung")
    async with browser(app) as page:
        await page.login(staff.name, secret=secret, now=clock.now())
        shown = await page.get("/audit", actor='"><script>alert(1)</script>')
        assert shown.status_code == 200
        assert "<script>alert(1)" not in shown.text and "&lt;script&gt;alert(1)" in shown.text
