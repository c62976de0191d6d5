"""The needs vocabulary in the back office over HTTP, on a database of each test's own: an offer's and a
category's search words, and "Nicht im Quartier" (needs met elsewhere) added, changed and deleted; the
search uses the new words at once, problems and stale forms keep what was typed, every change is
audited, and the export writes the words back."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.accounts import roles
from bot.app import App
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.offers.catalog import OfferCatalog
from bot.offers.models import NeedWords
from bot.offers.needs import load_needs
from tests.support.chat import Chat
from tests.support.web import Browser, audit, browser, category_id, make_account, offer_id

REPAIR = "reparaturcafe-horst"


async def stored(app: App, kind: str, key: str) -> dict[str, list[str]]:
    async with app.sessions() as session:
        return (await load_needs(session, app.settings.quarter)).get((kind, key), {})


async def search(app: App, text: str, language: str = "de") -> list[str]:
    """The bot's own search, through the catalog the chat uses (no restart, no new catalog)."""
    async with app.sessions() as session:
        catalog = await app.conversation.services.get(OfferCatalog).get(session, app.settings.quarter)
    return [catalog.offers[number].key for number in catalog.index.search(text, language)]


def needs_form(page: str, action: str, changes: dict[str, str] | None = None) -> dict[str, str]:
    """The search-words form posting to `action` as shown (every language's words and the version), with
    `changes` (language → text)."""
    form = page.split(f'action="{action}">', 1)[1].split("</form>", 1)[0]
    values = {f"words-{code}": html.unescape(text)
              for code, text in re.findall(r'name="words-([^"]+)"[^>]*>([^<]*)</textarea>', form)}
    assert len(values) == 10, form
    hidden = dict(re.findall(r'<input type="hidden" name="((?:version|shown-)[^"]*)" value="([^"]+)">', form))
    assert "version" in hidden and len(hidden) == 11, form
    return {**values, **hidden, **{f"words-{code}": text for code, text in (changes or {}).items()}}


def shown_words(page: str, action: str, language: str) -> str:
    return needs_form(page, action)[f"words-{language}"]


async def logged_in(page: Browser, app: App, role: str = "redaktion") -> None:
    staff, _ = await make_account(app, role)
    await page.login(staff.name)


async def test_an_offers_search_words_are_shown_saved_audited_and_found_by_the_bot(own: App) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0  # the test does not wait for the next check
    repair = await offer_id(own, REPAIR)
    action = f"/offers/{repair}/needs"
    before = await stored(own, "offer", REPAIR)
    assert "Kuckucksuhr" not in before["de"] and before["pl"]
    resident = Chat(own, language_hint="de")
    await resident.say("/start")
    await resident.say("Kuckucksuhr")
    assert not any(payload.startswith("offers:o:") for payload in resident.payloads)
    assert await search(own, "Kuckucksuhr") == []  # the catalog is built now, so the save must renew it
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{repair}")
        assert shown.status_code == 200
        assert '<h2 id="needs-heading">Bedarfswörter (Wörter der Bewohner für den Bedarf)</h2>' in shown.text
        assert "selbst den Bedarf benennen" in shown.text and "gebeugte Formen sind nicht nötig" in shown.text
        assert shown_words(shown.text, action, "de") == ", ".join(before["de"])
        assert '<label for="needs-ar">Arabisch</label>' in shown.text
        assert 'name="words-ar" rows="4" lang="ar" dir="rtl"' in shown.text
        typed = ", ".join(before["de"]) + ",  Kuckucksuhr , , kuckucksuhr,\nWanduhr"
        # As many rows as before (no language added or emptied): the catalog must notice the change all the same.
        saved = await page.post(action, needs_form(shown.text, action, {"de": typed, "pl": "zegar z kukułką"}),
                                token=page.token())
        assert saved.status_code == 303 and saved.headers["location"] == f"/offers/{repair}?done=needs#needs"
        shown = await page.get(f"/offers/{repair}", done="needs")
        assert '<p class="done" role="status">Gespeichert.</p>' in shown.text.split('id="needs"', 1)[1]
        assert shown_words(shown.text, action, "de") == ", ".join([*before["de"], "Kuckucksuhr", "Wanduhr"])
    after = await stored(own, "offer", REPAIR)
    assert after == {**before, "de": [*before["de"], "Kuckucksuhr", "Wanduhr"],  # trimmed, no repeats or empties
                     "pl": ["zegar z kukułką"]}
    [changed] = await audit(own, "needs.changed")
    assert changed.object_type == "needs" and changed.object_id == f"offer:{REPAIR}"
    assert changed.before == {"de": before["de"], "pl": before["pl"]}  # the changed languages only
    assert changed.after == {"de": after["de"], "pl": after["pl"]}
    assert changed.actor.startswith("redaktion")
    assert (await search(own, "Kuckucksuhr"))[0] == REPAIR  # the same catalog, renewed without a restart
    await resident.say("Kuckucksuhr")
    assert resident.payloads[0] == f"offers:o:{REPAIR}"


async def test_problems_are_shown_beside_the_field_and_what_was_typed_is_kept_and_escaped(own: App) -> None:
    repair = await offer_id(own, REPAIR)
    action = f"/offers/{repair}/needs"
    before = await stored(own, "offer", REPAIR)
    long_word = "Fahrradreparaturwerkstattwerkzeugkastenschraubenschlüsselset" + "x"  # 61 characters
    assert len(long_word) == 61
    typed = {"de": f"Uhr, {long_word}", "en": ", ".join(f"word{number}" for number in range(101)),
             "tr": "<script>alert(1)</script>, saat"}
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{repair}")
        refused = await page.post(action, needs_form(shown.text, action, typed), token=page.token())
        assert refused.status_code == 400
        assert (f'<p class="field-error" id="needs-error-de">„{long_word}“ ist länger als 60 Zeichen.</p>'
                in refused.text)
        assert 'aria-invalid="true" aria-describedby="needs-error-de"' in refused.text
        assert '<p class="field-error" id="needs-error-en">Höchstens 100 Wörter je Sprache.</p>' in refused.text
        assert "needs-error-tr" not in refused.text  # a word with brackets is a word
        assert shown_words(refused.text, action, "de") == typed["de"]  # as typed
        assert shown_words(refused.text, action, "en") == typed["en"]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;, saat</textarea>" in refused.text
        assert "<script>" not in refused.text
        assert shown_words(refused.text, action, "uk") == ", ".join(before["uk"])  # the others as stored
        exactly = {"de": ", ".join(f"Wort{number}" for number in range(100)) + ", wort0", "en": "x" * 60}
        accepted = await page.post(action, needs_form(refused.text, action, exactly), token=page.token())
        assert accepted.status_code == 303  # 100 different words of up to 60 characters are fine
    assert await stored(own, "offer", REPAIR) == {**before, "de": [f"Wort{number}" for number in range(100)],
                                                  "en": ["x" * 60], "tr": ["<script>alert(1)</script>", "saat"]}
    assert len(await audit(own, "needs.changed")) == 1  # the refused save wrote nothing


async def test_a_stale_form_is_refused_with_the_typed_words_kept_and_can_be_saved_again(own: App) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0
    seniors = await category_id(own, "seniors")
    action = f"/categories/{seniors}/needs"
    before = await stored(own, "category", "seniors")
    assert await search(own, "Lebensabend") == []
    async with browser(own) as first, browser(own) as second:
        await logged_in(first, own)
        await logged_in(second, own, "team")
        mine = await first.get(f"/categories/{seniors}")
        theirs = await second.get(f"/categories/{seniors}")
        assert '<h2 id="needs-heading">Bedarfswörter (Wörter der Bewohner für den Bedarf)</h2>' in mine.text
        assert "alle Angebote der Kategorie" in mine.text
        assert (await second.post(action, needs_form(theirs.text, action, {"en": "seniors, old age, retirement"}),
                                  token=second.token())).status_code == 303
        typed = ", ".join(before["de"]) + ", Lebensabend"
        stale = await first.post(action, needs_form(mine.text, action, {"de": typed}), token=first.token())
        assert stale.status_code == 409
        assert "Jemand anderes hat diese Wörter inzwischen geändert." in stale.text
        assert shown_words(stale.text, action, "de") == typed  # nothing typed is lost
        # Theirs where this form left a language as it was, so saving again does not undo their change:
        assert shown_words(stale.text, action, "en") == "seniors, old age, retirement"
        english = stale.text.split('id="needs-en"', 1)[1].split("</div>", 1)[0]
        assert "Jemand anderes hat diese Wörter inzwischen geändert; sie stehen hier, wie sie jetzt sind." in english
        assert shown_words(stale.text, action, "tr") == ", ".join(before["tr"])
        assert (await stored(own, "category", "seniors"))["de"] == before["de"]
        again = await first.post(action, needs_form(stale.text, action), token=first.token())
        assert again.status_code == 303  # saved over theirs, knowingly
    words = await stored(own, "category", "seniors")
    assert words["de"] == [*before["de"], "Lebensabend"] and words["en"] == ["seniors", "old age", "retirement"]
    assert [entry.object_id for entry in await audit(own, "needs.changed")] == ["category:seniors"] * 2
    found = await search(own, "Lebensabend")  # the offers of the category, at once
    assert found and "seniorentreff-horst" in found


async def test_needs_met_elsewhere_are_added_changed_and_deleted(own: App) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0
    query = "Faschingskostüm nähen"
    assert await search(own, query) == [REPAIR]  # a weak match on "nähen" alone
    async with browser(own) as page:
        await logged_in(page, own)
        offers = await page.get("/offers")
        assert '<a href="/needs/elsewhere">Nicht im Quartier</a>' in offers.text
        listing = await page.get("/needs/elsewhere")
        assert listing.status_code == 200 and "<h1>Nicht im Quartier</h1>" in listing.text
        token = page.token()
        car = listing.text.split('id="need-car"', 1)[1].split("</section>", 1)[0]
        assert "<dt>Deutsch</dt>" in car and "Auto, Autowerkstatt" in car

        wrong = {"key": "Fasching_Kostuem", "words-de": "", "words-en": "carnival <costume>"}
        refused = await page.post("/needs/elsewhere", wrong, token=token)
        assert refused.status_code == 400
        assert '<p class="field-error" id="error-key">Nur Kleinbuchstaben, Ziffern und Bindestriche' in refused.text
        assert 'value="Fasching_Kostuem"' in refused.text and "carnival &lt;costume&gt;</textarea>" in refused.text
        taken = await page.post("/needs/elsewhere", {"key": "car", "words-de": "Wagen"}, token=token)
        assert taken.status_code == 400 and "Es gibt schon einen Bedarf mit diesem Schlüssel." in taken.text
        empty = await page.post("/needs/elsewhere", {"key": "carnival", "words-de": " , "}, token=token)
        assert empty.status_code == 400 and "Bitte mindestens ein Wort in einer Sprache eingeben." in empty.text

        added = await page.post("/needs/elsewhere", {"key": "carnival", "words-de": "Faschingskostüm, Fasching",
                                                     "words-en": "carnival costume"}, token=token)
        assert added.status_code == 303 and added.headers["location"] == "/needs/elsewhere?done=added#need-carnival"
        assert await search(own, query) == []  # a need met elsewhere: nothing found
        listing = await page.get("/needs/elsewhere", done="added")
        assert "Der Bedarf wurde hinzugefügt." in listing.text and 'id="need-carnival"' in listing.text

        edit = await page.get("/needs/elsewhere/carnival")
        assert edit.status_code == 200 and "<h1>Nicht im Quartier: carnival</h1>" in edit.text
        assert shown_words(edit.text, "/needs/elsewhere/carnival", "de") == "Faschingskostüm, Fasching"
        other_tab = edit.text
        saved = await page.post("/needs/elsewhere/carnival", needs_form(
            edit.text, "/needs/elsewhere/carnival", {"de": "Karnevalskostüm", "tr": "karnaval"}), token=token)
        assert saved.status_code == 303
        assert await stored(own, "elsewhere", "carnival") == {"de": ["Karnevalskostüm"], "en": ["carnival costume"],
                                                             "tr": ["karnaval"]}
        assert await search(own, query) == [REPAIR]  # no longer a word of a need met elsewhere
        assert await search(own, "Karnevalskostüm nähen") == []
        stale = await page.post("/needs/elsewhere/carnival", needs_form(
            other_tab, "/needs/elsewhere/carnival", {"de": "Prinzessinkostüm"}), token=token)
        assert stale.status_code == 409 and "inzwischen geändert" in stale.text
        assert shown_words(stale.text, "/needs/elsewhere/carnival", "de") == "Prinzessinkostüm"
        assert "Jemand anderes hat diese Wörter inzwischen auch geändert; hier steht Ihre Eingabe." in stale.text
        assert shown_words(stale.text, "/needs/elsewhere/carnival", "tr") == "karnaval"  # theirs, untouched here
        saved_page = (await page.get("/needs/elsewhere/carnival")).text
        cleared = await page.post("/needs/elsewhere/carnival", needs_form(
            saved_page, "/needs/elsewhere/carnival", {"de": "", "en": "", "tr": ""}), token=token)
        assert cleared.status_code == 400 and "Um diesen Bedarf zu entfernen, löschen Sie ihn." in cleared.text

        confirm = await page.get("/needs/elsewhere/carnival/delete")
        assert confirm.status_code == 200 and "„carnival“ löschen?" in confirm.text
        unconfirmed = await page.post("/needs/elsewhere/carnival/delete", {}, token=token)
        assert unconfirmed.status_code == 303 and await stored(own, "elsewhere", "carnival")  # not without "yes"
        deleted = await page.post("/needs/elsewhere/carnival/delete", {"confirm": "yes"}, token=token)
        assert deleted.status_code == 303 and deleted.headers["location"] == "/needs/elsewhere?done=deleted"
        assert await stored(own, "elsewhere", "carnival") == {}
        assert await search(own, "Karnevalskostüm nähen") == [REPAIR]
        assert (await page.get("/needs/elsewhere/carnival")).status_code == 404

        # A tab still showing the deleted need: its save is a conflict, and its words come back in the new-need form.
        gone = await page.post("/needs/elsewhere/carnival", needs_form(
            saved_page, "/needs/elsewhere/carnival", {"de": "Rosenmontag"}), token=token)
        assert gone.status_code == 409 and "Jemand anderes hat diesen Bedarf inzwischen gelöscht." in gone.text
        assert 'id="key" name="key" value="carnival"' in gone.text and "Rosenmontag</textarea>" in gone.text
        assert await stored(own, "elsewhere", "carnival") == {}
    [created] = await audit(own, "needs.added")
    assert created.object_id == "elsewhere:carnival" and created.before is None
    assert created.after == {"de": ["Faschingskostüm", "Fasching"], "en": ["carnival costume"]}
    [changed] = await audit(own, "needs.changed")
    assert changed.before == {"de": ["Faschingskostüm", "Fasching"], "tr": []}
    assert changed.after == {"de": ["Karnevalskostüm"], "tr": ["karnaval"]}
    [removed] = await audit(own, "needs.deleted")
    assert removed.before == {"de": ["Karnevalskostüm"], "en": ["carnival costume"], "tr": ["karnaval"]}
    assert removed.after is None


async def test_a_form_without_its_csrf_token_is_refused(own: App) -> None:
    repair = await offer_id(own, REPAIR)
    before = await stored(own, "offer", REPAIR)
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{repair}")
        form = needs_form(shown.text, f"/offers/{repair}/needs", {"de": "Kuckucksuhr"})
        assert (await page.client.post(f"/offers/{repair}/needs", data=form)).status_code == 403
        forged = await page.client.post(f"/offers/{repair}/needs", data={**form, "csrftoken": "forged"})
        assert forged.status_code == 403
        new = {"key": "carnival", "words-de": "Fasching"}
        assert (await page.client.post("/needs/elsewhere", data=new)).status_code == 403
        assert (await page.client.post("/needs/elsewhere/car/delete", data={"confirm": "yes"})).status_code == 403
    assert await stored(own, "offer", REPAIR) == before
    assert await stored(own, "elsewhere", "carnival") == {} and await stored(own, "elsewhere", "car") != {}
    assert await audit(own, "needs.changed") == [] and await audit(own, "needs.added") == []


async def test_without_a_login_or_the_right_to_change_content_nothing_is_reached(
        own: App, monkeypatch: pytest.MonkeyPatch) -> None:
    repair = await offer_id(own, REPAIR)
    async with browser(own) as anonymous:
        for path in ("/needs/elsewhere", "/needs/elsewhere/car", "/needs/elsewhere/car/delete"):
            response = await anonymous.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login", path
        await anonymous.get("/login")
        token = anonymous.token()
        for path in (f"/offers/{repair}/needs", "/needs/elsewhere", "/needs/elsewhere/car",
                     "/needs/elsewhere/car/delete"):
            assert (await anonymous.post(path, {"confirm": "yes", "key": "x", "words-de": "x"},
                                         token=token)).status_code == 401, path
    # Every role may change content today; one that may not (the table changed for this test) is refused.
    monkeypatch.setitem(roles.RIGHTS, roles.REDAKTION, frozenset())
    async with browser(own) as page:
        await logged_in(page, own)
        await page.get("/account")
        token = page.token()
        assert "/needs/elsewhere" not in page.page and "/offers" not in page.page
        for path in ("/needs/elsewhere", "/needs/elsewhere/car", "/needs/elsewhere/car/delete"):
            assert (await page.get(path)).status_code == 403, path
        for path in (f"/offers/{repair}/needs", f"/categories/{await category_id(own, 'counselling')}/needs",
                     "/needs/elsewhere", "/needs/elsewhere/car", "/needs/elsewhere/car/delete"):
            response = await page.post(path, {"confirm": "yes", "key": "carnival", "words-de": "Fasching"},
                                       token=token)
            assert response.status_code == 403, path
    assert await stored(own, "elsewhere", "car") != {} and await stored(own, "elsewhere", "carnival") == {}
    async with own.sessions() as session:
        assert await session.scalar(select(NeedWords).where(NeedWords.key == "carnival")) is None


async def test_the_export_writes_the_edited_words_and_imports_them_unchanged(own: App, tmp_path: Path) -> None:
    repair = await offer_id(own, REPAIR)
    action = f"/offers/{repair}/needs"
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{repair}")
        token = page.token()
        assert (await page.post(action, needs_form(shown.text, action, {"de": "Kuckucksuhr, Wanduhr", "pl": "",
                                                                          "tr": ""}),
                                token=token)).status_code == 303
        shown = await page.get(f"/offers/{repair}")
        # Turkish back: its row is now the newest, yet the file keeps the languages in the bot's order.
        assert (await page.post(action, needs_form(shown.text, action, {"tr": "saat tamiri"}),
                                token=token)).status_code == 303
        assert (await page.post("/needs/elsewhere", {"key": "carnival", "words-de": "Faschingskostüm"},
                                token=token)).status_code == 303
        assert (await page.post("/needs/elsewhere/taxi/delete", {"confirm": "yes"},
                                token=token)).status_code == 303
    await export_folder(own.sessions, tmp_path / "export", own.settings.quarter)
    written = yaml.safe_load((tmp_path / "export" / "needs.yaml").read_text(encoding="utf-8"))
    assert written["offers"][REPAIR]["de"] == ["Kuckucksuhr", "Wanduhr"] and "pl" not in written["offers"][REPAIR]
    assert list(written["offers"][REPAIR]) == ["de", "de@easy", "en", "tr", "ar", "ro", "bg", "uk", "ru"]
    assert written["offers"][REPAIR]["tr"] == ["saat tamiri"]
    assert written["elsewhere"]["carnival"] == {"de": ["Faschingskostüm"]} and "taxi" not in written["elsewhere"]
    report = await import_folder(own.sessions, tmp_path / "export", own.settings.quarter, own.clock)
    assert report.counts["needs.unchanged"] > 0
    assert not any(report.counts[f"needs.{status}"] for status in ("created", "updated", "deleted")), report.summary()
    assert (await stored(own, "offer", REPAIR))["de"] == ["Kuckucksuhr", "Wanduhr"]
