"""Greeting, main menu and help: where every resident starts and can always return."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.messages import Choice
from bot.conversation.router import MenuEntry, Replies, Router
from bot.i18n import N_
from bot.staff import is_staff
from handlers.questions.labels import ASK_LABEL, ASK_PAYLOAD

COMING_SOON_PREFIX = "soon"
PRIVACY_LABEL = N_("🔒 Privacy and my data")


def register(router: Router) -> None:
    async def main_menu(ctx: Context) -> Replies:
        choices = []
        staff = is_staff(ctx.settings, ctx.incoming.channel, ctx.incoming.user_id)
        for entry in router.menu_entries:
            if entry.staff_only and not staff:
                continue
            label = ctx._(entry.label)
            if not entry.available:
                label = ctx._("{capability} (coming soon)").format(capability=label)
            choices.append(Choice(label, entry.payload))
        return [ctx.reply(ctx._("What do you need? Tap a button or type its number."), choices, route="menu")]

    async def greeting(ctx: Context) -> Replies:
        hello = ctx.reply(ctx._(
            "Hello! I am Quartiersbot, the digital contact point of the Quartiersmanagement Horst. "
            "I help you find offers in Horst. You can also type what you are looking for, "
            "for example “German course”."
        ))
        return [hello, *await main_menu(ctx)]

    async def start(ctx: Context, args: str) -> Replies:
        link = args.strip().lower()
        if link in router.deep_links:
            return await router.deep_links[link](ctx, "")
        return await greeting(ctx)

    async def show_help(ctx: Context) -> Replies:
        text = ctx._(
            "How to use me:\n"
            "• Tap a button, or type its number.\n"
            "• Type a word to search offers, for example “food” or “counselling”.\n"
            "• /menu shows the main menu, /offers the offers, /survey the needs survey, /events the events, "
            "/queue a number for the Sprechstunde, /language changes the language, "
            "/help shows this help.\n"
            "You can also visit the Quartiersladen in person."
        )
        # A line of its own, so the translated help above stays as it is.
        text += "\n" + ctx._("🔒 /privacy your data and your rights")
        text += "\n" + ctx._("💬 /ask a question to the team, in your language")
        choices = [Choice(ctx._(ASK_LABEL), ASK_PAYLOAD), Choice(ctx._(PRIVACY_LABEL), "privacy:home")]
        return [ctx.reply(text, choices, route="help")]

    async def help_payload(ctx: Context, parts: list[str]) -> Replies:
        return await show_help(ctx)

    async def coming_soon(ctx: Context, parts: list[str]) -> Replies:
        return [ctx.reply(ctx._("This is coming soon. Until then, please ask at the Quartiersladen.")),
                *await main_menu(ctx)]

    async def help_command(ctx: Context, args: str) -> Replies:
        return await show_help(ctx)

    async def menu_command(ctx: Context, args: str) -> Replies:
        return await main_menu(ctx)

    router.main_menu = main_menu
    router.help = show_help
    router.command("start", start, description=N_("Start"))
    router.command("menu", menu_command, description=N_("Main menu"))
    router.command("help", help_command, description=N_("Help"))
    router.namespace("help", help_payload)
    router.namespace(COMING_SOON_PREFIX, coming_soon)
    router.menu_entry(MenuEntry(80, N_("🌐 Language"), "lang:pick"))
    router.menu_entry(MenuEntry(90, N_("❓ Help"), "help"))
