"""The surveys: their versions with counts, a version's questions in the ten languages, text corrections
while a version has no answers, a language's translation marked as checked by a native speaker, and switching a
version on or off.

Only counts are shown here (complete, partial, sign-ups); never a single response or anything that
could point at a respondent. The figures themselves belong to the figures screens.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.content.texts import SOURCE_LANGUAGE
from bot.i18n import N_
from bot.languages import BY_CODE, CONTENT_LANGUAGE_CODES
from bot.surveys import editing
from bot.surveys.definition import Question, SurveyFile, unreviewed_in
from bot.surveys.models import Survey
from bot.surveys.results import find_survey, list_surveys
from bot.web.events import REVIEW_PROBLEMS
from bot.web.guard import Staff, guarded
from bot.web.offers import language_names
from bot.web.rendering import render

KIND_LABELS = {"single": N_("single choice"), "multiple": N_("multiple choice"), "scale": N_("scale 1 to 5"),
               "yes_no": N_("yes or no"), "number": N_("number"), "text": N_("free text")}
STATE_LABELS = {"source": N_("source text"), "present": N_("present"), "missing": N_("missing")}
MAX_TEXT = 1500  # the survey schema's limit (definition.Texts)
DONE = {"saved": N_("Saved."), "unchanged": N_("Nothing was changed."),
        "on": N_("This version is now asked in the chat."), "off": N_("This version is no longer asked in the chat."),
        "reviewed": N_("Marked as checked.")}


def _quarter(request: Request) -> str:
    return str(request.app.state.web.app.settings.quarter)


async def _found(request: Request, staff: Staff, *, lock: bool = False) -> Survey | None:
    found = await find_survey(staff.db, _quarter(request), request.path_params["key"],
                              request.path_params["version"])
    if found is None or found.version != request.path_params["version"]:
        return None
    return await editing.survey_in_quarter(staff.db, found.id, _quarter(request), lock=True) if lock else found


def _missing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "error.html", status_code=404, staff=staff,
                  message=staff.translator.gettext("There is no such survey version."))


def status(question: Question, code: str) -> str:
    """German is the source; another language is present when the question and all its options have it.

    Survey texts keep no record of the German text they were translated from, so "outdated" cannot be told
    here; every version is checked for all ten languages when it is imported or edited.
    """
    if code == SOURCE_LANGUAGE:
        return "source"
    texts = [question.text, *(option.text for option in question.options)]
    return "present" if all(text.get(code) for text in texts) else "missing"


def _languages() -> list[Any]:
    return [BY_CODE[code] for code in CONTENT_LANGUAGE_CODES]


@guarded(Right.CONTENT)
async def listing(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "surveys.html", staff=staff,
                  surveys=await list_surveys(staff.db, _quarter(request)), names=language_names(staff))


@guarded(Right.CONTENT)
async def detail(request: Request, staff: Staff) -> Response:
    survey = await _found(request, staff)
    if survey is None:
        return _missing(request, staff)
    return await _detail_page(request, staff, survey)


async def _detail_page(request: Request, staff: Staff, survey: Survey, status_code: int = 200, language: str = "",
                       problem: str = "") -> Response:
    """The version's page; `problem` is said where the languages to check are, naming `language`."""
    summary = next(item for item in await list_surveys(staff.db, _quarter(request))
                   if item.key == survey.key and item.version == survey.version)
    unchecked = unreviewed_in(survey.definition)
    return render(request, staff.translator, "survey.html", status_code=status_code, staff=staff, survey=survey,
                  summary=summary, definition=SurveyFile.model_validate(survey.definition), kind_labels=KIND_LABELS,
                  languages=_languages(), answered=await editing.responses(staff.db, survey.id), status=status,
                  state_labels=STATE_LABELS, done=DONE.get(request.query_params.get("done", "")),
                  unchecked=unchecked, names=language_names(staff), problem=problem, problem_language=language,
                  texts=[{"code": code, "unreviewed": True, "version": editing.text_version(survey, code)}
                         for code in unchecked])


def _question_page(request: Request, staff: Staff, survey: Survey, question_key: str, *, status_code: int = 200,
                   typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                   version: str | None = None, answered: int = 0) -> Response:
    definition = SurveyFile.model_validate(survey.definition)
    question = definition.question(question_key)
    if question is None:
        return _missing(request, staff)
    values = typed if typed is not None else {
        **{f"text-{code}": text for code, text in question.text.items()},
        **{f"option-{option.key}-{code}": text for option in question.options for code, text in option.text.items()}}
    return render(request, staff.translator, "survey_question.html", status_code=status_code, staff=staff,
                  survey=survey, question=question, values=values, errors=errors or {}, languages=_languages(),
                  kind_labels=KIND_LABELS, version=version or survey.content_hash, answered=answered, status=status,
                  state_labels=STATE_LABELS)


@guarded(Right.CONTENT)
async def question_form(request: Request, staff: Staff) -> Response:
    survey = await _found(request, staff)
    if survey is None:
        return _missing(request, staff)
    return _question_page(request, staff, survey, request.path_params["question"],
                          answered=await editing.responses(staff.db, survey.id))


@guarded(Right.CONTENT)
async def question_save(request: Request, staff: Staff) -> Response:
    survey = await _found(request, staff, lock=True)
    if survey is None:
        return _missing(request, staff)
    key = request.path_params["question"]
    question = SurveyFile.model_validate(survey.definition).question(key)
    if question is None:
        return _missing(request, staff)
    form = await request.form()
    _ = staff.translator.gettext
    names = [f"text-{code}" for code in CONTENT_LANGUAGE_CODES] + [
        f"option-{option.key}-{code}" for option in question.options for code in CONTENT_LANGUAGE_CODES]
    typed = {name: str(form.get(name, "")).strip() for name in names}
    errors = {name: _("Please enter the text; every language is needed, so everyone can answer.")
              for name, value in typed.items() if not value}
    errors.update({name: _("At most %(count)s characters.") % {"count": MAX_TEXT}
                   for name, value in typed.items() if len(value) > MAX_TEXT})
    answered = await editing.responses(staff.db, survey.id)
    if errors:
        return _question_page(request, staff, survey, key, status_code=400, typed=typed, errors=errors,
                              version=str(form.get("version", "")), answered=answered)
    text = {code: typed[f"text-{code}"] for code in CONTENT_LANGUAGE_CODES}
    options = {option.key: {code: typed[f"option-{option.key}-{code}"] for code in CONTENT_LANGUAGE_CODES}
               for option in question.options}
    try:
        changed = await editing.edit_question(staff.db, survey, key, text, options, str(form.get("version", "")),
                                              request.app.state.web.app.clock.now(), staff.actor)
    except editing.SurveyEditError as error:
        message = {
            editing.ANSWERED: _("This version has received answers in the meantime, so its texts can no "
                                        "longer be changed. Your entries are still in the form."),
            editing.STALE: _("Someone else has changed this survey in the meantime, so nothing was saved. "
                                     "Your entries are still in the form; check them against the survey and save "
                                     "again."),
        }.get(error.code, "; ".join(error.problems) or error.code)
        return _question_page(request, staff, survey, key, status_code=409, typed=typed, errors={"form": message},
                              answered=answered)
    except ValidationError as error:
        return _question_page(request, staff, survey, key, status_code=400, typed=typed,
                              errors={"form": str(error)}, version=str(form.get("version", "")), answered=answered)
    return RedirectResponse(f"/surveys/{survey.key}/{survey.version}?done={'saved' if changed else 'unchanged'}",
                            status_code=303)


@guarded(Right.CONTENT)
async def switch(request: Request, staff: Staff) -> Response:
    survey = await _found(request, staff, lock=True)
    if survey is None:
        return _missing(request, staff)
    active = (await request.form()).get("active") == "yes"
    await editing.set_active(staff.db, survey, active, request.app.state.web.app.clock.now(), staff.actor)
    return RedirectResponse(f"/surveys/{survey.key}/{survey.version}?done={'on' if active else 'off'}",
                            status_code=303)


@guarded(Right.CONTENT)
async def confirm_review(request: Request, staff: Staff) -> Response:
    """"Checked" for one language's text, naming the texts' version: a page that no longer shows them is refused
    (409), as is a language already checked (400). Answers do not stand in the way: the mark means nothing to
    them."""
    survey = await _found(request, staff, lock=True)
    if survey is None:
        return _missing(request, staff)
    form = await request.form()
    language = str(form.get("language", ""))
    if language not in CONTENT_LANGUAGE_CODES:
        return _missing(request, staff)
    try:
        editing.confirm_review(staff.db, survey, language, str(form.get("version", "")),
                               request.app.state.web.app.clock.now(), staff.actor)
    except editing.SurveyEditError as error:
        return await _detail_page(request, staff, survey, 409 if error.code == editing.STALE else 400, language,
                                  REVIEW_PROBLEMS[error.code])
    return RedirectResponse(f"/surveys/{survey.key}/{survey.version}?done=reviewed#review", status_code=303)


ROUTES = [
    Route("/surveys", listing, methods=["GET"]),
    Route("/surveys/{key}/{version:int}", detail, methods=["GET"]),
    Route("/surveys/{key}/{version:int}/active", switch, methods=["POST"]),
    Route("/surveys/{key}/{version:int}/reviewed", confirm_review, methods=["POST"]),
    Route("/surveys/{key}/{version:int}/questions/{question}", question_form, methods=["GET"]),
    Route("/surveys/{key}/{version:int}/questions/{question}", question_save, methods=["POST"]),
]
