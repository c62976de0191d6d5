"""The first message is not thrown away: written before the language is chosen, it is answered right after
the choice; its language, detected offline, is offered first. And a survey question that takes a typed answer
lists its buttons without numbers on the numbered channels, so a typed "2" is the answer."""

from __future__ import annotations

from bot.app import App
from bot.channels.console import render
from bot.channels.matrix_render import render as matrix_render
from bot.conversation.messages import Choice, Incoming, Reply
from bot.i18n import Translator
from tests.support.chat import Chat
from tests.support.databases import BERLIN


async def test_a_search_written_before_the_language_is_chosen_is_answered_after_it(app: App) -> None:
    chat = Chat(app)  # no language hint from the platform
    [picker] = await chat.say("курс німецької")
    assert picker.route == "lang:pick"
    assert picker.choices[0].payload == "lang:set:uk"  # the language it is written in, first
    lines = picker.text.removeprefix("🌐 ").split("\n")
    ukrainian = Translator.for_language("uk", BERLIN).gettext("Please choose your language.")
    assert lines[0] == ukrainian != "Please choose your language." and len(lines) == 9  # all but de@easy
    replies = await chat.tap("lang:set:uk")
    assert any(payload.startswith("offers:o:deutschkurs") for payload in chat.payloads), chat.text
    assert "Quartiersbot" in replies[0].text  # under the greeting, in one message
    assert await chat.stored_language() == "uk"


async def test_a_command_written_before_the_language_is_chosen_is_run_after_it(app: App) -> None:
    chat = Chat(app)
    await chat.say("/privacy")
    await chat.tap("lang:set:en")
    assert "Responsible for your data" in chat.text


async def test_without_a_first_message_the_choice_brings_the_greeting_and_the_menu(app: App) -> None:
    chat = Chat(app)
    await chat.say("/start")
    await chat.tap("lang:set:ro")
    assert "menu" in [reply.route for reply in chat.last]


def test_choices_of_a_typed_answer_are_listed_without_numbers() -> None:
    reply = Reply("How many children live with you?", (Choice("⏭ Skip", "s"), Choice("◀ Back", "b")), numbered=False)
    assert "  • ⏭ Skip" in render(reply) and "[1]" not in render(reply)
    assert "• ◀ Back" in matrix_render(reply)["body"] and "<ul>" in matrix_render(reply)["formatted_body"]
    numbered = Reply("Menu", (Choice("Offers", "o"),))
    assert "[1] Offers" in render(numbered) and "1. Offers" in matrix_render(numbered)["body"]


async def test_the_group_notice_speaks_the_language_of_the_one_who_wrote(app: App) -> None:
    romanian = Translator.for_language("ro", BERLIN)
    notice = ("Hello! I only answer in a private chat, so that what you write stays private. "
              "Please write to me directly.")
    asked = await app.conversation.handle(Incoming("test", "group-writer", text="Bună ziua, unde găsesc un curs de "
                                                   "limba germană pentru adulți?", private=False))
    assert asked[0].text.startswith(romanian.gettext(notice))
    chat = Chat(app, language_hint="uk")
    await chat.say("/start")  # chose Ukrainian with us: that wins over what the group message looks like
    mentioned = await app.conversation.handle(Incoming("test", chat.user, text="quartiersbot hello", private=False))
    assert mentioned[0].text.startswith(Translator.for_language("uk", BERLIN).gettext(notice))


async def test_asking_for_the_language_first_brings_the_greeting_not_the_picker_again(app: App) -> None:
    chat = Chat(app)
    await chat.say("/language")
    replies = await chat.tap("lang:set:en")
    assert [reply.route for reply in replies][-1] == "menu" and "Please choose your language" not in chat.text


async def test_a_greeting_written_first_is_greeted_once(app: App) -> None:
    chat = Chat(app)
    await chat.say("hallo")
    replies = await chat.tap("lang:set:de")
    assert chat.text.count("Quartiersbot") == 1 and replies[-1].route == "menu", chat.text
