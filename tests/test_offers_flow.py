"""Finding offers in the Horst example content: browse, search in many languages, filters,
paging, details, unmet searches."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.content.importer import read_folder
from bot.db.models import ConversationState, Resident
from bot.offers.catalog import OfferCatalog
from bot.offers.models import UnmetSearch
from bot.offers.unmet import PERSONAL_TEXT, looks_personal
from tests.support.chat import Chat
from tests.support.databases import BERLIN, HORST


@pytest.mark.parametrize(
    ("query", "language"),
    [("Deutschkurs", "de"), ("curs de germană", "ro"), ("Almanca kursu", "tr"), ("German course", "en"),
     ("Deutschkurz", "de"), ("dewtschkurs", "de"), ("دورة اللغة الألمانية", "ar"), ("DEUTSCH LERNEN", "de")],
)
async def test_the_german_course_is_found_in_many_languages_and_with_typos(app: App, query: str,
                                                                           language: str) -> None:
    chat = Chat(app, language_hint=language)
    await chat.say("/start")
    await chat.say(query)
    assert chat.payloads[0] == "offers:o:deutschkurs-horst", chat.text


async def test_offer_details_show_hours_address_map_and_more(app: App, clock: FixedClock) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("offers:o:deutschkurs-horst")
    card = chat.last[0]
    assert card.title
    assert "openstreetmap.org/?mlat=" in card.text
    assert "45899" in card.text
    assert any(marker in card.text for marker in ("Open now, until", "Closed now, opens"))
    assert "Languages:" in card.text and "💶" in card.text and "♿" in card.text


async def test_open_now_is_computed_in_berlin_time(app: App, clock: FixedClock) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    clock.set(dt.datetime(2026, 11, 29, 3, 0, tzinfo=BERLIN))  # Sunday night: nothing is open
    await chat.tap("offers:o:deutschkurs-horst")
    assert "Closed now, opens" in chat.last[0].text
    await chat.tap("offers:f:open_now")
    await chat.tap("offers:c:language:1")
    assert "No offer matches your filters" in chat.text


async def test_text_not_in_the_residents_language_falls_back_to_german_with_a_note(app: App) -> None:
    chat = Chat(app, language_hint="pl")
    await chat.say("/start")
    await chat.tap("offers:o:deutschkurs-horst")
    offers = read_folder(HORST).offers
    assert offers is not None
    course = next(offer for offer in offers.offers if offer.key == "deutschkurs-horst")
    if "pl" in course.texts:
        assert course.texts["pl"].title == chat.last[0].title
    else:
        assert course.texts["de"].title == chat.last[0].title
        assert "ℹ" in chat.last[0].text


async def test_browsing_a_category_pages_by_editing(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("offers:home")
    categories = [payload for payload in chat.payloads if payload.startswith("offers:c:")]
    assert len(categories) >= 10
    seen: set[str] = set()
    for payload in categories:
        await chat.tap(payload)
        seen |= {p for p in chat.payloads if p.startswith("offers:o:")}
        while next_page := next((c.payload for c in chat.last[-1].choices if "Next page" in c.label), None):
            await chat.tap(next_page)
            assert chat.last[-1].edit
            assert "Page " in chat.last[-1].text
            seen |= {p for p in chat.payloads if p.startswith("offers:o:")}
    assert len(seen) >= 30  # every example offer is reachable by browsing


async def test_filters_narrow_and_are_shown_and_can_be_removed(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("offers:home")
    await chat.tap("offers:c:counselling:1")
    unfiltered = chat.text
    await chat.tap("offers:f")
    await chat.tap("offers:f:free")
    assert chat.last[-1].edit and any(c.label.startswith("☑") for c in chat.last[-1].choices)
    await chat.tap("offers:f:g_women")
    await chat.tap_label("Show offers")
    assert "Filters: Free of charge and Women" in chat.text
    assert chat.text != unfiltered
    await chat.tap("offers:f:clear")
    await chat.tap_label("Show offers")
    assert "Filters:" not in chat.text


async def test_my_language_filter_uses_the_residents_language(app: App) -> None:
    chat = Chat(app, language_hint="ar")
    await chat.say("/start")
    await chat.tap("offers:f:my_language")
    await chat.say("Beratung")
    async with app.sessions() as session:
        catalog = await app.conversation.services.get(OfferCatalog).get(session, app.settings.quarter)
    shown = [p.removeprefix("offers:o:") for p in chat.payloads if p.startswith("offers:o:")]
    assert shown, chat.text
    assert all("ar" in catalog.by_key[key].languages for key in shown)


async def test_nothing_found_suggests_topics_and_records_the_search_without_identity(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    word = "zzqx" + chat.user[:6].translate(str.maketrans("0123456789", "ghijklmnop"))
    await chat.say(word)
    assert "I found no offer" in chat.text
    assert any(p.startswith("offers:c:") for p in chat.payloads)
    await chat.say(word.upper())  # the same words again, counted in the same row
    async with app.sessions() as session:
        row = await session.scalar(select(UnmetSearch).where(UnmetSearch.text == word))
        states = (await session.scalars(select(ConversationState.data).join(Resident).where(
            Resident.channel_user_id == chat.user))).all()
    assert row is not None and row.language == "en" and row.quarter == "horst" and row.count == 2
    assert row.week == dt.date(2026, 11, 23)  # the Monday of the week, no day and no time
    assert not hasattr(row, "resident_id") and not hasattr(row, "id")
    assert word not in str(states)  # the resident's state does not keep words that found nothing


@pytest.mark.parametrize(("typed", "personal"), [
    ("my landlord Mr Novak in the Markenstraße 12 wants me out of the flat", "novak"),
    ("call me 0151 2345 6789", "0151"), ("anna.k@example.org", "anna.k"),
    ("see https://example.org/my-case", "my-case"),
])
async def test_personal_looking_text_is_counted_but_not_stored(app: App, typed: str, personal: str) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.say(typed)
    async with app.sessions() as session:
        stored = (await session.scalars(select(UnmetSearch.text))).all()
    # Other tests share the database and leave their own words (e.g. "me"), so the personal part is looked for.
    assert not any(personal in text for text in stored)
    if "I found no offer" in chat.text:
        assert PERSONAL_TEXT in stored
    assert looks_personal(typed.casefold()) and not looks_personal("deutschkurs für frauen am abend")


async def test_search_prompt_takes_the_next_text(app: App) -> None:
    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    await chat.tap("offers:s")
    await chat.say("Tafel")
    assert any(p.startswith("offers:o:") for p in chat.payloads)
    await chat.say("/offers Jugend")
    assert any(p.startswith("offers:o:") for p in chat.payloads)


@pytest.mark.parametrize(
    ("text", "language"),
    [("hallo", "de"), ("Hi!", "en"), ("merhaba", "tr"), ("привіт", "uk"), ("مرحبا", "ar"), ("danke", "de"),
     ("thanks", "en"), ("mulțumesc", "ro"), ("спасибо", "ru"), ("dziękuję", "pl"), ("Dzień dobry", "pl")],
)
async def test_greetings_and_thanks_get_the_main_menu_not_a_search(app: App, text: str, language: str) -> None:
    chat = Chat(app, language_hint=language)
    await chat.say("/start")
    await chat.say(text)
    assert "menu" in [reply.route for reply in chat.last], chat.text
    assert not any(payload.startswith("offers:o:") for payload in chat.payloads), chat.text


async def test_a_ukrainian_date_ends_with_one_full_stop(app: App) -> None:
    chat = Chat(app, language_hint="uk")
    await chat.say("/start")
    await chat.tap("offers:o:abendkurs-deutsch-b1")
    [line] = [line for line in chat.text.split("\n") if line.startswith("Триває до")]
    assert line.endswith("р.") and not line.endswith("..")  # "26 лют. 2027 р.", once
