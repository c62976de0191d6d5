"""Choosing the language: offered on first contact when the platform gives no usable hint,
and at any time with /language or from the menu.

The first message is not thrown away: what a resident wrote before choosing (a search, a
command) is answered right after the choice, and the language it is written in (detected
offline) is offered first.
"""

from __future__ import annotations

from bot.conversation.context import Context, StalePayload, on_top
from bot.conversation.messages import Choice
from bot.conversation.router import Replies, Router
from bot.i18n import N_, Translator
from bot.language_detection import detect
from bot.languages import BY_CODE

COMMANDS = ("language", "lang", "sprache")


def register(router: Router) -> None:
    async def picker(ctx: Context) -> Replies:
        first = str(ctx.core.get("first_message", ""))
        written = detect(first) if first and not first.startswith("/") else None
        enabled = ctx.settings.languages
        order = [code for code in dict.fromkeys((written, ctx.translator.code, *enabled)) if code in enabled]
        choices = [Choice(BY_CODE[code].native_name, f"lang:set:{code}") for code in order]
        # Written in every enabled language at once: the resident may read none of ours yet.
        prompt = "\n".join(
            Translator.for_language(code, ctx.settings.zone).gettext("Please choose your language.")
            for code in order if code != "de@easy"  # the same words as German
        )
        return [ctx.reply("🌐 " + prompt, choices, route="lang:pick")]

    async def first_message(ctx: Context, greeting: Replies) -> Replies:
        """The answer to what the resident wrote before choosing, under the greeting's first line."""
        first = str(ctx.core.pop("first_message", ""))
        if first.startswith("/"):
            name, _, args = first[1:].partition(" ")
            command = router.commands.get(name) if name not in COMMANDS else None  # chosen just now
            answer = await command(ctx, args) if command is not None else []
        elif first and router.free_text is not None:
            answer = await router.free_text(ctx, first)
        else:
            answer = []
        if not answer or not greeting:
            return greeting
        if answer[0].text == greeting[0].text:  # "hallo" is answered with the greeting itself
            return answer
        return on_top(greeting[0], answer)

    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        if parts == ["pick"]:
            return await picker(ctx)
        if len(parts) == 2 and parts[0] == "set" and parts[1] in ctx.settings.languages:
            first_choice = ctx.resident.language is None
            ctx.resident.language = parts[1]
            ctx.translator = Translator.for_language(parts[1], ctx.settings.zone)
            deep_link = ctx.core.pop("after_language", "")
            if first_choice and not deep_link and ctx.core.get("first_message"):
                return await first_message(ctx, await router.commands["start"](ctx, ""))
            ctx.core.pop("first_message", None)
            if first_choice or deep_link:
                return await router.commands["start"](ctx, deep_link)  # greeting, or the poster's flow
            confirmation = ctx.reply(ctx._("Language: {language}").format(language=BY_CODE[parts[1]].native_name))
            menu = router.main_menu
            assert menu is not None
            return on_top(confirmation, await menu(ctx))
        raise StalePayload(":".join(("lang", *parts)))

    async def command(ctx: Context, args: str) -> Replies:
        return await picker(ctx)

    router.language_picker = picker
    router.namespace("lang", on_payload)
    router.command(COMMANDS[0], command, description=N_("Change the language"))
    for name in COMMANDS[1:]:
        router.command(name, command)
