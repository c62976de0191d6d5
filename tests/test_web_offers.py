"""Offers in the back office over HTTP, on a database of each test's own: the list's filters, a translation
saved and seen by residents, German changes leaving translations outdated, validation, two staff members
saving over each other, new offers, deactivation, and the export's round trip after all of it."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from sqlalchemy import delete, select

from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.offers.catalog import OfferCatalog
from bot.offers.models import Offer, OfferText
from tests.support.chat import Chat
from tests.support.web import Browser, audit, browser, make_account, offer_id

ROW = re.compile(r'<a href="/offers/(\d+)">([^<]+)</a>')
ARABIC = "دورة ألمانية للقادمين الجدد في هورست"


def version(page: str, language: str | None = None) -> str:
    """The version field of the details form, or of one language's form."""
    if language is None:
        found = re.search(r'<input type="hidden" name="version" value="([^"]+)">', page)
    else:
        found = re.search(rf'name="language" value="{re.escape(language)}">\s*'
                          r'<input type="hidden" name="version" value="([^"]+)">', page)
    assert found, f"no version field for {language}"
    return found.group(1)


def text_form(page: str, language: str, **changes: str) -> dict[str, str]:
    """One language's text form as shown, with `changes`."""
    section = page.split(f'id="text-{language}"', 1)[1].split("</section>", 1)[0]
    values = {name: value for name, value in re.findall(r'<input id="[^"]+" name="(\w+)" value="([^"]*)"', section)}
    summary = re.search(r'name="summary"[^>]*>([^<]*)</textarea>', section)
    values["summary"] = summary.group(1) if summary else ""
    values = {name: html.unescape(value) for name, value in values.items()}
    return {**values, **changes, "language": language, "version": version(page, language)}


async def logged_in(page: Browser, app: App) -> None:
    staff, _ = await make_account(app, "redaktion")
    assert (await page.login(staff.name)).headers["location"] == "/"


async def titles(client: Browser, **filters: str) -> list[str]:
    response = await client.get("/offers", **filters)
    assert response.status_code == 200
    return [title for _, title in ROW.findall(response.text)]


async def test_the_list_filters_by_missing_and_outdated_translation_search_and_category(own: App) -> None:
    async with browser(own) as page:
        await logged_in(page, own)
        everything = await titles(page)
        assert len(everything) == 25 and "Seite 1 von 2" in page.page  # 39 offers, paged
        assert len(await titles(page, page="2")) == 14
        assert await titles(page, missing="ru") == []  # the example has every offer in every language
        async with own.sessions() as session, session.begin():  # a Russian text taken out again
            course = await session.scalar(select(Offer.id).where(Offer.key == "deutschkurs-horst"))
            await session.execute(delete(OfferText).where(OfferText.offer_id == course, OfferText.language == "ru"))
        missing_russian = await titles(page, missing="ru")
        assert missing_russian == ["Deutschkurs für Neuzugewanderte"]
        assert "Deutschkurs für Neuzugewanderte" not in await titles(page, missing="ar")
        assert await titles(page, q="beispiel-bildungswerk horst") == ["Bewerbungswerkstatt",
                                                                       "Deutschkurs für Neuzugewanderte"]
        assert await titles(page, q="yeni gelenler") == ["Deutschkurs für Neuzugewanderte"]  # a Turkish title
        by_category = await titles(page, category="language")
        assert "Deutschkurs für Neuzugewanderte" in by_category and len(by_category) < len(everything)
        assert await titles(page, outdated="en") == []


async def test_a_saved_arabic_title_is_current_audited_and_reaches_residents(own: App, clock: FixedClock) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0  # no waiting for the next check
    resident = Chat(own, language_hint="ar")
    await resident.say("/start")
    await resident.tap("offers:o:deutschkurs-horst")
    assert ARABIC not in resident.text
    course = await offer_id(own, "deutschkurs-horst")
    clock.advance(dt.timedelta(hours=1))
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{course}")
        before = text_form(shown.text, "ar")
        saved = await page.post(f"/offers/{course}/text", text_form(shown.text, "ar", title=ARABIC),
                                token=page.token())
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/offers/{course}?done=saved#text-ar"
        shown = await page.get(f"/offers/{course}", done="saved")
        assert "Gespeichert." in shown.text and ARABIC in shown.text
        assert 'id="text-ar" aria-labelledby="heading-ar"' in shown.text
        assert 'class="language state-current" id="text-ar"' in shown.text
    await resident.tap("offers:o:deutschkurs-horst")
    assert ARABIC in resident.text
    [entry] = await audit(own, "offer.text")
    assert entry.object_id == str(course) and entry.actor.startswith("redaktion")
    assert entry.before["title"] == before["title"] and entry.after["title"] == ARABIC  # type: ignore[index]
    assert entry.before["language"] == entry.after["language"] == "ar"  # type: ignore[index]


async def test_a_german_change_leaves_translations_outdated_until_saved_or_confirmed(own: App,
                                                                                    clock: FixedClock) -> None:
    course = await offer_id(own, "deutschkurs-horst")
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{course}")
        new_german = text_form(shown.text, "de", summary="Deutsch lernen von Anfang an, jetzt auch samstags.")
        assert (await page.post(f"/offers/{course}/text", new_german, token=page.token())).status_code == 303
        shown = await page.get(f"/offers/{course}")
        for language in ("en", "tr", "ar", "de@easy"):
            assert f'class="language state-outdated" id="text-{language}"' in shown.text, language
        assert "Deutschkurs für Neuzugewanderte" in await titles(page, outdated="en")
        shown = await page.get(f"/offers/{course}")
        confirmed = await page.post(f"/offers/{course}/confirm", {"language": "en",
                                                                  "version": version(shown.text, "en")},
                                    token=page.token())
        assert confirmed.status_code == 303
        shown = await page.get(f"/offers/{course}")
        assert 'class="language state-current" id="text-en"' in shown.text
        assert 'class="language state-outdated" id="text-tr"' in shown.text
        assert "Deutschkurs für Neuzugewanderte" not in await titles(page, outdated="en")
        again = await page.post(f"/offers/{course}/confirm", {"language": "en", "version": version(shown.text, "en")},
                                token=page.token())
        assert again.status_code == 400 and "nicht veraltet" in again.text  # current already
    [entry] = await audit(own, "offer.text_confirm")
    assert entry.before == {"language": "en", "state": "outdated"}
    assert entry.after == {"language": "en", "state": "current"}


async def test_problems_are_shown_next_to_their_fields_with_what_was_typed(own: App) -> None:
    course = await offer_id(own, "deutschkurs-horst")
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{course}")
        form = {"category": "language", "provider": "", "street": "Markenstraße 15", "postcode": "4589",
                "city": "Gelsenkirchen", "lat": "51,5478", "lon": "Osten", "hours_mon": "9:00-12:00, 14-16",
                "closed_dates": "24.12.2026\nHeiligabend", "barrier_free": "yes",
                "languages": "de, Arabisch", "cost": "free", "valid_from": "2026-09-01",
                "valid_until": "2026-08-01", "version": version(shown.text)}
        refused = await page.post(f"/offers/{course}", form, token=page.token())
        assert refused.status_code == 400
        errors = dict(re.findall(r'<p class="field-error" id="error-(\w+)">([^<]+)</p>', refused.text))
        assert errors["provider"] == "Bitte ausfüllen."
        assert errors["postcode"].startswith("Fünf Ziffern")
        assert "Zahl" in errors["lon"]
        assert "14-16" in errors["hours_mon"] and "Zeitspanne" in errors["hours_mon"]
        assert "24.12.2026" in errors["closed_dates"]
        assert "Sprachkürzel" in errors["languages"]
        assert 'value="Osten"' in refused.text and "Heiligabend</textarea>" in refused.text  # as typed
        # The schema checks the order of times and dates once every field is well-formed, so they come next.
        fixed = {**form, "provider": "Bildungswerk", "postcode": "45899", "lon": "7.0352", "hours_mon": "",
                 "closed_dates": "", "languages": ""}
        backwards = await page.post(f"/offers/{course}", {**fixed, "hours_tue": "18:00-17:00"}, token=page.token())
        assert backwards.status_code == 400
        assert re.findall(r'<p class="field-error" id="error-(\w+)">([^<]+)</p>', backwards.text) == [
            ("hours_tue", "„18:00-17:00“ schließt, bevor es öffnet.")]
        backwards = await page.post(f"/offers/{course}", fixed, token=page.token())
        assert re.findall(r'<p class="field-error" id="error-(\w+)">([^<]+)</p>', backwards.text) == [
            ("valid_until", "Das Ende liegt vor dem Anfang.")]
        shown = await page.get(f"/offers/{course}")
        empty_title = await page.post(f"/offers/{course}/text", text_form(shown.text, "ar", title=" "),
                                      token=page.token())
        assert empty_title.status_code == 400
        assert '<p class="field-error" id="ar-error-title">Bitte ausfüllen.</p>' in empty_title.text
    async with own.sessions() as session:
        offer = await session.scalar(select(Offer).where(Offer.id == course))
        assert offer is not None and offer.provider == "Beispiel-Bildungswerk Horst" and offer.postcode == "45899"
    assert await audit(own, "offer.update") == [] and await audit(own, "offer.text") == []


async def test_details_are_saved_and_a_save_over_a_newer_change_is_refused(own: App, clock: FixedClock) -> None:
    course = await offer_id(own, "deutschkurs-horst")
    async with browser(own) as anna, browser(own) as ben:
        await logged_in(anna, own)
        await logged_in(ben, own)
        anna_page = (await anna.get(f"/offers/{course}")).text
        ben_page = (await ben.get(f"/offers/{course}")).text
        form = {"category": "language", "provider": "Bildungswerk Horst e. V.", "street": "Markenstraße 15",
                "postcode": "45899", "city": "Gelsenkirchen", "lat": "51,5478", "lon": "7.0352",
                "hours_mon": "9:00 – 12:00", "hours_sat": "10:00-12:00", "closed_dates": "24.12.2026",
                "barrier_free": "yes", "languages": "de, ar", "target_groups": "newcomers", "cost": "free",
                "valid_from": "2026-09-01", "valid_until": ""}
        saved = await anna.post(f"/offers/{course}", {**form, "version": version(anna_page)},
                                token=anna.token())
        assert saved.status_code == 303
        late = await ben.post(f"/offers/{course}", {**form, "provider": "Bens Bildungswerk",
                                                    "version": version(ben_page)}, token=ben.token())
        assert late.status_code == 409 and "inzwischen" in late.text and 'value="Bens Bildungswerk"' in late.text
    async with own.sessions() as session:
        offer = await session.scalar(select(Offer).where(Offer.id == course))
        assert offer is not None and offer.provider == "Bildungswerk Horst e. V."
        assert offer.closed_dates == ["2026-12-24"] and offer.valid_until is None and offer.languages == ["de", "ar"]
        assert [(slot.weekday, slot.opens_minute, slot.closes_minute) for slot in offer.slots] == [
            (0, 540, 720), (5, 600, 720)]
    [entry] = await audit(own, "offer.update")
    assert entry.before["provider"] == "Beispiel-Bildungswerk Horst"  # type: ignore[index]
    assert entry.after["provider"] == "Bildungswerk Horst e. V."  # type: ignore[index]
    assert entry.after["hours"] == {"mon": ["09:00-12:00"], "sat": ["10:00-12:00"]}  # type: ignore[index]


async def test_a_new_offer_and_a_deactivated_one_survive_the_export_round_trip(own: App, clock: FixedClock,
                                                                              tmp_path: Path) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0
    course = await offer_id(own, "deutschkurs-horst")
    edited = await offer_id(own, "tafel-horst")
    clock.advance(dt.timedelta(hours=1))
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{edited}")
        assert (await page.post(f"/offers/{edited}/text", text_form(shown.text, "ar", title=ARABIC),
                                token=page.token())).status_code == 303
        await page.get("/offers/new")
        refused = await page.post("/offers/new", {"title": "", "summary": "Nähen", "provider": "Treff",
                                                  "category": "nonsense", "cost": "free", "barrier_free": "unknown"},
                                  token=page.token())
        assert refused.status_code == 400 and 'value="Treff"' in refused.text
        assert dict(re.findall(r'<p class="field-error" id="error-(\w+)">([^<]+)</p>', refused.text)) == {
            "title": "Bitte ausfüllen.", "category": "Bitte wählen Sie eine der Möglichkeiten."}
        created = await page.post("/offers/new", {
            "title": "Nähcafé Horst", "summary": "Gemeinsam nähen und flicken, Maschinen sind da.",
            "keywords": "Nähen, Flicken", "category": "meeting", "provider": "Beispiel-Nachbarschaftstreff",
            "hours_fri": "15:00-18:00", "barrier_free": "unknown", "cost": "donation", "city": "Gelsenkirchen"},
            token=page.token())
        assert created.status_code == 303
        shown = await page.get(created.headers["location"])
        assert "Nähcafé Horst" in shown.text and 'class="language state-missing" id="text-ar"' in shown.text
        assert (await page.post(f"/offers/{course}/deactivate", {}, token=page.token())).status_code == 303
        assert "Deutschkurs für Neuzugewanderte" not in await titles(page, q="Deutschkurs")
        assert await titles(page, inactive="1") == ["Deutschkurs für Neuzugewanderte"]
    resident = Chat(own, language_hint="de")
    await resident.say("/start")
    await resident.say("Nähcafé")
    assert resident.payloads[0] == "offers:o:naehcafe-horst"
    await resident.say("Deutschkurs für Neuzugewanderte")
    assert "offers:o:deutschkurs-horst" not in resident.payloads
    await resident.tap("offers:o:deutschkurs-horst")  # an old button of the deactivated offer leads to the menu
    assert "Deutschkurs für Neuzugewanderte" not in resident.text

    exported = await export_folder(own.sessions, tmp_path / "export", own.settings.quarter)
    assert exported.counts["offers"] == 39  # 39 imported, one new, one deactivated
    assert "naehcafe-horst" in (tmp_path / "export" / "offers.yaml").read_text(encoding="utf-8")
    report = await import_folder(own.sessions, tmp_path / "export", own.settings.quarter, clock)
    # Unchanged but the new offer: it is real content, while the file's one example_data flag is true as any
    # of its entries is (bot/content/rebuild.py), so the import marks it example data once.
    assert report.counts["offers.unchanged"] == 38 and report.counts["offers.updated"] == 1, report.summary()
    async with own.sessions() as session:
        assert await session.scalar(select(Offer.example_data).where(Offer.key == "naehcafe-horst")) is True
    [created_entry] = await audit(own, "offer.create")
    assert created_entry.after["key"] == "naehcafe-horst" and created_entry.before is None  # type: ignore[index]
    [deactivated] = await audit(own, "offer.deactivate")
    assert deactivated.before == {"active": True} and deactivated.after == {"active": False}

    async with browser(own) as page:
        await logged_in(page, own)
        await page.get(f"/offers/{course}")
        assert (await page.post(f"/offers/{course}/activate", {}, token=page.token())).status_code == 303
    await resident.say("Deutschkurs für Neuzugewanderte")
    assert resident.payloads[0] == "offers:o:deutschkurs-horst"


async def test_a_form_without_its_csrf_token_is_refused(own: App) -> None:
    course = await offer_id(own, "deutschkurs-horst")
    async with browser(own) as page:
        await logged_in(page, own)
        refused = await page.client.post(f"/offers/{course}/deactivate", data={})
        assert refused.status_code == 403
        forged = await page.client.post(f"/offers/{course}/text", data={"csrftoken": "forged", "language": "ar",
                                                                       "title": "x", "summary": "y"})
        assert forged.status_code == 403
    async with own.sessions() as session:
        assert await session.scalar(select(Offer.active).where(Offer.id == course)) is True
    assert await audit(own, "offer.deactivate") == [] and await audit(own, "offer.text") == []
