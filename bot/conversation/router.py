"""Where an incoming message goes: commands, payload namespaces, awaited text, free text.

Handlers register here instead of the core importing them, so a capability is added by one
`register(router)` call and the core stays ignorant of what capabilities exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversation.context import Context
from bot.conversation.messages import Reply
from bot.i18n import Translator
from bot.outbox.dispatcher import Renderer

Replies = list[Reply]
CommandHandler = Callable[[Context, str], Awaitable[Replies]]
PayloadHandler = Callable[[Context, list[str]], Awaitable[Replies]]
TextHandler = Callable[[Context, str], Awaitable[Replies]]
ScreenHandler = Callable[[Context], Awaitable[Replies]]
LocationHandler = Callable[[Context, float, float], Awaitable[Replies]]


@dataclass(frozen=True)
class MenuEntry:
    order: int
    label: str  # an English msgid, translated when shown
    payload: str
    available: bool = True
    staff_only: bool = False  # shown only to the configured staff accounts


@dataclass
class Router:
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    namespaces: dict[str, PayloadHandler] = field(default_factory=dict)
    text_flows: dict[str, TextHandler] = field(default_factory=dict)
    deep_links: dict[str, CommandHandler] = field(default_factory=dict)
    command_descriptions: dict[str, str] = field(default_factory=dict)  # English msgids, for command menus
    menu_entries: list[MenuEntry] = field(default_factory=list)
    free_text: TextHandler | None = None
    main_menu: ScreenHandler | None = None
    language_picker: ScreenHandler | None = None
    help: ScreenHandler | None = None
    location: LocationHandler | None = None
    unsupported: ScreenHandler | None = None
    group_notice: Callable[[Translator], Reply] | None = None
    notifications: dict[str, Renderer] = field(default_factory=dict)  # outbox kinds → their text

    def command(self, name: str, handler: CommandHandler, *, deep_link: bool = False,
                description: str | None = None) -> None:
        """`description` (an English msgid) lists the command in the channels' command menus."""
        self.commands[name] = handler
        if description:
            self.command_descriptions[name] = description
        if deep_link:
            self.deep_links[name] = handler

    def namespace(self, prefix: str, handler: PayloadHandler) -> None:
        if ":" in prefix or prefix in self.namespaces:
            raise ValueError(f"payload namespace {prefix!r} is invalid or taken")
        self.namespaces[prefix] = handler

    def text_flow(self, flow: str, handler: TextHandler) -> None:
        self.text_flows[flow] = handler

    def notification(self, kind: str, renderer: Renderer) -> None:
        self.notifications[kind] = renderer

    def menu_entry(self, entry: MenuEntry) -> None:
        self.menu_entries.append(entry)
        self.menu_entries.sort(key=lambda item: item.order)
