"""Texts a native speaker should still check, in the back office over HTTP: the offer list's filter "not
checked in", the mark in each row, and "Checked" on an offer's page (audited, for Redaktion and Team alike,
refused without the CSRF token), and a text saved by hand counting as checked; the same for categories."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.offers.models import Category, CategoryText, Offer, OfferText
from tests.support.web import Browser, browser, make_account
from tests.test_web_offers import ROW, audit, text_form, version

UNCHECKED_NOTE = "bitte von einer Muttersprachlerin prüfen lassen"


async def logged_in(page: Browser, app: App, role: str = "redaktion") -> None:
    staff, _ = await make_account(app, role)
    assert (await page.login(staff.name)).headers["location"] == "/"


async def all_titles(page: Browser, **filters: str) -> list[str]:
    found: list[str] = []
    for number in range(1, 10):
        response = await page.get("/offers", page=str(number), **filters)
        assert response.status_code == 200
        rows = [html_title for _, html_title in ROW.findall(response.text)]
        found += rows
        if f"Seite {number} von" not in response.text or f"Seite {number} von {number}" in response.text:
            break
    return found


async def unreviewed_titles(app: App, language: str) -> list[str]:
    """The German titles of the active offers whose text in `language` is not checked, from the database."""
    async with app.sessions() as session:
        ids = set(await session.scalars(select(OfferText.offer_id).where(OfferText.language == language,
                                                                           OfferText.reviewed.is_(False))))
        rows = await session.scalars(select(OfferText.title).join(Offer, Offer.id == OfferText.offer_id)
                                     .where(OfferText.offer_id.in_(ids), OfferText.language == "de",
                                            Offer.active.is_(True)))
        return sorted(rows)


async def reviewed(app: App, offer: int, language: str) -> bool:
    async with app.sessions() as session:
        found = await session.scalar(select(OfferText.reviewed).where(OfferText.offer_id == offer,
                                                                        OfferText.language == language))
    assert found is not None
    return found


async def unchecked_offer(app: App, language: str) -> int:
    async with app.sessions() as session:
        found = await session.scalar(select(OfferText.offer_id).where(OfferText.language == language,
                                                                        OfferText.reviewed.is_(False))
                                     .order_by(OfferText.offer_id))
    assert found is not None
    return found


async def test_the_filter_lists_exactly_the_offers_with_an_unchecked_text_in_the_language(own: App) -> None:
    expected = await unreviewed_titles(own, "ru")
    assert expected  # the example content has some
    async with browser(own) as page:
        await logged_in(page, own)
        assert sorted(await all_titles(page, unreviewed="ru")) == expected
        assert sorted(await all_titles(page, unreviewed="de")) == await unreviewed_titles(own, "de")
        assert sorted(await all_titles(page, unreviewed="en")) == await unreviewed_titles(own, "en")
        listed = await page.get("/offers", unreviewed="ru")
        assert '<option value="ru" selected>' in listed.text
        assert "ru –?" in listed.text or "ru ✓?" in listed.text or "ru !?" in listed.text
        assert len(await all_titles(page, unreviewed="xx")) == len(await all_titles(page))  # unknown: no filter


async def test_checked_marks_the_text_reviewed_unchanged_and_is_audited(own: App) -> None:
    offer = await unchecked_offer(own, "ru")
    async with own.sessions() as session:
        before = await session.scalar(select(OfferText.title).where(OfferText.offer_id == offer,
                                                                      OfferText.language == "ru"))
        hash_before = await session.scalar(select(Offer.content_hash).where(Offer.id == offer))
    async with browser(own) as page:
        await logged_in(page, own, "team")
        shown = await page.get(f"/offers/{offer}")
        section = shown.text.split('id="text-ru"', 1)[1].split("</section>", 1)[0]
        assert UNCHECKED_NOTE in section and f'action="/offers/{offer}/reviewed"' in section
        confirmed = await page.post(f"/offers/{offer}/reviewed",
                                    {"language": "ru", "version": version(shown.text, "ru")}, token=page.token())
        assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("done=reviewed#text-ru")
        shown = await page.get(f"/offers/{offer}", done="reviewed")
        section = shown.text.split('id="text-ru"', 1)[1].split("</section>", 1)[0]
        assert UNCHECKED_NOTE not in section
        assert "Als geprüft markiert." in shown.text
        assert await reviewed(own, offer, "ru")
        again = await page.post(f"/offers/{offer}/reviewed", {"language": "ru", "version": version(shown.text, "ru")},
                                token=page.token())
        assert again.status_code == 400 and "bereits als geprüft markiert" in again.text
        await page.get(f"/offers/{offer}")
        missing = await page.post(f"/offers/{offer}/reviewed", {"language": "xx", "version": "-"},
                                  token=page.token())
        assert missing.status_code == 404
    async with own.sessions() as session:
        assert await session.scalar(select(OfferText.title).where(OfferText.offer_id == offer,
                                                                    OfferText.language == "ru")) == before
        assert await session.scalar(select(Offer.content_hash).where(Offer.id == offer)) != hash_before
    [entry] = await audit(own, "offer.text_reviewed")
    assert entry.object_id == str(offer)
    assert entry.before == {"language": "ru", "reviewed": False}
    assert entry.after == {"language": "ru", "reviewed": True}
    assert await audit(own, "offer.text") == []


async def test_checked_on_a_stale_page_is_refused(own: App) -> None:
    offer = await unchecked_offer(own, "ru")
    async with browser(own) as page:
        await logged_in(page, own)
        stale = await page.get(f"/offers/{offer}")
        changed = text_form(stale.text, "ru", title="Новое название")
        assert (await page.post(f"/offers/{offer}/text", changed, token=page.token())).status_code == 303
        await page.get(f"/offers/{offer}")
        refused = await page.post(f"/offers/{offer}/reviewed", {"language": "ru", "version": version(stale.text, "ru")},
                                  token=page.token())
        assert refused.status_code == 409
    assert await audit(own, "offer.text_reviewed") == []


async def test_a_text_saved_by_hand_counts_as_checked_and_the_others_stay_as_they_were(own: App) -> None:
    offer = await unchecked_offer(own, "ru")
    async with own.sessions() as session:
        others = dict((await session.execute(select(OfferText.language, OfferText.reviewed)
                                             .where(OfferText.offer_id == offer, OfferText.language != "ru"))).all())
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{offer}")
        saved = await page.post(f"/offers/{offer}/text", text_form(shown.text, "ru", title="Новое название"),
                                token=page.token())
        assert saved.status_code == 303
    assert await reviewed(own, offer, "ru")
    async with own.sessions() as session:
        assert dict((await session.execute(select(OfferText.language, OfferText.reviewed)
                                           .where(OfferText.offer_id == offer, OfferText.language != "ru"))).all()) \
            == others


async def test_checked_without_the_csrf_token_or_a_session_is_refused(own: App) -> None:
    offer = await unchecked_offer(own, "ru")
    async with browser(own) as anonymous:
        await anonymous.get("/login")
        refused = await anonymous.post(f"/offers/{offer}/reviewed", {"language": "ru", "version": "-"},
                                       token=anonymous.token())
        assert refused.status_code == 401
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{offer}")
        forged = await page.client.post(f"/offers/{offer}/reviewed", data={
            "csrftoken": "forged", "language": "ru", "version": version(shown.text, "ru")})
        assert forged.status_code == 403
        bare = await page.client.post(f"/offers/{offer}/reviewed", data={"language": "ru",
                                                                         "version": version(shown.text, "ru")})
        assert bare.status_code == 403
    assert not await reviewed(own, offer, "ru")
    assert await audit(own, "offer.text_reviewed") == []


async def test_a_checked_text_is_exported_without_the_flag_and_imports_unchanged(own: App, tmp_path: Path,
                                                                                 clock: FixedClock) -> None:
    offer = await unchecked_offer(own, "ru")
    async with own.sessions() as session:
        key = await session.scalar(select(Offer.key).where(Offer.id == offer))
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/offers/{offer}")
        assert (await page.post(f"/offers/{offer}/reviewed", {"language": "ru", "version": version(shown.text, "ru")},
                                token=page.token())).status_code == 303
    await export_folder(own.sessions, tmp_path / "export", own.settings.quarter)
    exported = yaml.safe_load((tmp_path / "export" / "offers.yaml").read_text(encoding="utf-8"))
    [entry] = [entry for entry in exported["offers"] if entry["key"] == key]
    assert "reviewed" not in entry["texts"]["ru"]
    report = await import_folder(own.sessions, tmp_path / "export", own.settings.quarter, clock)
    assert report.counts["offers.updated"] == 0, report.summary()


async def test_a_category_text_can_be_checked_and_one_saved_by_hand_counts_as_checked(own: App) -> None:
    async with own.sessions() as session, session.begin():
        category = await session.scalar(select(Category).where(Category.key == "language"))
        assert category is not None
        for text in category.texts:
            if text.language in ("ru", "pl"):
                text.reviewed = False
        number = category.id
    async with browser(own) as page:
        await logged_in(page, own)
        shown = await page.get(f"/categories/{number}")
        section = shown.text.split('id="text-ru"', 1)[1].split("</section>", 1)[0]
        assert UNCHECKED_NOTE in section
        confirmed = await page.post(f"/categories/{number}/reviewed",
                                    {"language": "ru", "version": version(shown.text, "ru")}, token=page.token())
        assert confirmed.status_code == 303
        await page.get(f"/categories/{number}")
        again = await page.post(f"/categories/{number}/reviewed",
                                {"language": "ru", "version": version(shown.text, "ru")}, token=page.token())
        assert again.status_code == 400
        shown = await page.get(f"/categories/{number}")
        name = re.search(r'id="text-en".*?name="name" value="([^"]*)"', shown.text, re.S)
        assert name is not None
        saved = await page.post(f"/categories/{number}/text", {"language": "en", "name": "German courses",
                                                                "synonyms": "", "version": version(shown.text, "en")},
                                token=page.token())
        assert saved.status_code == 303
    async with own.sessions() as session:
        states = dict((await session.execute(select(CategoryText.language, CategoryText.reviewed)
                                             .where(CategoryText.category_id == number))).all())
    assert states["ru"] and states["en"] and not states["pl"]  # saving English left Polish unchecked
    [entry] = await audit(own, "category.text_reviewed")
    assert entry.after == {"language": "ru", "reviewed": True}
