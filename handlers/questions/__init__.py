"""Ask the team: residents' questions in their language, answered by staff in the chat (issue 15)."""

from __future__ import annotations

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import row_id
from bot.conversation.router import MenuEntry, Replies, Router
from bot.i18n import N_
from handlers.questions.labels import ASK_LABEL, ASK_PAYLOAD


def register(router: Router) -> None:
    # Imported here: other screens (the offer search, the help) import this package's labels, and the answer
    # notices show event cards, so importing the flows at the top would be circular.
    from handlers.questions import flow, notices, staff

    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        number = row_id(parts[1]) if len(parts) == 2 else None
        match parts:
            case ["home"]:
                return [flow.before_writing(ctx)]
            case ["write"]:
                return [flow.prompt(ctx)]
            case ["my"]:
                return [await flow.my_questions(ctx)]
        if number is None:
            raise StalePayload(":".join((flow.FLOW, *parts)))
        match parts[0]:
            case "q":
                return [await flow.one_question(ctx, number)]
            case "add":
                return [await flow.start_adding(ctx, number)]
            case "wd":
                return [flow.confirm_withdrawal(ctx, number)]
            case "wdok":
                return await flow.withdrawn(ctx, number)
            case "ok":
                return await flow.that_helped(ctx, number)
            case "more":
                return await flow.still_need_help(ctx, number)
        raise StalePayload(":".join((flow.FLOW, *parts)))

    async def command(ctx: Context, args: str) -> Replies:
        return [flow.before_writing(ctx)]

    router.namespace(flow.FLOW, on_payload)
    router.command("ask", command, deep_link=True, description=N_("Ask the team"))
    router.text_flow(flow.WRITE, flow.new_question)
    router.text_flow(flow.ADD, flow.added)
    router.menu_entry(MenuEntry(50, ASK_LABEL, ASK_PAYLOAD))
    notices.register(router)
    staff.register(router)
