"""Everything a handler may use while answering one message."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.messages import Choice, Incoming, Reply
from bot.conversation.state import FlowStates
from bot.db.models import Resident
from bot.i18n import RLM, Translator

if TYPE_CHECKING:
    from bot.conversation.services import Services

CORE_FLOW = "_core"


class StalePayload(Exception):
    """A button from an outdated menu (old message, before a restart, removed content)."""


@dataclass
class Context:
    session: AsyncSession
    resident: Resident
    translator: Translator
    settings: Settings
    clock: Clock
    incoming: Incoming
    states: FlowStates
    services: Services

    def _(self, message: str) -> str:
        return self.translator.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translator.ngettext(singular, plural, count)

    @property
    def core(self) -> dict[str, Any]:
        return self.states.get(CORE_FLOW)

    def expect_text(self, flow: str, *, numbers_are_answers: bool = False) -> None:
        """The resident's next typed text goes to `flow` (e.g. a search prompt).

        Typed numbers normally pick a shown choice; where a number is the answer itself
        (e.g. "how many children?"), `numbers_are_answers` hands them to the flow instead.
        """
        self.core["awaiting"] = flow
        if numbers_are_answers:
            self.core["numbers_are_answers"] = True
        else:
            self.core.pop("numbers_are_answers", None)

    def reply(self, text: str, choices: list[Choice] | tuple[Choice, ...] = (), *, title: str = "",
              route: str | None = None, edit: bool = False, numbered: bool = True) -> Reply:
        return Reply(text=text, choices=tuple(choices), title=title, route=route, edit=edit,
                     right_to_left=self.translator.right_to_left, numbered=numbered)


def on_top(note: Reply, replies: list[Reply]) -> list[Reply]:
    """What just happened ("Thank you!", "Language: Türkçe") on top of the next screen, in one message: a line
    without buttons followed by a whole screen reads as two answers, and pushes the first out of sight."""
    if not replies:
        return [note]
    first = replies[0]
    text = f"{note.text}\n\n{first.text}" if first.text else note.text
    return [dataclasses.replace(first, text=text, title=first.title or note.title), *replies[1:]]


# Arrows point the way of reading: "◀ Back" goes left in German, right in Arabic. Apps do not mirror these
# characters themselves (they are not Bidi_Mirrored), so right-to-left buttons get the mirrored one.
MIRRORED_ARROWS = str.maketrans("◀▶⏭⏮", "▶◀⏮⏭")


def isolate_direction(reply: Reply) -> Reply:
    """Give every line of a right-to-left reply an RTL base direction, and its buttons mirrored arrows.

    A line that starts with a Latin name or a number ("Deutschkurs", "09:00") would otherwise
    be laid out left-to-right by the resident's app and read in the wrong order.
    """
    if not reply.right_to_left:
        return reply
    def mark(text: str) -> str:
        return "\n".join(RLM + line if line and not line.startswith(RLM) else line for line in text.split("\n"))
    def label(text: str) -> str:  # a label marked already was mirrored already
        return text if text.startswith(RLM) else mark(text.translate(MIRRORED_ARROWS))
    return dataclasses.replace(
        reply, text=mark(reply.text), title=mark(reply.title) if reply.title else "", right_to_left=True,
        choices=tuple(Choice(label(choice.label), choice.payload, choice.selected) for choice in reply.choices),
    )
