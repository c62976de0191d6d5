"""Staff see the surveys with their counts, correct texts while a version has no answers, and switch versions.

Each test works on a database of its own (`own`), with the Bedarfsabfrage of the Horst example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.languages import CONTENT_LANGUAGE_CODES
from bot.surveys.definition import SurveyFile
from bot.surveys.editing import digest
from bot.surveys.importer import upsert_survey
from bot.surveys.models import Survey
from tests.support.chat import Chat
from tests.support.survey import SURVEY, answer_survey
from tests.support.web import browser, make_account

QUESTION = "living_in_horst"
PAGE = f"/surveys/{SURVEY}/1"
EDIT = f"{PAGE}/questions/{QUESTION}"


async def versions(app: App) -> list[Survey]:
    async with app.sessions() as session:
        return list(await session.scalars(select(Survey).where(Survey.quarter == app.settings.quarter,
                                                               Survey.key == SURVEY).order_by(Survey.version)))


async def audit(app: App, prefix: str) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                          .order_by(AuditEntry.id)))


def texts_of(survey: Survey, **changes: str) -> dict[str, str]:
    """The edit form of QUESTION as stored, with `changes` (field name → text)."""
    question = next(item for item in survey.definition["questions"] if item["key"] == QUESTION)
    fields = {f"text-{code}": text for code, text in question["text"].items()}
    for option in question["options"]:
        fields.update({f"option-{option['key']}-{code}": text for code, text in option["text"].items()})
    return {"version": survey.content_hash, **fields, **changes}


async def test_texts_are_corrected_while_nobody_has_answered_and_residents_see_them(own: App,
                                                                                   tmp_path: Path) -> None:
    editor, _ = await make_account(own, "redaktion")
    [survey] = await versions(own)
    new_question = "Seit wann wohnen Sie in Horst? (überarbeitet)"
    async with browser(own) as page:
        await page.login(editor.name)
        listing = await page.get("/surveys")
        assert f'href="{PAGE}"' in listing.text and "<td>1</td>" in listing.text
        shown = await page.get(PAGE)
        assert "noch keine Antworten" in shown.text and "Ausgangstext" in shown.text
        form = await page.get(EDIT)
        assert form.status_code == 200 and "Texte speichern" in form.text
        saved = await page.post(EDIT, texts_of(survey, **{"text-de": new_question, "text-ar": "منذ متى تعيش في هورست؟",
                                                          "option-under_1_year-de": "Seit weniger als einem Jahr"}))
        assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?done=saved"
        assert new_question in (await page.get(PAGE)).text

    [changed] = await versions(own)
    definition = SurveyFile.model_validate(changed.definition)
    question = definition.question(QUESTION)
    assert question is not None and question.text["de"] == new_question
    assert question.text["ar"] == "منذ متى تعيش في هورست؟" and list(question.text) == list(CONTENT_LANGUAGE_CODES)
    assert question.options[0].text["de"] == "Seit weniger als einem Jahr"
    assert changed.content_hash == digest(definition) != survey.content_hash
    [entry] = await audit(own, "survey.edit")
    assert entry.actor == editor.name and entry.before is not None and entry.after is not None
    assert entry.before["text"]["de"] != new_question and entry.after["text"]["de"] == new_question
    assert entry.after["options"]["under_1_year"]["de"] == "Seit weniger als einem Jahr"

    resident = Chat(own, "console", language_hint="de")
    await resident.say("/survey")
    await resident.tap(f"survey:go:{SURVEY}")
    assert new_question in resident.text  # the chat's survey catalog noticed the new digest

    await export_folder(own.sessions, tmp_path / "export", own.settings.quarter)
    report = await import_folder(own.sessions, tmp_path / "export", own.settings.quarter, own.clock)
    assert report.counts["surveys.unchanged"] == 1 and report.counts["surveys.updated"] == 0


async def test_an_empty_translation_is_refused_and_what_was_typed_stays(own: App) -> None:
    editor, _ = await make_account(own, "team")
    [survey] = await versions(own)
    async with browser(own) as page:
        await page.login(editor.name)
        refused = await page.post(EDIT, texts_of(survey, **{"text-de": "Neuer Text <b>fett</b>", "text-ar": "",
                                                            "option-over_10_years-uk": "x" * 1501}))
        assert refused.status_code == 400
        assert "jede Sprache wird gebraucht" in refused.text and "Höchstens 1500 Zeichen." in refused.text
        assert "Neuer Text &lt;b&gt;fett&lt;/b&gt;" in refused.text  # kept, and escaped
        assert 'aria-describedby="error-text-ar"' in refused.text
    assert (await versions(own))[0].content_hash == survey.content_hash
    assert await audit(own, "survey.edit") == []


async def test_two_editors_at_once_lose_no_text(own: App) -> None:
    first, _ = await make_account(own, "redaktion")
    second, _ = await make_account(own, "team")
    [survey] = await versions(own)
    async with browser(own) as office, browser(own) as tablet:
        await office.login(first.name)
        await tablet.login(second.name)
        assert (await office.post(EDIT, texts_of(survey, **{"text-de": "Erste Fassung"}))).status_code == 303
        late = await tablet.post(EDIT, texts_of(survey, **{"text-de": "Zweite Fassung"}))
        assert late.status_code == 409 and "Jemand anderes hat diese Umfrage inzwischen geändert" in late.text
        assert "Zweite Fassung" in late.text
    question = SurveyFile.model_validate((await versions(own))[0].definition).question(QUESTION)
    assert question is not None and question.text["de"] == "Erste Fassung"


async def test_once_answered_a_version_is_frozen_and_no_answer_is_shown(own: App, clock: FixedClock) -> None:
    editor, _ = await make_account(own, "redaktion")
    [survey] = await versions(own)
    await answer_survey(Chat(own, "console", language_hint="de"), {
        "living_in_horst": "under_1_year", "ideas": "Geheimnis-4711 aus der Nachbarschaft", "help_organise": "no"})
    await answer_survey(Chat(own, "console", language_hint="de"), {}, stop_before="know_people")
    async with browser(own) as page:
        await page.login(editor.name)
        listing = await page.get("/surveys")
        assert "<td>1</td>\n    <td>1</td>" in listing.text  # one complete, one partial
        shown = await page.get(PAGE)
        assert "Diese Version hat 2 Antworten." in shown.text and "neue Version" in shown.text
        assert f'href="{EDIT}"' not in shown.text
        frozen = await page.get(EDIT)
        assert "Texte speichern" not in frozen.text and "YAML-Datei" in frozen.text
        refused = await page.post(EDIT, texts_of(survey, **{"text-de": "Geändert"}), token=page.token())
        assert refused.status_code == 409 and "inzwischen Antworten" in refused.text and "Geändert" in refused.text
        for path in ("/surveys", PAGE, EDIT):
            assert "Geheimnis-4711" not in (await page.get(path)).text
    assert (await versions(own))[0].content_hash == survey.content_hash


async def test_switching_a_version_on_switches_the_others_off(own: App, clock: FixedClock) -> None:
    editor, _ = await make_account(own, "team")
    [first] = await versions(own)
    await answer_survey(Chat(own, "console", language_hint="de"), {}, stop_before="know_people")
    changed = SurveyFile.model_validate(first.definition)
    changed = changed.model_copy(update={"retention_months": changed.retention_months + 1})
    async with own.sessions() as session, session.begin():
        assert await upsert_survey(session, changed, own.settings.quarter, clock) == "new_version"
    async with browser(own) as page:
        await page.login(editor.name)
        assert (await page.post(f"/surveys/{SURVEY}/2/active", {"active": "no"},
                                from_page=f"/surveys/{SURVEY}/2")).status_code == 303
        assert [version.active for version in await versions(own)] == [False, False]
        resident = Chat(own, "console", language_hint="de")
        await resident.say("/survey")
        assert f"survey:go:{SURVEY}" not in resident.payloads
        on = await page.post(PAGE + "/active", {"active": "yes"}, from_page=PAGE)
        assert on.status_code == 303 and on.headers["location"] == f"{PAGE}?done=on"
        assert [version.active for version in await versions(own)] == [True, False]
        assert (await page.post(f"/surveys/{SURVEY}/2/active", {"active": "yes"},
                                from_page=f"/surveys/{SURVEY}/2")).status_code == 303
        assert [version.active for version in await versions(own)] == [False, True]
        assert (await page.client.post(PAGE + "/active", data={"active": "yes"})).status_code == 403  # no token
    assert [version.active for version in await versions(own)] == [False, True]
    ids = {version.version: str(version.id) for version in await versions(own)}
    entries: list[tuple[str, Any, Any]] = [(entry.action, entry.object_id, entry.after)
                                           for entry in await audit(own, "survey.")]
    assert [(action, object_id) for action, object_id, _ in entries] == [
        ("survey.deactivate", ids[2]), ("survey.activate", ids[1]), ("survey.deactivate", ids[1]),
        ("survey.activate", ids[2])]
    assert entries[1][2] == {"active": True}
