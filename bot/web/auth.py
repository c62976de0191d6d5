"""Logging in and out, and what every staff member does for their own account.

The login answers the same for a wrong name and a wrong password, counts only failures against
the throttle, and starts a new session with a new token at each step (password, one-time code),
so a token planted before the login is worth nothing after it.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts import passwords, sessions, store, totp
from bot.accounts.models import StaffAccount
from bot.audit.log import Actor, record
from bot.i18n import N_, Translator
from bot.web.guard import CODE, CODES_SETUP, LOGIN, Staff, Stage, guarded, public
from bot.web.rendering import browser_language, render, staff_translator

WRONG_LOGIN = N_("The name or the password is not right.")
TOO_MANY = N_("Too many failed attempts. Please wait a quarter of an hour and try again.")


def _translator(request: Request) -> Translator:
    return staff_translator(browser_language(request), request.app.state.web.app.settings.zone)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _with_session(response: Response, request: Request, token: str) -> Response:
    web = request.app.state.web
    response.set_cookie(web.cookie_name, token, httponly=True, secure=web.secure, samesite="lax", path="/")
    return response


@public
async def login_form(request: Request) -> Response:
    return render(request, _translator(request), "login.html", error=None, name="")


@public
async def login(request: Request) -> Response:
    web = request.app.state.web
    translator = _translator(request)
    form = await request.form()
    name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))
    if not web.throttle.allowed(name, _address(request)):
        return render(request, translator, "login.html", status_code=429, error=translator.gettext(TOO_MANY),
                      name=name)
    now = web.app.clock.now()
    async with web.app.sessions() as db, db.begin():
        account = await store.find(db, name) if name.strip() else None
        right, renew = passwords.verify(account.password_hash if account else None, password)
        if account is None or not right or account.disabled_at is not None:
            web.throttle.failed(name, _address(request))
            return render(request, translator, "login.html", status_code=400,
                          error=translator.gettext(WRONG_LOGIN), name=name)
        if renew:
            account.password_hash = passwords.hash_password(password)
        await sessions.end(db, request.cookies.get(web.cookie_name), now)
        complete = not account.totp_confirmed
        token = await sessions.start(db, account, now, web.app.settings, complete=complete)
        if complete:
            record(db, now, Actor(account.name, account.id), "account.login", "staff_account", account.id)
    return _with_session(RedirectResponse("/" if complete else CODE, status_code=303), request, token)


@guarded(stage=Stage.PENDING)
async def code_form(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "login_code.html", staff=staff, error=None)


@guarded(stage=Stage.PENDING)
async def code(request: Request, staff: Staff) -> Response:
    web = request.app.state.web
    account = staff.account
    if not web.throttle.allowed(account.name, _address(request)):
        return render(request, staff.translator, "login_code.html", status_code=429, staff=staff,
                      error=staff.translator.gettext(TOO_MANY))
    now = web.app.clock.now()
    form = await request.form()
    if not store.check_code(account, str(form.get("code", ""))[:16], now):
        web.throttle.failed(account.name, _address(request))
        return render(request, staff.translator, "login_code.html", status_code=400, staff=staff,
                      error=staff.translator.gettext("This code is not right. Take the newest code from the app."))
    await sessions.end(staff.db, staff.token, now)
    token = await sessions.start(staff.db, account, now, web.app.settings, complete=True)
    record(staff.db, now, staff.actor, "account.login", "staff_account", account.id)
    return _with_session(RedirectResponse("/", status_code=303), request, token)


@guarded(stage=Stage.ANY)
async def logout(request: Request, staff: Staff) -> Response:
    await sessions.end(staff.db, staff.token, request.app.state.web.app.clock.now())
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(request.app.state.web.cookie_name, path="/")
    return response


@guarded(stage=Stage.SETUP)
async def account_page(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "account.html", staff=staff, done=request.query_params.get("done"),
                  error=None)


@guarded(stage=Stage.SETUP)
async def language(request: Request, staff: Staff) -> Response:
    form = await request.form()
    try:
        await store.set_language(staff.db, staff.account, str(form.get("language", "")),
                                 request.app.state.web.app.clock.now())
    except store.AccountError as error:
        return render(request, staff.translator, "account.html", status_code=400, staff=staff, done=None,
                      error=staff.translator.gettext(str(error)))
    return RedirectResponse("/account?done=language", status_code=303)


@guarded(stage=Stage.SETUP)
async def password_form(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "account_password.html", staff=staff, error=None)


@guarded(stage=Stage.SETUP)
async def password(request: Request, staff: Staff) -> Response:
    form = await request.form()
    new = str(form.get("new", ""))
    error = None
    if new != str(form.get("again", "")):
        error = N_("The two new passwords differ.")
    else:
        try:
            await store.change_own_password(staff.db, staff.account, str(form.get("current", "")), new,
                                            request.app.state.web.app.clock.now(), keep_session=staff.token)
        except store.AccountError as refused:
            error = str(refused)
    if error:
        return render(request, staff.translator, "account_password.html", status_code=400, staff=staff,
                      error=staff.translator.gettext(error))
    return RedirectResponse("/account?done=password", status_code=303)


def _codes_page(request: Request, staff: Staff, account: StaffAccount, error: str | None,
                status_code: int = 200) -> Response:
    secret = store.begin_totp(account)
    uri = totp.provisioning_uri(secret, account.name)
    # The SVG is built here from the secret alone (no outside text in it), so it is marked safe.
    svg = Markup(totp.qr_svg(uri, staff.translator.gettext("QR code for the authenticator app")))
    return render(request, staff.translator, "account_codes.html", status_code=status_code, staff=staff, qr=svg,
                  secret=" ".join(secret[index:index + 4] for index in range(0, len(secret), 4)), error=error)


@guarded(stage=Stage.SETUP)
async def codes_form(request: Request, staff: Staff) -> Response:
    if staff.account.totp_confirmed:
        return RedirectResponse("/account", status_code=303)
    return _codes_page(request, staff, staff.account, None)


@guarded(stage=Stage.SETUP)
async def codes(request: Request, staff: Staff) -> Response:
    if staff.account.totp_confirmed:
        return RedirectResponse("/account", status_code=303)
    form = await request.form()
    if not await store.confirm_totp(staff.db, staff.account, str(form.get("code", ""))[:16],
                                    request.app.state.web.app.clock.now()):
        return _codes_page(request, staff, staff.account, staff.translator.gettext(
            "This code is not right. Take the newest code from the app."), status_code=400)
    return RedirectResponse("/account?done=codes", status_code=303)


ROUTES = [
    Route(LOGIN, login_form, methods=["GET"]),
    Route(LOGIN, login, methods=["POST"]),
    Route(CODE, code_form, methods=["GET"]),
    Route(CODE, code, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account/language", language, methods=["POST"]),
    Route("/account/password", password_form, methods=["GET"]),
    Route("/account/password", password, methods=["POST"]),
    Route(CODES_SETUP, codes_form, methods=["GET"]),
    Route(CODES_SETUP, codes, methods=["POST"]),
]
