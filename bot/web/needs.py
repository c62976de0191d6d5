""""Nicht im Quartier": the needs the quarter has no offer for (a car repair, a dentist), whose words make
the bot's search answer "nothing found" rather than an offer that does not fit.

Listed with their words per language; added, changed and deleted here, every change through
`bot/offers/needs.py` (validated, versioned, audited), as an offer's and a category's search words are
on their own pages (`bot/web/offers.py`, `bot/web/categories.py`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.i18n import N_
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.offers import needs
from bot.offers.problems import Conflict, Invalid
from bot.web import need_forms
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

DONE = {"added": N_("The need was added."), "saved": N_("Saved."), "deleted": N_("The need was deleted.")}
_KEY_LIMIT = 100  # beyond any key, so the form's own message shows


def _quarter(request: Request) -> str:
    return str(request.app.state.web.app.settings.quarter)


def _now(request: Request) -> Any:
    return request.app.state.web.app.clock.now()


async def _concepts(staff: Staff, quarter: str) -> list[tuple[str, dict[str, list[str]]]]:
    """Each need met elsewhere, by key, with its words in the languages that have any."""
    stored = await needs.load_needs(staff.db, quarter)
    return [(key, {code: by_language[code] for code in CONTENT_LANGUAGE_CODES if by_language.get(code)})
            for (kind, key), by_language in sorted(stored.items()) if kind == needs.ELSEWHERE]


async def _listing_page(request: Request, staff: Staff, status_code: int = 200, key: str = "",
                        typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                        deleted: bool = False) -> Response:
    """The list, and the form for a new need: empty, or as typed when it came back (`deleted`: a need changed
    in a tab while someone else deleted it, its words kept here so it can be added again)."""
    errors = errors or {}
    return render(request, staff.translator, "needs_elsewhere.html", status_code=status_code, staff=staff,
                  concepts=await _concepts(staff, _quarter(request)), names=language_names(staff),
                  right_to_left=need_forms.RIGHT_TO_LEFT,
                  done=DONE.get(request.query_params.get("done", ""), ""), key=key, key_error=errors.get("key", ""),
                  fields=need_forms.fields(typed or {}, errors),
                  error=errors.get("words") or errors.get("language", ""), invalid=bool(errors), deleted=deleted)


@guarded(Right.CONTENT)
async def listing(request: Request, staff: Staff) -> Response:
    return await _listing_page(request, staff)


@guarded(Right.CONTENT)
async def add(request: Request, staff: Staff) -> Response:
    form = await request.form()
    key, typed = str(form.get("key", "")).strip()[:_KEY_LIMIT], need_forms.typed(form)
    try:
        await needs.add_elsewhere(staff.db, _quarter(request), key, need_forms.words(typed), _now(request),
                                  staff.actor)
    except Invalid as invalid:
        return await _listing_page(request, staff, 400, key, typed,
                                   need_forms.messages(staff.translator, invalid.by_field()))
    return RedirectResponse(f"/needs/elsewhere?done=added#need-{key}", status_code=303)


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext(N_("There is no such need.")))


async def _known(request: Request, staff: Staff) -> str | None:
    """The path's key when a need met elsewhere of that key exists in this quarter."""
    key = str(request.path_params["key"])
    return key if await needs.exists(staff.db, _quarter(request), needs.ELSEWHERE, key) else None


async def _edit_page(request: Request, staff: Staff, key: str, status_code: int = 200,
                     typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                     conflict: bool = False, posted_basis: dict[str, str] | None = None) -> Response:
    section = await need_forms.section(staff.db, _quarter(request), needs.ELSEWHERE, key,
                                       f"/needs/elsewhere/{key}", typed, errors, conflict,
                                       posted_basis=posted_basis)
    return render(request, staff.translator, "need_elsewhere_edit.html", status_code=status_code, staff=staff,
                  key=key, needs=section, names=language_names(staff))


@guarded(Right.CONTENT)
async def edit(request: Request, staff: Staff) -> Response:
    key = await _known(request, staff)
    return _missing(request, staff) if key is None else await _edit_page(request, staff, key)


@guarded(Right.CONTENT)
async def save(request: Request, staff: Staff) -> Response:
    key = str(request.path_params["key"])
    form = await request.form()
    typed = need_forms.typed(form)
    try:
        await needs.change_needs(staff.db, _quarter(request), needs.ELSEWHERE, key, need_forms.words(typed),
                                 str(form.get("version", "")), _now(request), staff.actor)
    except Invalid as invalid:
        return await _edit_page(request, staff, key, 400, typed,
                                need_forms.messages(staff.translator, invalid.by_field()))
    except Conflict:
        if await _known(request, staff) is None:  # deleted meanwhile: offered to be added again, words kept
            return await _listing_page(request, staff, 409, key, typed, deleted=True)
        return await _edit_page(request, staff, key, 409, typed, conflict=True, posted_basis=need_forms.basis(form))
    return RedirectResponse(f"/needs/elsewhere?done=saved#need-{key}", status_code=303)


@guarded(Right.CONTENT)
async def delete_form(request: Request, staff: Staff) -> Response:
    key = await _known(request, staff)
    if key is None:
        return _missing(request, staff)
    return render(request, staff.translator, "need_elsewhere_delete.html", staff=staff, key=key)


@guarded(Right.CONTENT)
async def delete(request: Request, staff: Staff) -> Response:
    key = await _known(request, staff)
    if key is None:
        return _missing(request, staff)
    if (await request.form()).get("confirm") != "yes":  # only the confirmation page's button deletes
        return RedirectResponse(f"/needs/elsewhere/{key}/delete", status_code=303)
    await needs.delete_elsewhere(staff.db, _quarter(request), key, _now(request), staff.actor)
    return RedirectResponse("/needs/elsewhere?done=deleted", status_code=303)


ROUTES = [
    Route("/needs/elsewhere", listing, methods=["GET"]),
    Route("/needs/elsewhere", add, methods=["POST"]),
    Route("/needs/elsewhere/{key}", edit, methods=["GET"]),
    Route("/needs/elsewhere/{key}", save, methods=["POST"]),
    Route("/needs/elsewhere/{key}/delete", delete_form, methods=["GET"]),
    Route("/needs/elsewhere/{key}/delete", delete, methods=["POST"]),
]
