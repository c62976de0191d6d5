"""Prepared answers (text modules) in the back office: the list with the languages each is written in, a new
one, editing its title and its ten language versions, switching it off and on, and deleting it after a
confirmation.

Every change goes through `bot/questions/prepared.py`, which checks it (a title, German always, the length,
only the placeholders it can fill) and writes the audit entry. A form that comes back with a problem keeps
everything typed; a save over someone else's newer change is refused the same way.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.i18n import N_
from bot.languages import LANGUAGES
from bot.questions import prepared
from bot.questions.models import PreparedAnswer
from bot.questions.store import MAX_TEXT
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

ERRORS = {
    prepared.NO_TITLE: N_("Please give the prepared answer a title (at most %(count)s characters)."),
    prepared.NO_GERMAN: N_("The German text is needed: it is what staff read, and the fallback for Easy German."),
    prepared.TOO_LONG: N_("A text is too long: at most %(count)s characters each."),
    prepared.UNKNOWN_PLACEHOLDER: N_("A text has a placeholder that cannot be filled. Possible are {reference}, "
                                     "{hours} and {address}."),
}
FIELD_ERRORS = {
    prepared.TOO_LONG: N_("At most %(count)s characters."),
    prepared.UNKNOWN_PLACEHOLDER: N_("Unknown placeholder: %(names)s"),
}
CONFLICT = N_("Someone else changed this prepared answer meanwhile, so nothing was saved. Your entries are still "
              "in the form; compare them with the current state (open this page again in a new tab) and save again "
              "to keep yours.")
DONE = {"created": N_("The prepared answer was created."), "saved": N_("Saved."),
        "unchanged": N_("Nothing was changed."), "deleted": N_("The prepared answer was deleted."),
        "deactivated": N_("The prepared answer is switched off: it is no longer offered when answering."),
        "activated": N_("The prepared answer is offered again when answering.")}


def _web(request: Request) -> Any:
    return request.app.state.web.app


def _quarter(request: Request) -> str:
    return str(_web(request).settings.quarter)


def _version(row: PreparedAnswer) -> str:
    """Changes with every save, even two within the same second."""
    state = [row.title, row.texts or {}, row.active, row.updated_at.isoformat()]
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


async def _answer(request: Request, staff: Staff) -> PreparedAnswer | None:
    return await prepared.get(staff.db, _quarter(request), request.path_params["answer_id"])


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext(N_("There is no such prepared answer.")))


def _typed(form: FormData) -> tuple[str, dict[str, str]]:
    title = str(form.get("title", ""))[:prepared.MAX_TITLE * 2]
    return title, {language.code: str(form.get(f"text-{language.code}", ""))[:MAX_TEXT * 2]
                   for language in LANGUAGES}


def _message(staff: Staff, code: str) -> str:
    count = prepared.MAX_TITLE if code == prepared.NO_TITLE else MAX_TEXT
    return staff.translator.gettext(ERRORS[code]) % {"count": count}


def _field_errors(staff: Staff, code: str, texts: dict[str, str]) -> dict[str, str]:
    """Which language's text the refusal is about, so the message stands next to it."""
    _ = staff.translator.gettext
    if code == prepared.TOO_LONG:
        return {language: _(FIELD_ERRORS[code]) % {"count": MAX_TEXT}
                for language, text in texts.items() if len(text.strip()) > MAX_TEXT}
    if code == prepared.UNKNOWN_PLACEHOLDER:
        return {language: _(FIELD_ERRORS[code]) % {"names": ", ".join("{" + name + "}" for name in names)}
                for language, text in texts.items() if (names := prepared.unknown_placeholders(text))}
    if code == prepared.NO_GERMAN:
        return {"de": _(N_("Please enter the German text."))}
    return {}


def _form(request: Request, staff: Staff, *, row: PreparedAnswer | None, title: str, texts: dict[str, str],
          status_code: int = 200, error: str = "", field_errors: dict[str, str] | None = None,
          title_error: bool = False, version: str = "") -> Response:
    fields = [{"code": language.code, "rtl": language.right_to_left, "lang": language.code.split("@")[0],
               "name": language.native_name, "value": texts.get(language.code, ""),
               "error": (field_errors or {}).get(language.code, "")} for language in LANGUAGES]
    return render(request, staff.translator, "prepared_answer_form.html", status_code=status_code, staff=staff,
                  row=row, title=title, fields=fields, error=error, title_error=title_error,
                  names=language_names(staff), version=version or (_version(row) if row else ""),
                  max_text=MAX_TEXT, max_title=prepared.MAX_TITLE, placeholders=prepared.PLACEHOLDERS,
                  done=DONE.get(request.query_params.get("done", ""), ""))


@guarded(Right.QUESTIONS)
async def listing(request: Request, staff: Staff) -> Response:
    rows = await prepared.listed(staff.db, _quarter(request))
    return render(request, staff.translator, "prepared_answers.html", staff=staff, rows=rows,
                  languages=LANGUAGES, names=language_names(staff),
                  done=DONE.get(request.query_params.get("done", ""), ""))


@guarded(Right.QUESTIONS)
async def new_form(request: Request, staff: Staff) -> Response:
    return _form(request, staff, row=None, title="", texts={})


@guarded(Right.QUESTIONS)
async def create(request: Request, staff: Staff) -> Response:
    title, texts = _typed(await request.form())
    try:
        row = await prepared.create(staff.db, _quarter(request), title, texts, _web(request).clock.now(),
                                    staff.actor)
    except prepared.PreparedAnswerError as refused:
        return _form(request, staff, row=None, title=title, texts=texts, status_code=400,
                     error=_message(staff, refused.code), title_error=refused.code == prepared.NO_TITLE,
                     field_errors=_field_errors(staff, refused.code, texts))
    return RedirectResponse(f"/prepared-answers/{row.id}?done=created", status_code=303)


@guarded(Right.QUESTIONS)
async def edit(request: Request, staff: Staff) -> Response:
    row = await _answer(request, staff)
    if row is None:
        return _missing(request, staff)
    return _form(request, staff, row=row, title=row.title, texts=dict(row.texts or {}))


@guarded(Right.QUESTIONS)
async def save(request: Request, staff: Staff) -> Response:
    row = await _answer(request, staff)
    if row is None:
        return _missing(request, staff)
    form = await request.form()
    title, texts = _typed(form)
    version = str(form.get("version", ""))
    if version != _version(row):
        # The form now carries the current version: saving it again keeps what this staff member typed.
        return _form(request, staff, row=row, title=title, texts=texts, status_code=409,
                     error=staff.translator.gettext(CONFLICT))
    try:
        changed = await prepared.update(staff.db, row, title, texts, row.active, _web(request).clock.now(),
                                        staff.actor)
    except prepared.PreparedAnswerError as refused:
        return _form(request, staff, row=row, title=title, texts=texts, status_code=400,
                     error=_message(staff, refused.code), title_error=refused.code == prepared.NO_TITLE,
                     field_errors=_field_errors(staff, refused.code, texts), version=version)
    return RedirectResponse(f"/prepared-answers/{row.id}?done={'saved' if changed else 'unchanged'}",
                            status_code=303)


@guarded(Right.QUESTIONS)
async def switch(request: Request, staff: Staff) -> Response:
    row = await _answer(request, staff)
    if row is None:
        return _missing(request, staff)
    active = (await request.form()).get("active") == "yes"
    await prepared.update(staff.db, row, row.title, dict(row.texts or {}), active, _web(request).clock.now(),
                          staff.actor)
    return RedirectResponse(f"/prepared-answers?done={'activated' if active else 'deactivated'}#answer-{row.id}",
                            status_code=303)


@guarded(Right.QUESTIONS)
async def delete_form(request: Request, staff: Staff) -> Response:
    row = await _answer(request, staff)
    if row is None:
        return _missing(request, staff)
    return render(request, staff.translator, "prepared_answer_delete.html", staff=staff, row=row)


@guarded(Right.QUESTIONS)
async def delete(request: Request, staff: Staff) -> Response:
    row = await _answer(request, staff)
    if row is None:
        return _missing(request, staff)
    if (await request.form()).get("confirm") != "yes":  # only the confirmation page's button deletes
        return RedirectResponse(f"/prepared-answers/{row.id}/delete", status_code=303)
    await prepared.delete(staff.db, row, _web(request).clock.now(), staff.actor)
    return RedirectResponse("/prepared-answers?done=deleted", status_code=303)


ROUTES = [
    Route("/prepared-answers", listing, methods=["GET"]),
    Route("/prepared-answers/new", new_form, methods=["GET"]),
    Route("/prepared-answers/new", create, methods=["POST"]),
    Route("/prepared-answers/{answer_id:int}", edit, methods=["GET"]),
    Route("/prepared-answers/{answer_id:int}", save, methods=["POST"]),
    Route("/prepared-answers/{answer_id:int}/active", switch, methods=["POST"]),
    Route("/prepared-answers/{answer_id:int}/delete", delete_form, methods=["GET"]),
    Route("/prepared-answers/{answer_id:int}/delete", delete, methods=["POST"]),
]
