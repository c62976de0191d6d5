"""Offers in the back office: the list (search, category, translation state), a new offer, and an offer's
page with its common fields and its ten language versions side by side, each with its state.

Every change goes through `bot/offers/editing.py`, the same rules as the YAML import; the offer's search
words (its needs vocabulary) through `bot/offers/needs.py`. A form that comes
back with a problem keeps what was typed; a save over someone else's newer change is refused with a
message and the typed text kept (see `editing.Conflict`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.content.schema import TARGET_GROUPS, WEEKDAYS
from bot.content.texts import Translation, unreviewed
from bot.i18n import N_
from bot.languages import CONTENT_LANGUAGE_CODES, LANGUAGES
from bot.offers import editing, needs
from bot.offers.category_editing import categories_in_order
from bot.offers.listing import OfferFilter, offer_page
from bot.offers.models import Category, Offer
from bot.web import need_forms
from bot.web import offer_forms as forms
from bot.web.guard import Staff, guarded
from bot.web.rendering import render

STATE_LABELS = {Translation.SOURCE: N_("source"), Translation.CURRENT: N_("current"),
                Translation.OUTDATED: N_("outdated"), Translation.MISSING: N_("missing")}
STATE_SIGNS = {Translation.SOURCE: "DE", Translation.CURRENT: "✓", Translation.OUTDATED: "!", Translation.MISSING: "–"}
DONE = {"saved": N_("Saved."), "created": N_("The offer was created. Now add its translations."),
        "confirmed": N_("Marked as still correct."), "reviewed": N_("Marked as checked."),
        "deactivated": N_("The offer was deactivated."),
        "activated": N_("The offer is active again.")}


def language_names(staff: Staff) -> dict[str, str]:
    """Language names in the staff member's language (Babel's), Leichte Sprache by its own name."""
    names = staff.translator.locale.languages
    return {code: staff.translator.gettext(N_("Easy German")) if code == "de@easy" else names.get(code, code)
            for code in CONTENT_LANGUAGE_CODES}


def _now(request: Request) -> Any:
    return request.app.state.web.app.clock.now()


def _quarter(request: Request) -> str:
    return str(request.app.state.web.app.settings.quarter)


def _common_context(staff: Staff) -> dict[str, Any]:
    return {"weekdays": WEEKDAYS, "weekday_labels": forms.WEEKDAY_LABELS, "target_groups": TARGET_GROUPS,
            "target_group_labels": forms.TARGET_GROUP_LABELS, "cost_labels": forms.COST_LABELS,
            "barrier_free_labels": forms.BARRIER_FREE_LABELS, "state_labels": STATE_LABELS,
            "state_signs": STATE_SIGNS, "names": language_names(staff)}


async def _categories(staff: Staff, quarter: str) -> list[tuple[str, str]]:
    """(key, German name) in the menu's order, for the category choice."""
    return [(row.key, next((text.name for text in row.texts if text.language == "de"), row.key))
            for row in await categories_in_order(staff.db, quarter)]


def _int(text: str | None, default: int = 1) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


@guarded(Right.CONTENT)
async def listing(request: Request, staff: Staff) -> Response:
    query = request.query_params
    codes = set(CONTENT_LANGUAGE_CODES)
    where = OfferFilter(query=query.get("q", "")[:100], category=query.get("category", "")[:40],
                        missing=query.get("missing", "") if query.get("missing") in codes else "",
                        outdated=query.get("outdated", "") if query.get("outdated") in codes else "",
                        unreviewed=query.get("unreviewed", "") if query.get("unreviewed") in codes else "",
                        inactive=query.get("inactive") == "1")
    page = await offer_page(staff.db, _quarter(request), where, _int(query.get("page")))
    return render(request, staff.translator, "offers.html", staff=staff, page=page, where=where,
                  categories=await _categories(staff, _quarter(request)), languages=CONTENT_LANGUAGE_CODES,
                  **_common_context(staff))


@guarded(Right.CONTENT)
async def new_form(request: Request, staff: Staff) -> Response:
    return await _new_page(request, staff, forms.empty_values(), forms.text_values_of(None), {})


async def _new_page(request: Request, staff: Staff, values: dict[str, Any], text: dict[str, str],
                    errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, staff.translator, "offer_new.html", status_code=status_code, staff=staff, values=values,
                  text=text, errors=errors, categories=await _categories(staff, _quarter(request)),
                  **_common_context(staff))


@guarded(Right.CONTENT)
async def create(request: Request, staff: Staff) -> Response:
    form = await request.form()
    values, text = forms.common_values(form), forms.text_values(form)
    try:
        offer = await editing.create_offer(staff.db, _quarter(request), forms.common_fields(values),
                                           forms.text_of(text), _now(request), staff.actor)
    except editing.Invalid as invalid:
        return await _new_page(request, staff, values, text, forms.messages(staff.translator, invalid.by_field()),
                               status_code=400)
    return RedirectResponse(f"/offers/{offer.id}?done=created", status_code=303)


async def _offer(request: Request, staff: Staff) -> Offer | None:
    offer = await staff.db.get(Offer, request.path_params["offer_id"])
    return offer if offer is not None and offer.quarter == _quarter(request) else None


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext(N_("There is no such offer.")))


async def _edit_page(request: Request, staff: Staff, offer: Offer, status_code: int = 200,
                     values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     text_language: str = "", text: dict[str, str] | None = None,
                     text_errors: dict[str, str] | None = None, conflict: bool = False,
                     words: dict[str, Any] | None = None) -> Response:
    """The offer's page; the form just posted (common fields, one language or the search words) shows what was
    typed."""
    category = await staff.db.get(Category, offer.category_id)
    assert category is not None
    entry = editing.entry_data(offer, category.key)
    states = editing.text_states(offer)
    rtl = {language.code for language in LANGUAGES if language.right_to_left}
    unchecked = unreviewed(offer.texts)
    texts = [{"code": code, "state": states[code], "rtl": code in rtl, "version": editing.text_version(offer, code),
              "unreviewed": code in unchecked,
              "values": text if code == text_language and text is not None
              else forms.text_values_of(entry["texts"].get(code)),
              "errors": (text_errors or {}) if code == text_language else {},
              "conflict": conflict and code == text_language} for code in CONTENT_LANGUAGE_CODES]
    done = request.query_params.get("done", "")
    if words is None:
        words = await need_forms.section(staff.db, offer.quarter, needs.OFFER, offer.key, f"/offers/{offer.id}/needs",
                                         done=done == "needs")
    return render(request, staff.translator, "offer_edit.html", status_code=status_code, staff=staff, offer=offer,
                  values=values if values is not None else forms.values_of(entry), errors=errors or {},
                  version=editing.offer_version(offer), texts=texts, title=entry["texts"]["de"]["title"],
                  conflict=conflict and not text_language, done=DONE.get(done, ""), limits=forms.TEXT_LIMITS,
                  categories=await _categories(staff, offer.quarter), needs=words, **_common_context(staff))


@guarded(Right.CONTENT)
async def edit(request: Request, staff: Staff) -> Response:
    offer = await _offer(request, staff)
    return _missing(request, staff) if offer is None else await _edit_page(request, staff, offer)


@guarded(Right.CONTENT)
async def save_common(request: Request, staff: Staff) -> Response:
    offer = await _offer(request, staff)
    if offer is None:
        return _missing(request, staff)
    form = await request.form()
    values = forms.common_values(form)
    try:
        await editing.update_offer(staff.db, offer, forms.common_fields(values), str(form.get("version", "")),
                                   _now(request), staff.actor)
    except editing.Invalid as invalid:
        return await _edit_page(request, staff, offer, 400, values=values,
                                errors=forms.messages(staff.translator, invalid.by_field()))
    except editing.Conflict:
        return await _edit_page(request, staff, offer, 409, values=values, conflict=True)
    return RedirectResponse(f"/offers/{offer.id}?done=saved", status_code=303)


@guarded(Right.CONTENT)
async def save_text(request: Request, staff: Staff) -> Response:
    offer = await _offer(request, staff)
    if offer is None:
        return _missing(request, staff)
    form = await request.form()
    language, text = str(form.get("language", "")), forms.text_values(form)
    if language not in CONTENT_LANGUAGE_CODES:
        return _missing(request, staff)
    try:
        await editing.update_text(staff.db, offer, language, forms.text_of(text), str(form.get("version", "")),
                                  _now(request), staff.actor)
    except editing.Invalid as invalid:
        return await _edit_page(request, staff, offer, 400, text_language=language, text=text,
                                text_errors=forms.messages(staff.translator, invalid.by_field()))
    except editing.Conflict:
        return await _edit_page(request, staff, offer, 409, text_language=language, text=text, conflict=True)
    return RedirectResponse(f"/offers/{offer.id}?done=saved#text-{language}", status_code=303)


@guarded(Right.CONTENT)
async def save_needs(request: Request, staff: Staff) -> Response:
    """The offer's search words in every language at once (`bot/offers/needs.py`)."""
    offer = await _offer(request, staff)
    if offer is None:
        return _missing(request, staff)
    form = await request.form()
    typed = need_forms.typed(form)
    action = f"/offers/{offer.id}/needs"
    try:
        await needs.change_needs(staff.db, offer.quarter, needs.OFFER, offer.key, need_forms.words(typed),
                                 str(form.get("version", "")), _now(request), staff.actor)
    except editing.Invalid as invalid:
        errors = need_forms.messages(staff.translator, invalid.by_field())
        return await _edit_page(request, staff, offer, 400, words=await need_forms.section(
            staff.db, offer.quarter, needs.OFFER, offer.key, action, typed, errors))
    except editing.Conflict:
        return await _edit_page(request, staff, offer, 409, words=await need_forms.section(
            staff.db, offer.quarter, needs.OFFER, offer.key, action, typed, conflict=True,
            posted_basis=need_forms.basis(form)))
    return RedirectResponse(f"/offers/{offer.id}?done=needs#needs", status_code=303)


def _confirmation(confirm: Callable[..., Awaitable[None]], done: str) -> Any:
    """A text of one language confirmed as it is: "still correct" after a German change, or "checked" by a
    native speaker. Both name the text's version, so a page that no longer shows it is refused (409)."""
    @guarded(Right.CONTENT)
    async def endpoint(request: Request, staff: Staff) -> Response:
        offer = await _offer(request, staff)
        if offer is None:
            return _missing(request, staff)
        form = await request.form()
        language = str(form.get("language", ""))
        if language not in CONTENT_LANGUAGE_CODES:
            return _missing(request, staff)
        try:
            await confirm(staff.db, offer, language, str(form.get("version", "")), _now(request), staff.actor)
        except editing.Invalid as invalid:
            return await _edit_page(request, staff, offer, 400, text_language=language,
                                    text_errors=forms.messages(staff.translator, invalid.by_field()))
        except editing.Conflict:
            return await _edit_page(request, staff, offer, 409, text_language=language, conflict=True)
        return RedirectResponse(f"/offers/{offer.id}?done={done}#text-{language}", status_code=303)
    return endpoint


confirm_text = _confirmation(editing.confirm_text, "confirmed")
confirm_review = _confirmation(editing.confirm_review, "reviewed")


def _activation(active: bool) -> Any:
    @guarded(Right.CONTENT)
    async def change(request: Request, staff: Staff) -> Response:
        offer = await _offer(request, staff)
        if offer is None:
            return _missing(request, staff)
        await editing.set_active(staff.db, offer, active, _now(request), staff.actor)
        return RedirectResponse(f"/offers/{offer.id}?done={'activated' if active else 'deactivated'}",
                                status_code=303)
    change.__name__ = "offer_activate" if active else "offer_deactivate"
    return change


ROUTES = [
    Route("/offers", listing, methods=["GET"]),
    Route("/offers/new", new_form, methods=["GET"]),
    Route("/offers/new", create, methods=["POST"]),
    Route("/offers/{offer_id:int}", edit, methods=["GET"]),
    Route("/offers/{offer_id:int}", save_common, methods=["POST"]),
    Route("/offers/{offer_id:int}/text", save_text, methods=["POST"]),
    Route("/offers/{offer_id:int}/needs", save_needs, methods=["POST"]),
    Route("/offers/{offer_id:int}/confirm", confirm_text, methods=["POST"]),
    Route("/offers/{offer_id:int}/reviewed", confirm_review, methods=["POST"]),
    Route("/offers/{offer_id:int}/deactivate", _activation(False), methods=["POST"]),
    Route("/offers/{offer_id:int}/activate", _activation(True), methods=["POST"]),
]
