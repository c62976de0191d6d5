"""Leitung manages the staff accounts: create, change the role, disable, enable, reset the password.

The same functions as `quartiersbot staff` (bot/accounts/store.py). A password set here is
generated and shown once to the Leitung, who hands it over; the staff member changes it later.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts import passwords, store
from bot.accounts.models import StaffAccount
from bot.accounts.roles import ROLE_LABELS, ROLES, Right
from bot.web.guard import Staff, guarded
from bot.web.rendering import render


async def _account(request: Request, staff: Staff) -> StaffAccount | None:
    return await staff.db.get(StaffAccount, request.path_params["account_id"])


def _detail(request: Request, staff: Staff, account: StaffAccount, links: object, status_code: int = 200,
            error: str | None = None, new_password: str | None = None) -> Response:
    return render(request, staff.translator, "account_detail.html", status_code=status_code, staff=staff,
                  account=account, links=links, roles=ROLES, role_labels=ROLE_LABELS, error=error,
                  new_password=new_password, done=request.query_params.get("done"))


@guarded(Right.ACCOUNTS)
async def listing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "accounts.html", staff=staff, role_labels=ROLE_LABELS,
                  accounts=await store.list_accounts(staff.db))


@guarded(Right.ACCOUNTS)
async def new_form(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "account_new.html", staff=staff, roles=ROLES, role_labels=ROLE_LABELS,
                  error=None, name="", role="team")


@guarded(Right.ACCOUNTS)
async def create(request: Request, staff: Staff) -> Response:
    form = await request.form()
    name, role = str(form.get("name", ""))[:64], str(form.get("role", ""))
    password = passwords.generate_password()
    try:
        account = await store.create_account(staff.db, name, role, password, request.app.state.web.app.clock.now(),
                                             staff.actor)
    except store.AccountError as error:
        return render(request, staff.translator, "account_new.html", status_code=400, staff=staff, roles=ROLES,
                      role_labels=ROLE_LABELS, error=staff.translator.gettext(str(error)), name=name, role=role)
    return _detail(request, staff, account, [], new_password=password)


@guarded(Right.ACCOUNTS)
async def detail(request: Request, staff: Staff) -> Response:
    account = await _account(request, staff)
    if account is None:
        return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                      message=staff.translator.gettext("There is no such account."))
    return _detail(request, staff, account, await store.links_of(staff.db, account.id))


def _change(action: str) -> object:
    @guarded(Right.ACCOUNTS)
    async def change(request: Request, staff: Staff) -> Response:
        account = await _account(request, staff)
        if account is None:
            return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                          message=staff.translator.gettext("There is no such account."))
        now = request.app.state.web.app.clock.now()
        new_password = None
        try:
            if action == "disable":
                await store.disable_account(staff.db, account, now, staff.actor)
            elif action == "enable":
                await store.enable_account(staff.db, account, now, staff.actor)
            elif action == "role":
                await store.change_role(staff.db, account, str((await request.form()).get("role", "")), now,
                                        staff.actor)
            else:
                new_password = passwords.generate_password()
                await store.reset_password(staff.db, account, new_password, now, staff.actor)
        except store.AccountError as error:
            return _detail(request, staff, account, await store.links_of(staff.db, account.id), status_code=400,
                           error=staff.translator.gettext(str(error)))
        if new_password is not None:  # shown once, in this answer only
            return _detail(request, staff, account, await store.links_of(staff.db, account.id),
                           new_password=new_password)
        return RedirectResponse(f"/accounts/{account.id}?done={action}", status_code=303)
    change.__name__ = f"account_{action}"
    return change


ROUTES = [
    Route("/accounts", listing, methods=["GET"]),
    Route("/accounts/new", new_form, methods=["GET"]),
    Route("/accounts/new", create, methods=["POST"]),
    Route("/accounts/{account_id:int}", detail, methods=["GET"]),
    *(Route(f"/accounts/{{account_id:int}}/{action}", _change(action), methods=["POST"])  # type: ignore[arg-type]
      for action in ("disable", "enable", "role", "reset")),
]
