"""The conversation core: first contact, language, navigation, outdated buttons, failures,
restarts and concurrency — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.conversation.context import Context
from bot.conversation.messages import Incoming
from bot.db.models import ConversationState, Resident
from tests.support.chat import Chat
from tests.support.databases import Database, settings_for


async def test_first_contact_uses_the_platform_language_hint(app: App) -> None:
    chat = Chat(app, language_hint="tr-TR")
    replies = await chat.say("/start")
    assert "offers:home" in chat.payloads
    assert "Quartiersbot" in replies[0].text and not replies[0].text.startswith("Hello")  # greeted in Turkish
    assert await chat.stored_language() == "tr"


async def test_first_contact_without_usable_hint_shows_the_picker_in_native_names(app: App) -> None:
    chat = Chat(app, language_hint="fr")
    await chat.say("/start")
    labels = [choice.label for choice in chat.last[-1].choices]
    for name in ("Deutsch", "Leichte Sprache", "English", "Türkçe", "العربية", "Română", "Български",
                 "Українська", "Русский", "Polski"):
        assert name in labels
    # Before a language is chosen, Menu and Back would only lead to the picker again: they are not offered.
    assert all(payload.startswith("lang:set:") for payload in chat.payloads)
    await chat.tap("menu")
    assert all(payload.startswith("lang:set:") for payload in chat.payloads)
    await chat.say("5")  # the fifth language is Arabic
    assert all(reply.right_to_left for reply in chat.last)
    assert "offers:home" in chat.payloads


async def test_deep_link_before_choosing_a_language_opens_its_flow_afterwards(app: App) -> None:
    chat = Chat(app)
    await chat.say("/start offers")
    assert chat.payloads[0].startswith("lang:set:")
    await chat.tap("lang:set:ro")
    assert "offers:s" in chat.payloads  # the offers screen, not the main menu


async def test_unknown_deep_link_falls_back_to_the_menu(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start no-such-thing")
    assert "offers:home" in chat.payloads


async def test_language_can_be_changed_any_time(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.say("/language")
    await chat.tap("lang:set:uk")
    assert len(chat.last) == 1 and chat.last[0].text.startswith("Мова: Українська\n\n")  # on top of the menu
    assert "offers:home" in chat.payloads
    await chat.tap("menu")
    assert await chat.stored_language() == "uk"


async def test_back_returns_to_the_previous_screen_and_menu_is_always_offered(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("offers:home")
    assert chat.payloads[-1] == "menu"
    await chat.tap("offers:c:language:1")
    assert chat.payloads[-2:] == ["back", "menu"]
    first_offer = chat.payloads[0]
    await chat.tap(first_offer)
    await chat.tap("back")
    assert first_offer in chat.payloads  # the category list again
    await chat.tap("back")
    assert "offers:s" in chat.payloads  # the topics
    await chat.tap("back")
    assert "offers:home" in chat.payloads  # the main menu


async def test_outdated_or_forged_payloads_get_the_current_menu(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    for payload in ("offers:o:no-such-offer", "offers:c:gone:1", "nosuch:thing", "offers:c:language:x",
                    "lang:set:xx", "offers:q:1", "offers:f:nonsense", "back:back"):
        replies = await chat.tap(payload)
        assert "outdated" in replies[0].text, payload
        assert "offers:home" in chat.payloads


async def test_unknown_text_and_commands_get_help(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    replies = await chat.say("🙂🙂")
    assert "/menu" in replies[0].text
    replies = await chat.say("/frobnicate")
    assert "/menu" in replies[0].text


async def test_a_failing_handler_is_rolled_back_and_the_resident_gets_an_apology(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(ctx: Context, parts: list[str]) -> list:
        ctx.states.get("offers")["query"] = "half-written"
        ctx.resident.language = "pl"
        raise RuntimeError("boom")

    app.conversation.router.namespaces["broken"] = broken
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.say("Deutschkurs")
    replies = await chat.tap("broken:now")
    assert "Sorry" in replies[0].text
    assert "offers:home" in chat.payloads
    assert "handling failed" in caplog.text and "payload=broken" in caplog.text
    assert "broken:now" not in caplog.text and chat.user not in caplog.text  # no button data, no user id
    async with app.sessions() as session:
        resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
        assert resident is not None and resident.language == "en"
        state = await session.get(ConversationState, (resident.id, "offers"))
        assert state is not None and state.data["query"] == "Deutschkurs"


async def test_a_restart_in_the_middle_of_a_flow_resumes_where_the_resident_was(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    first = await create_app(settings_for(database, tmp_path), clock=clock, migrate=False,
                             engine=database.engine)
    chat = Chat(first, language_hint="de")
    await chat.say("/start")
    await chat.tap("offers:s")  # the bot now waits for a search word
    restarted = await create_app(settings_for(database, tmp_path), clock=clock, migrate=False,
                                 engine=database.engine)
    chat.app = restarted
    await chat.say("Tafel")
    assert "Tafel" in chat.text
    await chat.say("1")  # typed numbers refer to the choices shown before the restart
    assert chat.last[0].title


async def test_concurrent_first_messages_of_one_resident_create_one_resident(app: App) -> None:
    chat = Chat(app, language_hint="de")
    replies = await asyncio.gather(*(chat.say(text) for text in ("/start", "Tafel", "/menu", "Deutsch", "/help")))
    assert all(reply for reply in replies)
    async with app.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Resident)
                                     .where(Resident.channel_user_id == chat.user))
    assert count == 1


async def test_residents_served_at_once_keep_their_own_language(app: App) -> None:
    german, arabic = Chat(app, language_hint="de"), Chat(app, language_hint="ar")
    english = Chat(app, language_hint="en")
    for _ in range(3):
        await asyncio.gather(german.say("/menu"), arabic.say("/menu"), english.say("/menu"))
        assert german.last[0].text != english.last[0].text != arabic.last[0].text
        assert arabic.last[0].right_to_left and not german.last[0].right_to_left
        assert english.last[0].text == "What do you need? Tap a button or type its number."


async def test_an_event_replayed_after_a_restart_is_answered_once(app: App) -> None:
    chat = Chat(app, language_hint="en")
    first = await app.conversation.handle(Incoming("test", chat.user, command="menu", event_id="$event-1"))
    again = await app.conversation.handle(Incoming("test", chat.user, command="menu", event_id="$event-1"))
    other = await app.conversation.handle(Incoming("test", chat.user, command="menu", event_id="$event-2"))
    assert first and other and again == []


async def test_arabic_buttons_point_back_to_the_right(app: App) -> None:
    chat = Chat(app, language_hint="ar")
    await chat.say("/start")
    await chat.tap("offers:home")
    await chat.tap("offers:c:language:1")
    back = next(choice.label for choice in chat.last[-1].choices if choice.payload == "back")
    assert "▶" in back and "◀" not in back


async def test_a_number_that_is_no_option_says_so_and_shows_the_choices_again(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    menu = chat.payloads
    for typed in ("99", str(len(menu) + 1), "0"):
        replies = await chat.say(typed)
        assert len(replies) == 1 and replies[0].text == f"There is no option {int(typed)} here."
        assert chat.payloads == menu  # the same choices again, not a search for the number
    await chat.say("2.")
    assert chat.payloads != menu  # "2." is the second choice, as in a numbered list


async def test_arabic_indic_digits_pick_a_choice(app: App) -> None:
    chat = Chat(app, language_hint="ar")
    await chat.say("/start")
    first = chat.payloads[0]
    await chat.say("٩٩")
    assert "٩٩" not in chat.text and chat.last[0].text.endswith("99.")
    await chat.say("١")
    expected = Chat(app, language_hint="ar")
    await expected.say("/start")
    await expected.tap(first)
    assert chat.payloads == expected.payloads


async def test_a_number_at_the_search_prompt_is_no_search_either(app: App) -> None:
    chat = Chat(app, language_hint="de")
    await chat.say("/start")
    await chat.tap("offers:home")
    await chat.tap("offers:s")
    replies = await chat.say("4")
    assert replies[0].text == "Hier gibt es keine Nummer 4." and "back" in chat.payloads
    await chat.say("Deutschkurs")  # the prompt still waits for words
    assert "offers:o:" in " ".join(chat.payloads)
