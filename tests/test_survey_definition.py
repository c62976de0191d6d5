"""Survey files: the Horst survey is complete, mistakes are all named, changes make versions."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.app import create_app
from bot.clock import FixedClock
from bot.content.importer import ContentError, import_folder, read_folder
from bot.languages import LANGUAGE_CODES
from bot.surveys.definition import SurveyFile
from bot.surveys.importer import meaning_of
from bot.surveys.models import Survey, SurveyResponse
from bot.surveys.progress import ANSWERED, Answer, shown_questions
from tests.support.chat import Chat
from tests.support.databases import HORST, Database, settings_for
from tests.support.survey import stored_answers

HORST_SURVEY = yaml.safe_load((HORST / "bedarfsabfrage.yaml").read_text(encoding="utf-8"))


def survey_folder(tmp_path: Path, definition: dict[str, Any], name: str = "survey-test.yaml") -> Path:
    folder = tmp_path / "content"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return folder


def test_the_horst_survey_is_short_complete_and_in_every_language() -> None:
    survey = read_folder(HORST).surveys[0]
    assert survey.key == "bedarfsabfrage"
    assert 12 <= len(survey.questions) <= 15
    kinds = {question.kind for question in survey.questions}
    assert kinds == {"single", "multiple", "scale", "yes_no", "number", "text"}
    for branch in ("under_1_year", "over_10_years"):
        path = shown_questions(survey, {"living_in_horst": Answer(ANSWERED, branch)})
        assert 11 <= len(path) <= 13  # 2 to 4 minutes
    newcomer = {q.key for q in shown_questions(survey, {"living_in_horst": Answer(ANSWERED, "under_1_year")})}
    established = {q.key for q in shown_questions(survey, {"living_in_horst": Answer(ANSWERED, "over_10_years")})}
    assert newcomer - established and established - newcomer  # a branch of their own each
    assert all(set(question.text) == set(LANGUAGE_CODES) for question in survey.questions)


def test_every_mistake_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    broken = copy.deepcopy(HORST_SURVEY)
    broken["key"] = "broken"
    broken["questions"][1]["show_if"] = {"question": "no_such_question", "any_of": ["x"]}
    del broken["questions"][2]["text"]["uk"]
    broken["questions"][3]["key"] = broken["questions"][4]["key"]
    broken["questions"][0]["options"][1]["key"] = broken["questions"][0]["options"][0]["key"]
    broken["questions"][5]["kind"] = "sometimes"
    with pytest.raises(ContentError) as raised:
        read_folder(survey_folder(tmp_path, broken))
    errors = "\n".join(raised.value.errors)
    assert "questions[5] (key 'age_group'): kind: Input should be 'single'" in errors
    broken["questions"][5]["kind"] = "single"
    with pytest.raises(ContentError) as raised:
        read_folder(survey_folder(tmp_path, broken))
    errors = raised.value.errors
    assert any("show_if: unknown or later question 'no_such_question'" in error for error in errors), errors
    assert any("missing translation(s): uk" in error for error in errors), errors
    assert any(f"key {broken['questions'][4]['key']!r} appears 2 times" in error for error in errors), errors
    assert any("option key 'under_1_year' appears 2 times" in error for error in errors), errors
    assert all(error.startswith("survey-test.yaml: ") for error in errors)


def test_a_condition_on_a_missing_option_or_a_later_question_is_refused(tmp_path: Path) -> None:
    broken = copy.deepcopy(HORST_SURVEY)
    broken["questions"][1]["show_if"] = {"question": "living_in_horst", "any_of": ["on_the_moon"]}
    broken["questions"][0]["show_if"] = {"question": "age_group", "any_of": ["under_18"]}
    with pytest.raises(ContentError) as raised:
        read_folder(survey_folder(tmp_path, broken))
    assert any("'living_in_horst' has no option 'on_the_moon'" in error for error in raised.value.errors)
    assert any("unknown or later question 'age_group'" in error for error in raised.value.errors)


async def test_a_changed_file_after_answers_makes_a_new_version_and_old_answers_keep_their_meaning(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    # A quarter of its own, so other tests keep seeing one active survey.
    quarter = f"q{uuid.uuid4().hex[:12]}"
    app = await create_app(settings_for(database, tmp_path, quarter=quarter), clock=clock, migrate=False,
                           engine=database.engine)
    key = "versioned"
    first = copy.deepcopy(HORST_SURVEY) | {"key": key}
    folder = survey_folder(tmp_path, first)
    report = await import_folder(app.sessions, folder, quarter, app.clock)
    assert report.counts["surveys.created"] == 1
    changed = copy.deepcopy(first)
    changed["questions"][0]["text"]["de"] = "Seit wann wohnen Sie in Horst?"
    report = await import_folder(app.sessions, survey_folder(tmp_path, changed), quarter, app.clock)
    assert report.counts["surveys.updated"] == 1  # no answers yet: the version is simply updated

    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    await chat.tap("survey:open")
    await chat.tap(f"survey:go:{key}")
    await chat.tap("survey:a:living_in_horst:over_10_years")
    assert (await stored_answers(app, chat, key))["living_in_horst"] == "over_10_years"

    # A corrected translation keeps the meaning of the answers: the answered version is updated in place.
    polite = copy.deepcopy(changed)
    polite["questions"][0]["text"]["uk"] = "Скільки часу ви вже мешкаєте в Horst?"
    report = await import_folder(app.sessions, survey_folder(tmp_path, polite), quarter, app.clock)
    assert report.counts["surveys.updated"] == 1
    async with app.sessions() as session:
        stored = await session.scalar(select(Survey).where(Survey.quarter == quarter, Survey.key == key))
        assert stored is not None and stored.version == 1
        assert stored.definition["questions"][0]["text"]["uk"] == "Скільки часу ви вже мешкаєте в Horst?"

    renamed = copy.deepcopy(polite)
    renamed["questions"][0]["options"][4]["key"] = "elsewhere"
    report = await import_folder(app.sessions, survey_folder(tmp_path, renamed), quarter, app.clock)
    assert report.counts["surveys.new_version"] == 1
    report = await import_folder(app.sessions, survey_folder(tmp_path, renamed), quarter, app.clock)
    assert report.counts["surveys.unchanged"] == 1
    async with app.sessions() as session:
        versions = (await session.scalars(select(Survey).where(Survey.quarter == quarter, Survey.key == key)
                                          .order_by(Survey.version))).all()
        assert [(survey.version, survey.active) for survey in versions] == [(1, False), (2, True)]
        old = SurveyFile.model_validate(versions[0].definition)
        assert "over_10_years" in old.questions[0].option_keys()  # the old answer still has its meaning
        responses = (await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == versions[0].id)
                                           )).all()
        assert [answer.value for response in responses for answer in response.answers] == ["over_10_years"]
    # The resident may answer the new version once more; it starts empty.
    await chat.say("/survey")
    assert f"survey:go:{key}" in chat.payloads and f"survey:new:{key}" not in chat.payloads


def test_the_german_text_is_the_meaning_of_a_question_and_translations_render_it() -> None:
    """What decides whether an answered survey may be updated in place (bot/surveys/importer.py)."""
    original = SurveyFile.model_validate(HORST_SURVEY).model_dump(mode="json")
    translated = copy.deepcopy(original)
    translated["questions"][0]["text"]["ru"] = "Как давно вы живёте в Horst?"
    translated["questions"][0]["options"][0]["text"]["ar"] = "أقل من سنة"
    assert meaning_of(translated) == meaning_of(original)
    marked = {**original, "unreviewed": ["ru", "pl"]}  # machine-made translations say nothing about the questions
    assert meaning_of(marked) == meaning_of(original)
    reworded = copy.deepcopy(original)
    reworded["questions"][0]["text"]["de"] = "Wie lange leben Sie schon in Gelsenkirchen?"
    assert meaning_of(reworded) != meaning_of(original)
    reordered = copy.deepcopy(original)
    reordered["questions"][0]["options"].reverse()
    assert meaning_of(reordered) != meaning_of(original)
