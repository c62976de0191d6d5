"""Translations a native speaker should still check, for the survey and the Sprechstunden, in the back office over
HTTP: the mark on the pages and in the lists, and "Checked" per language (audited, for everyone with the right to
change content, refused without the CSRF token, on a stale page or twice). Checking changes no word: the survey
keeps its version, answered or not, the titles stay current, and the export round-trips without the mark.

Each test works on a database of its own (`own`) holding the Horst example with the survey marked in ru and pl
and the Sprechstunde's titles marked in pl and ru (tests/support/review.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.accounts.roles import REDAKTION, RIGHTS, Right
from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.queue.editing import as_entry, title_states
from bot.queue.importer import content_digest
from bot.queue.models import Consultation
from bot.surveys.definition import SurveyFile, unreviewed_in
from bot.surveys.editing import digest
from tests.support.chat import Chat
from tests.support.review import SPRECHSTUNDEN_FILE, SURVEY_FILE, marked_copy
from tests.support.survey import answer_survey
from tests.support.web import CSRF_FIELD, Browser, audit, browser, make_account
from tests.test_web_sprechstunden import consultation, post_form, with_titles
from tests.test_web_surveys import EDIT, PAGE, texts_of, versions

UNCHECKED_NOTE = "bitte von einer Muttersprachlerin prüfen lassen"


@pytest.fixture
async def marked(own: App, tmp_path: Path, clock: FixedClock) -> App:
    await import_folder(own.sessions, marked_copy(tmp_path / "marked"), own.settings.quarter, clock)
    return own


def review_item(page: str, language: str) -> str:
    """The page's entry for one language still to be checked: its mark and its "Checked" button."""
    assert f'id="review-{language}"' in page, language
    return page.split(f'id="review-{language}"', 1)[1].split("</li>", 1)[0]


def review_version(page: str, action: str, language: str) -> str:
    found = re.search(rf'action="{re.escape(action)}">\s*<input type="hidden" name="csrftoken" value="[^"]+">\s*'
                      rf'<input type="hidden" name="language" value="{re.escape(language)}">\s*'
                      r'<input type="hidden" name="version" value="([^"]+)">', page)
    assert found, language
    return found.group(1)


async def check(page: Browser, path: str, language: str, shown: str | None = None) -> int:
    """"Checked" for `language` as the page (`shown`, else fetched now) offers it; the response's status."""
    if shown is None:
        shown = (await page.get(path)).text
    action, token = f"{path}/reviewed", CSRF_FIELD.search(shown)
    assert token is not None
    response = await page.post(action, {"language": language, "version": review_version(shown, action, language)},
                               token=token.group(1))
    return response.status_code


async def exported(app: App, folder: Path, name: str) -> str:
    await export_folder(app.sessions, folder, app.settings.quarter)
    return (folder / name).read_text(encoding="utf-8")


async def reimported(app: App, folder: Path, kind: str) -> dict[str, int]:
    report = await import_folder(app.sessions, folder, app.settings.quarter, app.clock)
    return {name: count for name, count in report.counts.items() if name.startswith(f"{kind}.") and count}


# The Sprechstunde

async def test_a_title_is_marked_then_checked_unchanged_audited_and_exported_without_the_mark(
        marked: App, tmp_path: Path) -> None:
    team, _ = await make_account(marked, "team")
    row = await consultation(marked)
    path = f"/sprechstunden/{row.id}"
    async with browser(marked) as page:
        await page.login(team.name)
        listing = (await page.get("/sprechstunden")).text
        assert "Nicht muttersprachlich geprüft" in listing
        assert '<span class="badge">Russisch</span> <span class="badge">Polnisch</span>' in listing
        shown = (await page.get(path)).text
        assert "Zu prüfende Übersetzungen" in shown
        for language in ("ru", "pl"):
            item = review_item(shown, language)
            assert "nicht geprüft" in item and UNCHECKED_NOTE in item and row.titles[language] in item
        assert 'id="review-uk"' not in shown
        assert shown.count('<span class="badge">nicht geprüft</span>') == 4  # the list above and the titles' table
        confirmed = await page.post(f"{path}/reviewed", {"language": "ru", "version": review_version(
            shown, f"{path}/reviewed", "ru")}, token=page.token())
        assert confirmed.status_code == 303 and confirmed.headers["location"] == f"{path}?done=reviewed#review"
        shown = (await page.get(path, done="reviewed")).text
        assert "Als geprüft markiert." in shown and 'id="review-ru"' not in shown
        assert UNCHECKED_NOTE in review_item(shown, "pl")
        unknown = await page.post(f"{path}/reviewed", {"language": "xx", "version": "-"}, token=page.token())
        assert unknown.status_code == 404

    checked = await consultation(marked)
    assert checked.unreviewed == ["pl"] and checked.titles == row.titles
    assert checked.title_sources == row.title_sources and title_states(checked) == title_states(row)
    assert checked.content_hash != row.content_hash
    assert checked.content_hash == content_digest(as_entry(checked), checked.example_data)
    [entry] = await audit(marked, "sprechstunde.title_reviewed")
    assert (entry.actor, entry.object_id) == (team.name, str(row.id))
    assert entry.before == {"language": "ru", "reviewed": False} and entry.after == {"language": "ru",
                                                                                      "reviewed": True}
    assert "\n  unreviewed: [pl]\n" in await exported(marked, tmp_path / "export", SPRECHSTUNDEN_FILE)
    assert await reimported(marked, tmp_path / "export", "sprechstunden") == {"sprechstunden.unchanged": 1}


async def test_a_title_checked_twice_or_after_a_change_of_the_german_title_is_refused(marked: App) -> None:
    first, _ = await make_account(marked, "redaktion")
    second, _ = await make_account(marked, "team")
    row = await consultation(marked)
    path = f"/sprechstunden/{row.id}"
    async with browser(marked) as one, browser(marked) as two:
        await one.login(first.name)
        await two.login(second.name)
        seen_by_one = (await one.get(path)).text
        seen_by_two = (await two.get(path)).text
        assert await check(one, path, "pl", seen_by_one) == 303
        again = await two.post(f"{path}/reviewed", {"language": "pl", "version": review_version(
            seen_by_two, f"{path}/reviewed", "pl")}, token=two.token())
        assert again.status_code == 400
        assert "Polnisch: Dieser Text ist bereits als geprüft markiert." in again.text

        # Someone changes the German title: the Russian one, still to be checked, now translates an older one.
        await one.get(path)
        german = {**row.titles, "de": "Offene Sprechstunde im Quartiersladen Horst"}
        assert (await post_form(one, path, with_titles(one.page, german))).status_code == 303
        stale = await two.post(f"{path}/reviewed", {"language": "ru", "version": review_version(
            seen_by_two, f"{path}/reviewed", "ru")}, token=two.token())
        assert stale.status_code == 409
        assert "Russisch: Jemand anderes hat diesen Text oder den deutschen Text inzwischen geändert" in stale.text
        assert UNCHECKED_NOTE in review_item(stale.text, "ru")  # offered again, with the current version
    assert (await consultation(marked)).unreviewed == ["ru"]
    assert [entry.actor for entry in await audit(marked, "sprechstunde.title_reviewed")] == [first.name]


async def test_saving_the_hours_keeps_the_mark_of_an_unchanged_title_and_drops_that_of_a_changed_one(
        marked: App) -> None:
    team, _ = await make_account(marked, "team")
    row = await consultation(marked)
    path = f"/sprechstunden/{row.id}"
    async with browser(marked) as page:
        await page.login(team.name)
        await page.get(path)
        polish = {**row.titles, "pl": "Dyżur bez wcześniejszego umawiania się w Quartiersladen"}
        assert (await post_form(page, path, with_titles(page.page, polish))).status_code == 303
    saved = await consultation(marked)
    assert saved.unreviewed == ["ru"] and saved.titles["pl"] == polish["pl"]
    [entry] = await audit(marked, "sprechstunde.update")
    assert entry.before is not None and entry.after is not None
    assert entry.before["unreviewed"] == ["ru", "pl"] and entry.after["unreviewed"] == ["ru"]


async def test_checking_a_title_of_a_sprechstunde_no_longer_offered_does_not_offer_it_again(marked: App) -> None:
    row = await consultation(marked)
    async with marked.sessions() as session, session.begin():
        stored = await session.get(Consultation, row.id)
        assert stored is not None
        stored.active = False  # as an import of a file without it does
    team, _ = await make_account(marked, "team")
    async with browser(marked) as page:
        await page.login(team.name)
        assert await check(page, f"/sprechstunden/{row.id}", "ru") == 303
    checked = await consultation(marked)
    assert checked.unreviewed == ["pl"] and not checked.active


# The survey

async def test_a_survey_language_is_checked_on_an_answered_version_which_keeps_its_number(
        marked: App, tmp_path: Path) -> None:
    editor, _ = await make_account(marked, "redaktion")
    await answer_survey(Chat(marked, "console", language_hint="de"), {}, stop_before="know_people")
    [survey] = await versions(marked)
    async with browser(marked) as page:
        await page.login(editor.name)
        listing = (await page.get("/surveys")).text
        assert '<span class="badge">Russisch</span> <span class="badge">Polnisch</span>' in listing
        shown = (await page.get(PAGE)).text
        assert "Diese Version hat 1 Antwort" in shown
        for language in ("ru", "pl"):
            assert "nicht geprüft" in review_item(shown, language) and UNCHECKED_NOTE in review_item(shown, language)
        questions = len(SurveyFile.model_validate(survey.definition).questions)
        assert shown.count('<span class="badge">nicht geprüft</span>') == 2 + 2 * questions  # and in each question
        confirmed = await page.post(f"{PAGE}/reviewed", {"language": "pl", "version": review_version(
            shown, f"{PAGE}/reviewed", "pl")}, token=page.token())
        assert confirmed.status_code == 303 and confirmed.headers["location"] == f"{PAGE}?done=reviewed#review"
        shown = (await page.get(PAGE, done="reviewed")).text
        assert "Als geprüft markiert." in shown and 'id="review-pl"' not in shown and 'id="review-ru"' in shown

    [checked] = await versions(marked)
    assert (checked.id, checked.version, checked.active) == (survey.id, 1, True)
    assert unreviewed_in(checked.definition) == ("ru",)
    assert {**checked.definition, "unreviewed": ["ru", "pl"]} == survey.definition  # not a word changed
    assert checked.content_hash == digest(SurveyFile.model_validate(checked.definition)) != survey.content_hash
    [entry] = await audit(marked, "survey.text_reviewed")
    assert (entry.actor, entry.object_id) == (editor.name, str(survey.id))
    assert entry.before == {"language": "pl", "reviewed": False} and entry.after == {"language": "pl",
                                                                                      "reviewed": True}
    assert "\nunreviewed: [ru]\n" in await exported(marked, tmp_path / "export", SURVEY_FILE)
    assert await reimported(marked, tmp_path / "export", "surveys") == {"surveys.unchanged": 1}

    resident = Chat(marked, "console", language_hint="ru")
    await resident.say("/survey")
    assert "survey:go:bedarfsabfrage" in resident.payloads  # still asked, still the same version


async def test_a_survey_language_checked_twice_or_after_its_text_changed_is_refused(marked: App) -> None:
    first, _ = await make_account(marked, "team")
    second, _ = await make_account(marked, "redaktion")
    [survey] = await versions(marked)
    async with browser(marked) as one, browser(marked) as two:
        await one.login(first.name)
        await two.login(second.name)
        seen_by_one = (await one.get(PAGE)).text
        seen_by_two = (await two.get(PAGE)).text
        # A Russian question corrected meanwhile: the page showed the old text, so "checked" would not be true.
        corrected = await one.post(EDIT, texts_of(survey, **{"text-ru": "Как давно вы живёте в районе Horst?"}))
        assert corrected.status_code == 303
        stale = await two.post(f"{PAGE}/reviewed", {"language": "ru", "version": review_version(
            seen_by_two, f"{PAGE}/reviewed", "ru")}, token=two.token())
        assert stale.status_code == 409 and "Jemand anderes hat diesen Text" in stale.text
        assert UNCHECKED_NOTE in review_item(stale.text, "ru")
        # Polish did not change, so the page from before is still good, once.
        assert await check(one, PAGE, "pl", seen_by_one) == 303
        again = await two.post(f"{PAGE}/reviewed", {"language": "pl", "version": review_version(
            seen_by_two, f"{PAGE}/reviewed", "pl")}, token=two.token())
        assert again.status_code == 400 and "Polnisch: Dieser Text ist bereits als geprüft markiert." in again.text
    [after] = await versions(marked)
    assert unreviewed_in(after.definition) == ("ru",)  # correcting one question does not check the language
    assert [entry.actor for entry in await audit(marked, "survey.text_reviewed")] == [first.name]


# Both

@pytest.mark.parametrize("kind", ["survey", "sprechstunde"])
async def test_checked_needs_a_session_the_csrf_token_and_the_right_to_change_content(
        marked: App, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = PAGE if kind == "survey" else f"/sprechstunden/{(await consultation(marked)).id}"
    action = f"{path}/reviewed"

    async def still_marked() -> tuple[str, ...]:
        if kind == "survey":
            return unreviewed_in((await versions(marked))[0].definition)
        return tuple((await consultation(marked)).unreviewed)

    async with browser(marked) as anonymous:
        await anonymous.get("/login")
        assert (await anonymous.post(action, {"language": "ru", "version": "-"},
                                     token=anonymous.token())).status_code == 401
    staff, _ = await make_account(marked, REDAKTION)
    async with browser(marked) as page:
        await page.login(staff.name)
        shown = (await page.get(path)).text
        fields = {"language": "ru", "version": review_version(shown, action, "ru")}
        assert (await page.client.post(action, data=fields)).status_code == 403
        assert (await page.client.post(action, data={"csrftoken": "forged", **fields})).status_code == 403
        # Every role keeps content today; a role without that right must not check texts either.
        monkeypatch.setitem(RIGHTS, REDAKTION, frozenset(RIGHTS[REDAKTION] - {Right.CONTENT}))
        assert (await page.post(action, fields, token=page.token())).status_code == 403
        assert await still_marked() == ("ru", "pl")
        monkeypatch.undo()
        assert (await page.post(action, fields, token=page.token())).status_code == 303
    assert await still_marked() == ("pl",)
    action_name = "survey.text_reviewed" if kind == "survey" else "sprechstunde.title_reviewed"
    assert [entry.actor for entry in await audit(marked, action_name)] == [staff.name]
