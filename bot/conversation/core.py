"""The conversation core: one message in, replies out, on every channel alike.

Each message is one database transaction: the resident's row is locked (so one resident's
messages are handled in order, also across processes on PostgreSQL), their flow states are
loaded, a handler answers, and the states are saved with the answer. A handler that fails is
rolled back whole, so the resident's state is exactly as before, and they get an apology and
the menu instead of silence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity.counts import count_reached, month_of
from bot.clock import Clock
from bot.config import Settings
from bot.conversation.channel import Delivery
from bot.conversation.context import Context, StalePayload, isolate_direction
from bot.conversation.durable import REPLY_LEASE, Answer, reply_key, stored
from bot.conversation.fair_use import NOTICE, FairUse, Verdict
from bot.conversation.messages import Choice, Incoming, Reply
from bot.conversation.router import Replies, Router
from bot.conversation.services import Services
from bot.conversation.state import FlowStates
from bot.db.dialect import dialect_insert
from bot.db.models import ConversationState, ProcessedEvent, Resident
from bot.i18n import Translator
from bot.language_detection import detect
from bot.languages import match_language_hint
from bot.outbox.dispatcher import settled
from bot.outbox.models import OutboxMessage
from bot.outbox.store import SENT, keep_reply, mark_delivered

log = logging.getLogger(__name__)
FIRST_MESSAGE_LENGTH = 300  # the first message, kept until the language is chosen
NAV_DEPTH = 20
LAST_SEEN_PRECISION = dt.timedelta(hours=1)
MENU_ROUTE = "menu"
BACK = "back"

Dispatch = Callable[[Context], Awaitable[Replies]]


class Conversation:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock,
                 router: Router, services: Services, owner: int | None = None) -> None:
        self.sessions = sessions
        self.owner = owner  # this process's number, on the answers it sends (outbox/owner.py)
        self.settings = settings
        self.clock = clock
        self.router = router
        self.services = services
        self.fair_use = FairUse(settings, clock)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one message, for a caller that shows them at once (the terminal, tests)."""
        return (await self.answer(incoming, durable=False)).replies

    async def answer(self, incoming: Incoming, *, durable: bool = True) -> Answer:
        """The answer to one message. With `durable` and a platform event id, the replies are stored with the
        record that the message was handled (see conversation/durable); the channel sends them and calls
        `confirm`."""
        verdict = await self.fair_use.admit(incoming.channel, incoming.user_id)
        if verdict is not Verdict.ANSWER:  # a flood: before any database work
            return Answer(await self._flood_notice(incoming) if verdict is Verdict.NOTICE else [])
        incoming = without_control_characters(incoming)
        if not incoming.private:
            return Answer(await self._group_notice(incoming))
        durable = durable and incoming.event_id is not None
        try:
            return await self._in_transaction(incoming, self._dispatch, durable)
        except Exception:
            resident = await self.resident_number(incoming.channel, incoming.user_id)
            log.exception("handling failed: channel=%s resident=%s %s", incoming.channel, resident,
                          describe(incoming, self.router))
        try:
            return await self._in_transaction(incoming, self._apologise, durable)
        except Exception:
            log.exception("even the apology failed: channel=%s resident=%s", incoming.channel, resident)
            return Answer([Reply(text="Sorry, something went wrong. Please try again later.")])

    async def confirm(self, answer: Answer, delivery: Delivery, channel: str, user_id: str) -> None:
        """How sending a stored answer ended: sent (the row goes), or left to the outbox dispatcher to retry
        (with the replies already sent left out), or given up as the dispatcher would."""
        if answer.reply_id is None:  # a notice (flood, group) or nothing: no database work for it
            return
        screen = delivery.screen if delivery.screen != answer.screen else None
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, answer.reply_id)
            if row is not None:
                values = settled(delivery, row.attempts, row.payload, self.clock.now())
                await mark_delivered(session, row.id, values, delete=values["status"] == SENT,
                                     resident_id=row.resident_id, screen=screen)
        if delivery.outcome == "blocked":
            await self.mark_unreachable(channel, user_id)

    async def _group_notice(self, incoming: Incoming) -> list[Reply]:
        """Group rooms are not served (what residents write there is not private); nothing is stored. The notice
        speaks the language of the one who wrote: the one they chose with us, else the one they wrote in."""
        code = await self._chosen_language(incoming) or detect(incoming.text or incoming.args)
        translator = self._translator(incoming, code)
        notice = self._required(self.router.group_notice)
        return [isolate_direction(notice(translator))]

    async def _flood_notice(self, incoming: Incoming) -> list[Reply]:
        """Told once per pause, in the language the resident chose (one read) or else their platform's."""
        translator = self._translator(incoming, await self._chosen_language(incoming))
        notice = Reply(text=translator.gettext(NOTICE), right_to_left=translator.right_to_left)
        return [isolate_direction(notice)]

    async def _chosen_language(self, incoming: Incoming) -> str | None:
        try:
            async with self.sessions() as session:
                return await session.scalar(select(Resident.language).where(
                    Resident.channel == incoming.channel, Resident.channel_user_id == incoming.user_id))
        except Exception:  # the notice matters more than its language
            log.warning("could not read the language for a notice", exc_info=True)
            return None

    def _translator(self, incoming: Incoming, preferred: str | None) -> Translator:
        """`preferred` if enabled, else the platform's hint, else the default language."""
        code = (preferred if preferred in self.settings.languages else None) or match_language_hint(
            incoming.language_hint, self.settings.languages) or self.settings.default_language
        return Translator.for_language(code, self.settings.zone)

    async def resident_number(self, channel: str, user_id: str) -> int | None:
        """The internal number of a resident, for an error line staff can follow up: the channel's user id
        identifies a person and stays out of logs."""
        try:
            async with self.sessions() as session:
                return await session.scalar(select(Resident.id).where(Resident.channel == channel,
                                                                      Resident.channel_user_id == user_id))
        except Exception:  # the database may be what failed: the line is logged without the number
            return None

    async def mark_unreachable(self, channel: str, user_id: str) -> None:
        """The channel refused delivery (e.g. the resident blocked the bot): stop writing to them."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Resident)
                .where(Resident.channel == channel, Resident.channel_user_id == user_id,
                       Resident.unreachable_since.is_(None))
                .values(unreachable_since=self.clock.now())
            )

    async def set_language(self, channel: str, user_id: str, code: str) -> None:
        """Set a resident's language outside a conversation (e.g. `chat --lang ar`)."""
        if code not in self.settings.languages:
            raise ValueError(f"language {code!r} is not enabled")
        async with self.sessions() as session, session.begin():
            resident, _, new = await self._lock_resident(session, Incoming(channel, user_id))
            resident.language = code
            if new:  # the terminal chat starts this way: its first message then finds the month counted
                await count_reached(session, self.settings.quarter, month_of(resident.created_at, self.settings.zone),
                                    channel, code)

    async def _in_transaction(self, incoming: Incoming, dispatch: Dispatch, durable: bool = False) -> Answer:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if incoming.event_id is not None and not await self._first_time(session, incoming):
                return Answer([])  # answered before (a replay after a restart): its stored answer is sent
            resident, state_rows, new = await self._lock_resident(session, incoming)
            if resident.unreachable_since is not None:
                resident.unreachable_since = None  # they write again, so they can be reached again
            if incoming.address is not None and resident.address != incoming.address:
                resident.address = incoming.address  # a write only when they move to another chat
            if resident.language is None:
                resident.language = match_language_hint(incoming.language_hint, self.settings.languages)
            elif resident.language not in self.settings.languages:
                resident.language = self.settings.default_language  # their language was disabled since
            month = month_of(now, self.settings.zone)
            if new or month_of(resident.last_seen_at, self.settings.zone) != month:
                # The first message of a month: one more resident reached (counted, never who).
                await count_reached(session, self.settings.quarter, month, incoming.channel, resident.language)
                resident.last_seen_at = now
            elif now - resident.last_seen_at >= LAST_SEEN_PRECISION:
                resident.last_seen_at = now  # hourly is precise enough and spares a write per message
            states = FlowStates(session, resident.id, now, state_rows)
            ctx = Context(
                session=session, resident=resident, settings=self.settings, clock=self.clock,
                incoming=incoming, states=states, services=self.services,
                translator=Translator.for_language(resident.language or self.settings.default_language,
                                                   self.settings.zone),
            )
            try:
                replies = await dispatch(ctx)
            except StalePayload as stale:
                log.info("outdated payload (%s) from resident %s", namespace(str(stale), self.router), resident.id)
                states.reset()
                ctx.translator = Translator.for_language(
                    resident.language or self.settings.default_language, self.settings.zone)
                replies = [ctx.reply(ctx._("This menu is outdated. Here is the current one.")),
                           *await self._menu(ctx)]
            replies = self._finish(ctx, replies)
            await states.save()
            if states.discarded:  # the resident erased themselves: nothing may hang off them any more
                return Answer(replies)
            if not (durable and replies):
                return Answer(replies, screen=resident.screen_message)
            key = reply_key(incoming.channel, str(incoming.event_id))
            reply_id = await keep_reply(session, resident_id=resident.id, channel=incoming.channel, key=key,
                                        payload=stored(replies), now=now, lease=REPLY_LEASE, owner=self.owner)
            return Answer(replies, reply_id, resident.screen_message, key)

    async def _first_time(self, session: AsyncSession, incoming: Incoming) -> bool:
        """Record the event id with the answer; False when it was recorded by an earlier answer."""
        result = await session.execute(
            dialect_insert(session, ProcessedEvent)
            .values(channel=incoming.channel, event_id=incoming.event_id, processed_at=self.clock.now())
            .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _lock_resident(self, session: AsyncSession, incoming: Incoming
                             ) -> tuple[Resident, list[ConversationState], bool]:
        """The resident's row, locked until commit, with all their flow states in one round trip; and whether
        the row is new (their first message ever)."""
        query = (
            select(Resident, ConversationState)
            .outerjoin(ConversationState, ConversationState.resident_id == Resident.id)
            .where(Resident.channel == incoming.channel, Resident.channel_user_id == incoming.user_id)
            .with_for_update(of=Resident)
        )
        rows = (await session.execute(query)).all()
        new = False
        if not rows:
            now = self.clock.now()
            created = await session.execute(
                dialect_insert(session, Resident)
                .values(channel=incoming.channel, channel_user_id=incoming.user_id, created_at=now,
                        last_seen_at=now)
                .on_conflict_do_nothing(index_elements=["channel", "channel_user_id"])
            )
            new = bool(created.rowcount)  # type: ignore[attr-defined]
            rows = (await session.execute(query.execution_options(populate_existing=True))).all()
        return rows[0][0], [state for _, state in rows if state is not None], new

    async def _dispatch(self, ctx: Context) -> Replies:
        incoming, core = ctx.incoming, ctx.core
        payload = incoming.payload
        if payload is None and incoming.command is None:
            numbers = not (core.get("awaiting") and core.get("numbers_are_answers"))
            payload = resolve_choice(core.get("choices", []), incoming.text, numbers=numbers)
        if ctx.resident.language is None and not (payload or "").startswith("lang:"):
            if incoming.command == "start" and incoming.args:
                core["after_language"] = incoming.args[:64]
            elif incoming.command is not None and incoming.command != "start":
                core["first_message"] = f"/{incoming.command} {incoming.args}".strip()[:FIRST_MESSAGE_LENGTH]
            elif payload is None and any(character.isalnum() for character in incoming.text):
                # Answered once the language is chosen, so nobody has to write it again; the language
                # picker is the next screen, and this step's state is deleted with every other.
                core["first_message"] = incoming.text.strip()[:FIRST_MESSAGE_LENGTH]
            return await self._required(self.router.language_picker)(ctx)
        if payload is None and incoming.command is None and core.get("choices") and self._searches(core):
            number = typed_number(incoming.text)
            if number is not None:  # a number, but not of a shown choice: not a word to search for
                return [self._no_such_option(ctx, number)]
        if payload is not None:
            core.pop("awaiting", None)
            return await self._payload(ctx, payload)
        if incoming.location is not None and self.router.location is not None:
            core.pop("awaiting", None)
            return await self.router.location(ctx, *incoming.location)
        if incoming.unsupported is not None or incoming.location is not None:
            return await self._required(self.router.unsupported)(ctx)
        if incoming.command is not None:
            core.pop("awaiting", None)
            command = self.router.commands.get(incoming.command)
            if command is None:
                return await self._required(self.router.help)(ctx)
            return await command(ctx, incoming.args)
        awaiting = core.pop("awaiting", None)
        if awaiting in self.router.text_flows:
            return await self.router.text_flows[awaiting](ctx, incoming.text)
        if not any(character.isalnum() for character in incoming.text) or self.router.free_text is None:
            return await self._required(self.router.help)(ctx)
        return await self.router.free_text(ctx, incoming.text)

    async def _payload(self, ctx: Context, payload: str) -> Replies:
        if payload == MENU_ROUTE:
            return await self._menu(ctx)
        if payload == BACK:
            nav: list[str] = ctx.core.get("nav", [])
            if len(nav) >= 2:
                nav.pop()
                return await self._payload(ctx, nav.pop())
            return await self._menu(ctx)
        prefix, *parts = payload.split(":")
        handler = self.router.namespaces.get(prefix)
        if handler is None:
            raise StalePayload(payload)
        return await handler(ctx, parts)

    def _searches(self, core: dict[str, Any]) -> bool:
        """Typed text goes to the search (a flow awaiting text checks it against its own question)."""
        awaiting = core.get("awaiting")
        return awaiting is None or self.router.text_flows.get(awaiting) is self.router.free_text

    @staticmethod
    def _no_such_option(ctx: Context, number: int) -> Reply:
        """The choices shown last, again, under a word on the number that is not among them."""
        shown = tuple(Choice(label, payload) for label, payload in ctx.core.get("choices", []))
        return ctx.reply(ctx._("There is no option {number} here.").format(number=number), shown,
                         route=ctx.core.get("route"))

    async def _menu(self, ctx: Context) -> Replies:
        return await self._required(self.router.main_menu)(ctx)

    async def _apologise(self, ctx: Context) -> Replies:
        ctx.core.pop("awaiting", None)
        sorry = ctx.reply(ctx._("Sorry, something went wrong on our side. Your answers so far are saved. "
                                "Please try again, or choose from the menu."))
        return [sorry, *await self._menu(ctx)]

    def _finish(self, ctx: Context, replies: Replies) -> list[Reply]:
        """Keep the route for "back", add Back and Menu choices, remember the choices shown."""
        if not replies:
            replies = [ctx.reply(ctx._("Choose from the menu."))]
        core = ctx.core
        nav: list[str] = core.setdefault("nav", [])
        route = next((reply.route for reply in reversed(replies) if reply.route), None)
        if route == MENU_ROUTE:
            nav.clear()
        elif route and (not nav or nav[-1] != route):
            nav.append(route)
            del nav[:-NAV_DEPTH]
        last = replies[-1]
        extra: list[Choice] = []
        # Before a language is chosen, every way leads back to the picker: Back and Menu would only show it again.
        if route != MENU_ROUTE and ctx.resident.language is not None:
            if len(nav) >= 2 and route:
                extra.append(Choice(ctx._("◀ Back"), BACK))
            extra.append(Choice(ctx._("🏠 Menu"), MENU_ROUTE))
        present = {choice.payload for choice in last.choices}
        choices = (*last.choices, *(choice for choice in extra if choice.payload not in present))
        replies = [*replies[:-1], dataclasses.replace(last, choices=choices)]
        core["choices"] = [[choice.label, choice.payload] for choice in choices]
        if route:
            core["route"] = route  # the screen these choices belong to, to show them again as they were
        else:
            core.pop("route", None)
        return [isolate_direction(reply) for reply in replies]

    @staticmethod
    def _required(handler: Any) -> Any:
        if handler is None:
            raise RuntimeError("the router lacks a required screen (menu, language picker or help)")
        return handler


def typed_number(text: str) -> int | None:
    """A number typed to pick a choice: "2", "2." and "2)" as in a numbered list, and Arabic-Indic "٢" as
    Arabic keyboards type it (int() reads every decimal digit Unicode knows)."""
    typed = text.strip()
    if typed[-1:] in (".", ")"):
        typed = typed[:-1].rstrip()
    # No menu has a thousand choices; int() of 10,000 digits would even fail.
    if not typed or len(typed) > 3 or not typed.isdecimal():
        return None
    return int(typed)


def resolve_choice(choices: list[list[str]], text: str, *, numbers: bool = True) -> str | None:
    """A typed number or label of the choices shown last, as on console and Matrix."""
    typed = text.strip()
    index = typed_number(typed)
    if index is not None:
        if not numbers:
            return None
        return choices[index - 1][1] if 1 <= index <= len(choices) else None
    if typed.isdecimal():  # a long number is no label either
        return None
    wanted = _label_key(typed)
    if not wanted:
        return None
    for label, payload in choices:
        if _label_key(label) == wanted:
            return payload
    return None


def _label_key(label: str) -> str:
    kept = (ch for ch in unicodedata.normalize("NFKC", label) if ch.isalnum() or ch.isspace())
    return " ".join("".join(kept).casefold().split())


_CONTROL = dict.fromkeys(code for code in range(32) if chr(code) not in "\n\t")
_CONTROL[0x7F] = None


def without_control_characters(incoming: Incoming) -> Incoming:
    """NUL and other control characters carry no meaning for us, and PostgreSQL refuses NUL."""
    text, args = incoming.text.translate(_CONTROL), incoming.args.translate(_CONTROL)
    payload = incoming.payload.translate(_CONTROL) if incoming.payload is not None else None
    if (text, args, payload) == (incoming.text, incoming.args, incoming.payload):
        return incoming
    return dataclasses.replace(incoming, text=text, args=args, payload=payload)


def namespace(payload: str, router: Router) -> str:
    """A payload's part before the first ':', for logs: the rest may say what a resident chose. A namespace
    no handler has was crafted by someone, so it is not repeated either."""
    name = payload.split(":", 1)[0]
    return name if name in router.namespaces or name in (MENU_ROUTE, BACK) else "unknown"


def describe(incoming: Incoming, router: Router) -> str:
    """What arrived, for logs, without the resident's words or choices (they may be personal)."""
    if incoming.payload is not None:
        return f"payload={namespace(incoming.payload, router)}"
    if incoming.command is not None:
        command = incoming.command if incoming.command in router.commands else "unknown"
        return f"command={command} args_length={len(incoming.args)}"
    if incoming.location is not None:
        return "location"
    if incoming.unsupported is not None:
        return f"unsupported={incoming.unsupported!r}"
    return f"text_length={len(incoming.text)}"

