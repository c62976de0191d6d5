"""Long choice lists are shown a page at a time, with Previous/Next as ordinary choices."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.conversation.context import Context
from bot.conversation.messages import Choice


@dataclass(frozen=True)
class Page:
    choices: list[Choice]
    number: int
    count: int

    def caption(self, ctx: Context) -> str:
        if self.count <= 1:
            return ""
        return ctx._("Page {page} of {pages}").format(page=self.number, pages=self.count)


Item = TypeVar("Item")


def paginate(ctx: Context, items: Sequence[Item], page: int, size: int, payload_for: Callable[[int], str],
             choice_for: Callable[[Item], Choice]) -> Page:
    """Only the visible page's items become choices, so a list of thousands costs one page."""
    count = max(1, math.ceil(len(items) / size))
    number = min(max(page, 1), count)
    visible = [choice_for(item) for item in items[(number - 1) * size : number * size]]
    if number > 1:
        visible.append(Choice(ctx._("◀ Previous page"), payload_for(number - 1)))
    if number < count:
        visible.append(Choice(ctx._("Next page ▶"), payload_for(number + 1)))
    return Page(visible, number, count)
