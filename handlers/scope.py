"""What the bot does not serve, said kindly: group rooms, pictures, voice notes, edits."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.messages import Reply
from bot.conversation.router import Replies, Router
from bot.i18n import Translator


def register(router: Router) -> None:
    def group_notice(translator: Translator) -> Reply:
        return Reply(
            translator.gettext("Hello! I only answer in a private chat, so that what you write stays private. "
                               "Please write to me directly."),
            right_to_left=translator.right_to_left,
        )

    async def unsupported(ctx: Context) -> Replies:
        text = ctx._("Sorry, I cannot read pictures, voice messages, files or changed messages. "
                     "Please write a word, tap a button, or send your location to find offers nearby.")
        menu = router.main_menu
        assert menu is not None
        return [ctx.reply(text), *await menu(ctx)]

    router.group_notice = group_notice
    router.unsupported = unsupported
