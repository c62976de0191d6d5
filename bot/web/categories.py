"""Categories in the back office: their order in the chat's menu, and their names and synonyms in the
ten languages with the same states as an offer's texts (missing, outdated, current, not checked by a
native speaker), the list showing each category's at a glance.

Every change goes through `bot/offers/category_editing.py` (a category's search words, its needs vocabulary,
through `bot/offers/needs.py`); categories are not created or deleted
here (offers hang on them, and the chat's menu is built from them): that stays with the YAML file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.content.texts import unreviewed
from bot.i18n import N_
from bot.languages import CONTENT_LANGUAGE_CODES, LANGUAGES
from bot.offers import category_editing as editing
from bot.offers import needs
from bot.offers.editing import Conflict, Invalid
from bot.offers.models import Category
from bot.web import need_forms
from bot.web import offer_forms as forms
from bot.web.guard import Staff, guarded
from bot.web.offers import STATE_LABELS, STATE_SIGNS, language_names
from bot.web.rendering import render

DONE = {"saved": N_("Saved."), "confirmed": N_("Marked as still correct."), "reviewed": N_("Marked as checked.")}


def _quarter(request: Request) -> str:
    return str(request.app.state.web.app.settings.quarter)


def _name(category: Category) -> str:
    return next((text.name for text in category.texts if text.language == "de"), category.key)


@guarded(Right.CONTENT)
async def listing(request: Request, staff: Staff) -> Response:
    rows = [(category, _name(category), editing.category_states(category), unreviewed(category.texts))
            for category in await editing.categories_in_order(staff.db, _quarter(request))]
    return render(request, staff.translator, "categories.html", staff=staff, rows=rows,
                  names=language_names(staff), state_labels=STATE_LABELS, state_signs=STATE_SIGNS,
                  moved=request.query_params.get("moved", ""))


async def _category(request: Request, staff: Staff) -> Category | None:
    category = await staff.db.get(Category, request.path_params["category_id"])
    return category if category is not None and category.quarter == _quarter(request) else None


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext(N_("There is no such category.")))


async def _page(request: Request, staff: Staff, category: Category, status_code: int = 200, language: str = "",
                typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                conflict: bool = False, words: dict[str, Any] | None = None) -> Response:
    stored = editing.category_entry(category)["texts"]
    states = editing.category_states(category)
    rtl = {item.code for item in LANGUAGES if item.right_to_left}
    unchecked = unreviewed(category.texts)
    texts = [{"code": code, "state": states[code], "rtl": code in rtl,
              "version": editing.category_text_version(category, code), "unreviewed": code in unchecked,
              "values": typed if code == language and typed is not None else
              {"name": stored.get(code, {}).get("name", ""),
               "synonyms": ", ".join(stored.get(code, {}).get("synonyms", []))},
              "errors": (errors or {}) if code == language else {}, "conflict": conflict and code == language}
             for code in CONTENT_LANGUAGE_CODES]
    done = request.query_params.get("done", "")
    if words is None:
        words = await need_forms.section(staff.db, category.quarter, needs.CATEGORY, category.key,
                                         f"/categories/{category.id}/needs", done=done == "needs")
    return render(request, staff.translator, "category_edit.html", status_code=status_code, staff=staff,
                  category=category, title=_name(category), texts=texts, names=language_names(staff),
                  state_labels=STATE_LABELS, done=DONE.get(done, ""), needs=words)


@guarded(Right.CONTENT)
async def edit(request: Request, staff: Staff) -> Response:
    category = await _category(request, staff)
    return _missing(request, staff) if category is None else await _page(request, staff, category)


@guarded(Right.CONTENT)
async def save_text(request: Request, staff: Staff) -> Response:
    category = await _category(request, staff)
    if category is None:
        return _missing(request, staff)
    form = await request.form()
    language = str(form.get("language", ""))
    typed = {"name": str(form.get("name", "")).strip()[:500], "synonyms": str(form.get("synonyms", ""))[:4000]}
    if language not in CONTENT_LANGUAGE_CODES:
        return _missing(request, staff)
    text: dict[str, Any] = {"name": typed["name"],
                            "synonyms": [part.strip() for part in typed["synonyms"].split(",") if part.strip()]}
    now = request.app.state.web.app.clock.now()
    try:
        await editing.update_category_text(staff.db, category, language, text, str(form.get("version", "")), now,
                                           staff.actor)
    except Invalid as invalid:
        return await _page(request, staff, category, 400, language, typed,
                           forms.messages(staff.translator, invalid.by_field()))
    except Conflict:
        return await _page(request, staff, category, 409, language, typed, conflict=True)
    return RedirectResponse(f"/categories/{category.id}?done=saved#text-{language}", status_code=303)


@guarded(Right.CONTENT)
async def save_needs(request: Request, staff: Staff) -> Response:
    """The category's search words in every language at once (`bot/offers/needs.py`)."""
    category = await _category(request, staff)
    if category is None:
        return _missing(request, staff)
    form = await request.form()
    typed = need_forms.typed(form)
    action = f"/categories/{category.id}/needs"
    try:
        await needs.change_needs(staff.db, category.quarter, needs.CATEGORY, category.key, need_forms.words(typed),
                                 str(form.get("version", "")), request.app.state.web.app.clock.now(), staff.actor)
    except Invalid as invalid:
        errors = need_forms.messages(staff.translator, invalid.by_field())
        return await _page(request, staff, category, 400, words=await need_forms.section(
            staff.db, category.quarter, needs.CATEGORY, category.key, action, typed, errors))
    except Conflict:
        return await _page(request, staff, category, 409, words=await need_forms.section(
            staff.db, category.quarter, needs.CATEGORY, category.key, action, typed, conflict=True,
            posted_basis=need_forms.basis(form)))
    return RedirectResponse(f"/categories/{category.id}?done=needs#needs", status_code=303)


def _confirmation(confirm: Callable[..., Awaitable[None]], done: str) -> Any:
    """A category's text of one language confirmed as it is: "still correct" or "checked" (see offers.py)."""
    @guarded(Right.CONTENT)
    async def endpoint(request: Request, staff: Staff) -> Response:
        category = await _category(request, staff)
        if category is None:
            return _missing(request, staff)
        form = await request.form()
        language = str(form.get("language", ""))
        if language not in CONTENT_LANGUAGE_CODES:
            return _missing(request, staff)
        now = request.app.state.web.app.clock.now()
        try:
            await confirm(staff.db, category, language, str(form.get("version", "")), now, staff.actor)
        except Invalid as invalid:
            return await _page(request, staff, category, 400, language,
                               errors=forms.messages(staff.translator, invalid.by_field()))
        except Conflict:
            return await _page(request, staff, category, 409, language, conflict=True)
        return RedirectResponse(f"/categories/{category.id}?done={done}#text-{language}", status_code=303)
    return endpoint


confirm_text = _confirmation(editing.confirm_category_text, "confirmed")
confirm_review = _confirmation(editing.confirm_category_review, "reviewed")


def _move(up: bool) -> Any:
    @guarded(Right.CONTENT)
    async def move(request: Request, staff: Staff) -> Response:
        category = await _category(request, staff)
        if category is None:
            return _missing(request, staff)
        await editing.move_category(staff.db, category, up, request.app.state.web.app.clock.now(), staff.actor)
        return RedirectResponse(f"/categories?moved={category.key}#category-{category.key}", status_code=303)
    move.__name__ = "category_up" if up else "category_down"
    return move


ROUTES = [
    Route("/categories", listing, methods=["GET"]),
    Route("/categories/{category_id:int}", edit, methods=["GET"]),
    Route("/categories/{category_id:int}/text", save_text, methods=["POST"]),
    Route("/categories/{category_id:int}/needs", save_needs, methods=["POST"]),
    Route("/categories/{category_id:int}/confirm", confirm_text, methods=["POST"]),
    Route("/categories/{category_id:int}/reviewed", confirm_review, methods=["POST"]),
    Route("/categories/{category_id:int}/up", _move(True), methods=["POST"]),
    Route("/categories/{category_id:int}/down", _move(False), methods=["POST"]),
]
