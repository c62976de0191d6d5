"""Categories in the back office over HTTP: a translated name reaches the chat's menu, a German change
leaves translations outdated until confirmed, the menu's order changes, all audited."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.offers.catalog import OfferCatalog
from bot.offers.models import Category
from tests.support.chat import Chat
from tests.support.web import audit, browser, make_account


async def category(app: App, key: str) -> int:
    async with app.sessions() as session:
        found = await session.scalar(select(Category.id).where(Category.key == key))
    assert found is not None
    return found


def version(page: str, language: str) -> str:
    found = re.search(rf'action="/categories/\d+/text">\s*<input type="hidden" name="csrftoken" value="[^"]+">\s*'
                      rf'<input type="hidden" name="language" value="{re.escape(language)}">\s*'
                      r'<input type="hidden" name="version" value="([^"]+)">', page)
    assert found, language
    return found.group(1)


async def test_names_states_and_order_of_categories(own: App, clock: FixedClock) -> None:
    own.conversation.services.get(OfferCatalog).check_interval = 0
    staff, _ = await make_account(own, "redaktion")
    food = await category(own, "food_everyday")
    clock.advance(dt.timedelta(hours=1))
    async with browser(own) as page:
        await page.login(staff.name)
        shown = await page.get(f"/categories/{food}")
        assert shown.status_code == 200 and 'class="language state-current" id="text-ar"' in shown.text
        arabic = {"language": "ar", "name": "طعام ومساعدة يومية", "synonyms": "طعام, خبز",
                  "version": version(shown.text, "ar")}
        saved = await page.post(f"/categories/{food}/text", arabic, token=page.token())
        assert saved.status_code == 303
        shown = await page.get(f"/categories/{food}")
        empty = await page.post(f"/categories/{food}/text", {"language": "ar", "name": "", "synonyms": "خبز",
                                                             "version": version(shown.text, "ar")}, token=page.token())
        assert empty.status_code == 400
        assert '<p class="field-error" id="ar-error-name">Bitte ausfüllen.</p>' in empty.text
        assert 'value="خبز"' in empty.text  # as typed
        german = await page.post(f"/categories/{food}/text", {"language": "de", "name": "Essen & Alltagshilfe",
                                                              "synonyms": "Tafel, Lebensmittel",
                                                              "version": version(shown.text, "de")}, token=page.token())
        assert german.status_code == 303
        shown = await page.get(f"/categories/{food}")
        assert 'class="language state-outdated" id="text-en"' in shown.text
        stale = await page.post(f"/categories/{food}/text", {"language": "en", "name": "Food",
                                                             "version": version(empty.text, "en")}, token=page.token())
        assert stale.status_code == 409 and "inzwischen" in stale.text and 'value="Food"' in stale.text
        version_en = re.search(r'action="/categories/\d+/confirm">\s*<input[^>]+>\s*<input type="hidden" '
                               r'name="language" value="en">\s*<input type="hidden" name="version" value="([^"]+)">',
                               shown.text)
        assert version_en is not None
        assert (await page.post(f"/categories/{food}/confirm", {"language": "en", "version": version_en.group(1)},
                                token=page.token())).status_code == 303
        shown = await page.get(f"/categories/{food}")
        assert 'class="language state-current" id="text-en"' in shown.text
        listing = await page.get("/categories")
        names = re.findall(r'<a href="/categories/\d+">[^ ]* ([^<]+)</a>', listing.text)
        before = names.index("Essen &amp; Alltagshilfe")
        assert (await page.post(f"/categories/{food}/up", {}, token=page.token())).status_code == 303
        names = re.findall(r'<a href="/categories/\d+">[^ ]* ([^<]+)</a>', (await page.get("/categories")).text)
        assert names.index("Essen &amp; Alltagshilfe") == before - 1
    resident = Chat(own, language_hint="ar")
    await resident.say("/start")
    await resident.tap("offers:home")
    labels = [choice.label for choice in resident.last[-1].choices]
    assert any("طعام ومساعدة يومية" in label for label in labels)
    assert (await audit(own, "category.text"))[0].after == {
        "language": "ar", "name": "طعام ومساعدة يومية", "synonyms": ["طعام", "خبز"]}
    [confirmed] = await audit(own, "category.text_confirm")
    assert confirmed.after == {"language": "en", "state": "current"}
    [moved] = await audit(own, "category.order")
    assert moved.before["order"].index("food_everyday") == moved.after["order"].index("food_everyday") + 1  # type: ignore[index]


async def test_the_list_marks_the_languages_whose_texts_are_not_checked(own: App) -> None:
    staff, _ = await make_account(own, "redaktion")
    async with own.sessions() as session, session.begin():
        food = await session.scalar(select(Category).where(Category.key == "food_everyday"))
        assert food is not None
        for text in food.texts:
            text.reviewed = text.language not in ("uk", "ru", "de")
    async with browser(own) as page:
        await page.login(staff.name)
        listing = (await page.get("/categories")).text
    assert "? nicht muttersprachlich geprüft" in listing  # the legend
    rows = dict(re.findall(r'<tr id="category-([^"]+)">(.*?)</tr>', listing, re.S))
    marked = re.findall(r'<span aria-hidden="true">([^ <]+) [^<]*\?</span>', rows.pop("food_everyday"))
    assert marked == ["de", "uk", "ru"]
    assert "Russisch: aktuell, nicht muttersprachlich geprüft" in listing
    assert not any("?</span>" in row for row in rows.values())  # the other categories are all checked
