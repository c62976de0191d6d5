"""Prepared answers in the back office over HTTP: written in the ten languages (Arabic right to left), refused
with a German message beside the form and everything typed kept, switched off and on, deleted only after a
confirmation, all audited; Team and Leitung may, Redaktion may not, and no form works without its token."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.app import App, create_app
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.languages import LANGUAGE_CODES
from bot.questions import prepared
from bot.questions.examples import EXAMPLES, add_example_answers
from bot.questions.models import PreparedAnswer
from tests.support.databases import Database, settings_for
from tests.support.web import browser, make_account

FULL = {"title": "Brief mitbringen",
        "text-de": "Bitte kommen Sie mit dem Brief in die Sprechstunde ({hours}). Ihre Nummer: {reference}",
        "text-en": "Please bring the letter to the office hours ({hours}). Your number: {reference}",
        "text-ar": "يرجى إحضار الرسالة إلى ساعات الاستشارة ({hours}).",
        "text-tr": "Lütfen mektupla birlikte danışma saatine gelin ({hours})."}


@pytest_asyncio.fixture
async def office(database: Database, tmp_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    """An app of a quarter of its own on the shared database, so its list holds only this test's answers."""
    settings = settings_for(database, tmp_path, quarter=f"q-{uuid.uuid4().hex[:12]}")
    yield await create_app(settings, clock=clock, migrate=False, engine=database.engine)


async def stored(app: App) -> list[PreparedAnswer]:
    async with app.sessions() as session:
        return await prepared.listed(session, app.settings.quarter)


async def audit(app: App, answer_id: int) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.object_type == "prepared_answer",
                                                                   AuditEntry.object_id == str(answer_id))
                                          .order_by(AuditEntry.id)))


def version(page: str) -> str:
    found = re.search(r'name="version" value="([^"]+)"', page)
    assert found
    return found.group(1)


async def test_write_change_switch_off_and_delete_a_prepared_answer(office: App) -> None:
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        form = await page.get("/prepared-answers/new")
        assert form.status_code == 200
        assert re.search(r'<textarea id="field-ar" name="text-ar"[^>]* lang="ar" dir="rtl"', form.text)
        assert re.search(r'<textarea id="field-de@easy" name="text-de@easy"[^>]* lang="de"', form.text)
        assert 'dir="rtl"' not in re.search(r'<textarea id="field-tr"[^>]*>', form.text).group(0)  # type: ignore[union-attr]
        token = page.token()  # one token serves every form of the session
        created = await page.post("/prepared-answers/new", FULL, token=token)
        assert created.status_code == 303
        [row] = await stored(office)
        assert created.headers["location"] == f"/prepared-answers/{row.id}?done=created"
        assert row.title == "Brief mitbringen" and set(row.texts) == {"de", "en", "ar", "tr"} and row.active

        listing = await page.get("/prepared-answers")
        assert "Brief mitbringen" in listing.text and "Textbausteine" in listing.text
        assert '<span aria-hidden="true">ar ✓</span><span class="hidden">Arabisch: geschrieben</span>' in listing.text
        assert '<span aria-hidden="true">ru –</span><span class="hidden">Russisch: fehlt</span>' in listing.text

        shown = await page.get(f"/prepared-answers/{row.id}")
        assert "يرجى إحضار الرسالة" in shown.text
        changed = {**FULL, "text-ru": "Пожалуйста, приходите с письмом на консультацию ({hours}).",
                   "text-en": "", "version": version(shown.text)}
        assert (await page.post(f"/prepared-answers/{row.id}", changed, token=token)).status_code == 303
        [row] = await stored(office)
        assert set(row.texts) == {"de", "ar", "tr", "ru"}  # an emptied language is no longer written
        stale = await page.post(f"/prepared-answers/{row.id}", {**changed, "title": "Alter Stand"},
                                token=token)
        assert stale.status_code == 409 and "inzwischen" in stale.text and 'value="Alter Stand"' in stale.text
        again = await page.post(f"/prepared-answers/{row.id}", {**changed, "version": version(stale.text)},
                                token=token)
        assert again.headers["location"].endswith("done=unchanged")

        off = await page.post(f"/prepared-answers/{row.id}/active", {"active": "no"}, token=token)
        assert off.status_code == 303
        assert not (await stored(office))[0].active
        async with office.sessions() as session:
            assert await prepared.listed(session, office.settings.quarter, only_active=True) == []
        assert "ausgeschaltet" in (await page.get("/prepared-answers")).text
        await page.post(f"/prepared-answers/{row.id}/active", {"active": "yes"}, token=token)
        assert (await stored(office))[0].active

        # Deleting takes the confirmation page's button: a bare POST only leads there.
        bare = await page.post(f"/prepared-answers/{row.id}/delete", {}, token=token)
        assert bare.headers["location"] == f"/prepared-answers/{row.id}/delete" and len(await stored(office)) == 1
        confirm = await page.get(f"/prepared-answers/{row.id}/delete")
        assert "Brief mitbringen" in confirm.text and 'name="confirm" value="yes"' in confirm.text
        gone = await page.post(f"/prepared-answers/{row.id}/delete", {"confirm": "yes"}, token=token)
        assert gone.headers["location"] == "/prepared-answers?done=deleted" and await stored(office) == []
        assert (await page.get(f"/prepared-answers/{row.id}")).status_code == 404

    actions = [(entry.action, entry.actor, (entry.after or entry.before or {}).get("title"))
               for entry in await audit(office, row.id)]
    assert actions == [("prepared_answer.create", team.name, "Brief mitbringen"),
                       ("prepared_answer.update", team.name, "Brief mitbringen"),
                       ("prepared_answer.deactivate", team.name, "Brief mitbringen"),
                       ("prepared_answer.activate", team.name, "Brief mitbringen"),
                       ("prepared_answer.delete", team.name, "Brief mitbringen")]
    update = (await audit(office, row.id))[1]
    assert update.after is not None and update.after["changed_languages"] == ["en", "ru"]
    assert "письмом" not in str(update.after)  # ids and titles, not the texts


async def test_refusals_are_in_german_beside_the_form_and_keep_what_was_typed(office: App) -> None:
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        await page.get("/prepared-answers/new")
        token = page.token()
        no_german = await page.post("/prepared-answers/new", {**FULL, "text-de": "  "}, token=token)
        assert no_german.status_code == 400
        assert "Der deutsche Text wird gebraucht" in no_german.text
        assert '<p class="field-error" id="error-de">' in no_german.text
        assert "يرجى إحضار الرسالة إلى ساعات الاستشارة ({hours}).</textarea>" in no_german.text
        assert 'value="Brief mitbringen"' in no_german.text

        no_title = await page.post("/prepared-answers/new", {**FULL, "title": " "}, token=token)
        assert no_title.status_code == 400 and 'id="error-title"' in no_title.text and "Titel" in no_title.text

        unknown = await page.post("/prepared-answers/new", {**FULL, "text-tr": "Saat {saat} gelin."},
                                  token=token)
        assert unknown.status_code == 400 and "Platzhalter" in unknown.text
        assert '<p class="field-error" id="error-tr">' in unknown.text and "{saat}" in unknown.text
        assert "Saat {saat} gelin.</textarea>" in unknown.text

        long = await page.post("/prepared-answers/new", {**FULL, "text-en": "x" * 4001}, token=token)
        assert long.status_code == 400 and '<p class="field-error" id="error-en">' in long.text
        assert "4000" in long.text
        assert await stored(office) == []

        # Edits are refused the same way, and the stored answer stays as it was.
        assert (await page.post("/prepared-answers/new", FULL, token=token)).status_code == 303
        [row] = await stored(office)
        shown = await page.get(f"/prepared-answers/{row.id}")
        refused = await page.post(f"/prepared-answers/{row.id}", {**FULL, "text-de": "", "text-pl": "Proszę {hours}",
                                                                  "version": version(shown.text)}, token=token)
        assert refused.status_code == 400 and "Proszę {hours}</textarea>" in refused.text
        assert (await stored(office))[0].texts["de"] == FULL["text-de"]


async def test_what_staff_write_is_shown_as_text(office: App) -> None:
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        script = {"title": "<script>alert(1)</script>", "text-de": "<b>fett</b> & {reference}"}
        assert (await page.post("/prepared-answers/new", script, from_page="/prepared-answers/new")
                ).status_code == 303
        [row] = await stored(office)
        for path in ("/prepared-answers", f"/prepared-answers/{row.id}", f"/prepared-answers/{row.id}/delete"):
            shown = await page.get(path)
            assert "<script>alert" not in shown.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
        edit = await page.get(f"/prepared-answers/{row.id}")
        assert "&lt;b&gt;fett&lt;/b&gt; &amp; {reference}</textarea>" in edit.text and "<b>fett" not in edit.text


async def test_only_questions_staff_reach_them_and_forms_need_their_token(office: App, clock: FixedClock) -> None:
    async with office.sessions() as session, session.begin():
        row = await prepared.create(session, office.settings.quarter, "Weitergegeben", {"de": "Weitergegeben."},
                                    clock.now())
    paths = ["/prepared-answers", "/prepared-answers/new", f"/prepared-answers/{row.id}",
             f"/prepared-answers/{row.id}/delete"]
    posts = ["/prepared-answers/new", f"/prepared-answers/{row.id}", f"/prepared-answers/{row.id}/active",
             f"/prepared-answers/{row.id}/delete"]
    redaktion, _ = await make_account(office, "redaktion")
    async with browser(office) as page:
        await page.login(redaktion.name)
        await page.get("/")
        token = page.token()
        for path in paths:
            assert (await page.get(path)).status_code == 403, path
        assert "Textbausteine" not in (await page.get("/")).text
        for path in posts:
            assert (await page.post(path, {"confirm": "yes", "active": "no", **FULL}, token=token)).status_code == 403
    leitung, secret = await make_account(office, "leitung")
    async with browser(office) as page:
        await page.login(leitung.name, secret=secret, now=clock.now())
        for path in paths:
            assert (await page.get(path)).status_code == 200, path
        assert '<a href="/prepared-answers">Textbausteine</a>' in (await page.get("/")).text
        for path in posts:
            response = await page.client.post(path, data={"confirm": "yes", "active": "no", **FULL})
            assert response.status_code == 403 and "Formular" in response.text, path
            forged = await page.client.post(path, data={"csrftoken": "forged", "confirm": "yes", **FULL})
            assert forged.status_code == 403, path
    [kept] = await stored(office)
    assert kept.title == "Weitergegeben" and kept.active
    other = await make_account(office, "team")
    assert other  # a Team account of another quarter's app cannot reach this quarter's answer by id:
    async with browser(await create_app(office.settings.model_copy(update={"quarter": "elsewhere"}),
                                        clock=clock, migrate=False, engine=office.engine)) as page:
        await page.login(other[0].name)
        assert (await page.get(f"/prepared-answers/{row.id}")).status_code == 404


async def test_the_example_answers_are_valid_in_all_ten_languages_and_added_once(office: App, clock: FixedClock
                                                                                ) -> None:
    quarter = office.settings.quarter
    async with office.sessions() as session, session.begin():
        assert await add_example_answers(session, quarter, clock.now()) == len(EXAMPLES)
        assert await add_example_answers(session, quarter, clock.now()) == 0
    rows = await stored(office)
    assert len(rows) == len(EXAMPLES) >= 3
    for row in rows:
        assert set(row.texts) == set(LANGUAGE_CODES), row.title
        assert {name for text in row.texts.values() for name in re.findall(r"\{(\w+)\}", text)} <= \
            set(prepared.PLACEHOLDERS)
    team, _ = await make_account(office, "team")
    async with browser(office) as page:
        await page.login(team.name)
        listing = await page.get("/prepared-answers")
        assert "Dafür ist das Jobcenter zuständig" in listing.text and ": fehlt</span>" not in listing.text
