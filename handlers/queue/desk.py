"""The Sprechstunde desk for staff, in the same chat: call, serve, walk-ins, open and close.

Only accounts listed in QB_STAFF_*_IDS get here; to anyone else `desk:` payloads and /desk do
not exist (they get the help), so a resident cannot call numbers by typing or replaying buttons.
Payloads:
  desk:home                      the panel of the current session at my desk
  desk:call:<session>[:<seen>]   call the next number to my desk (<seen>: the ticket shown at it, 0 for none)
  desk:served|noshow:<t>         the one called came / did not come
  desk:again:<t>[:<stamp>]       call once more (<stamp>: the call shown, `desk.call_stamp`)
  desk:list:<session>            the queue: numbers, topics, interpreters (no names)
  desk:walkin:<s> → desk:wt:<s>:<topic> → desk:wi:<s>:<topic>:<lang>   a number for someone without a phone
  desk:open[:<consultation>]     open now;  desk:close:<s> → desk:closeok:<s>   close, telling those waiting
  desk:desks / desk:desk:<n>     which desk I am;  desk:pick:<s>   which session, when several run
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import MenuEntry, Replies, Router
from bot.i18n import N_
from bot.queue import desk as actions
from bot.queue.models import CALLED, SERVED, WAITING, Consultation, QueueSession
from bot.queue.panel import chosen, desk_count, desk_view, running_now
from bot.queue.schedule import consultation_in_quarter, open_now, quarter_consultations, session_in_quarter
from bot.queue.tickets import QueueClosed, take_ticket
from bot.staff import is_staff
from handlers.queue.text import interpreter_text, language_name, next_dates, session_line, ticket_label, title, topic

log = logging.getLogger(__name__)
FLOW = "desk"
NO_INTERPRETER = "-"
QUICKER = N_("Someone was quicker at this desk, so nothing was changed. This is how it looks now.")


def register(router: Router) -> None:
    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        if not staff(ctx):
            return await refuse(ctx)
        return await staff_payload(ctx, parts)

    async def command(ctx: Context, args: str) -> Replies:
        if not staff(ctx):
            return await refuse(ctx)
        return await panel(ctx)

    async def refuse(ctx: Context) -> Replies:
        log.warning("a non-staff account asked for the desk: channel=%s resident=%s", ctx.incoming.channel,
                    ctx.resident.id)
        assert router.help is not None
        return await router.help(ctx)

    router.namespace(FLOW, on_payload)
    router.command("desk", command)  # no description: it stays out of the residents' command menus
    router.menu_entry(MenuEntry(45, N_("🧑‍💼 Sprechstunde desk (staff)"), "desk:home", staff_only=True))


def staff(ctx: Context) -> bool:
    return is_staff(ctx.settings, ctx.incoming.channel, ctx.incoming.user_id)


async def staff_payload(ctx: Context, parts: list[str]) -> Replies:
    stale = ":".join((FLOW, *parts))
    first = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None  # a session, ticket or desk
    now = ctx.clock.now()
    match parts:
        case ["home"]:
            return await panel(ctx)
        case ["open"]:
            return await choose_opening(ctx)
        case ["desks"]:
            return await choose_desk(ctx)
        case ["served" | "noshow" | "again" as action, _, *seen] if first is not None and _numbers(seen):
            ticket = await actions.ticket_by_id(ctx.session, first)
            if ticket is None or await _session(ctx, ticket.session_id) is None:
                raise StalePayload(stale)
            if action == "again":
                done = await actions.call_again(ctx.session, first, now, seen=int(seen[0]) if seen else None)
            else:
                done = await {"served": actions.mark_served, "noshow": actions.mark_no_show}[action](
                    ctx.session, first, now)
            if done is not None:
                return await panel(ctx)
            if ticket.status == CALLED:  # called once more by a second tap already
                return await panel(ctx, ctx._(QUICKER))
            return await panel(ctx, ctx._("This number is no longer called."))
        case ["open", _] if first is not None:
            return await open_consultation(ctx, first, stale)
        case ["desk", _] if first is not None and 1 <= first <= 20:
            ctx.states.get(FLOW)["desk"] = first
            return await panel(ctx)
    found = await _session(ctx, first) if first is not None else None
    if found is None:
        raise StalePayload(stale)  # every other action names a session of this quarter
    match parts:
        case ["call", _, *seen] if _numbers(seen):
            return await call(ctx, found[1].id, frozenset(int(part) for part in seen if part != "0") if seen else None)
        case ["list", _]:
            return [await queue_list(ctx, *found)]
        case ["walkin", _]:
            return walk_in_topic(ctx, *found)
        case ["wt", _, key] if key in found[0].topics:
            return walk_in_interpreter(ctx, found[1], key)
        case ["wi", _, key, code] if key in found[0].topics and code in (NO_INTERPRETER, *found[1].languages):
            return await walk_in(ctx, *found, key, code)
        case ["close", _]:
            return await confirm_close(ctx, found[1].id)
        case ["closeok", _]:
            waited = await actions.close_session(ctx.session, first, now)
            note = ctx.ngettext("The Sprechstunde is closed. {count} person still waiting was told, with the "
                                "next dates.", "The Sprechstunde is closed. {count} people still waiting were "
                                "told, with the next dates.", waited).format(count=waited)
            return await panel(ctx, note)
        case ["pick", _]:
            ctx.states.get(FLOW)["session"] = first
            return await panel(ctx)
    raise StalePayload(stale)


def _numbers(parts: list[str]) -> bool:
    """At most one optional extra part, and a number: what a desk button saw."""
    return len(parts) <= 1 and all(part.isdigit() for part in parts)


def my_desk(ctx: Context) -> int:
    return int(ctx.states.get(FLOW).get("desk", 1))


async def current(ctx: Context) -> list[tuple[Consultation, QueueSession]]:
    return await running_now(ctx.session, ctx.settings.quarter, ctx.clock.now(), ctx.settings.zone)


async def panel(ctx: Context, note: str | None = None) -> Replies:
    tr, now = ctx.translator, ctx.clock.now()
    running = await current(ctx)
    desk = my_desk(ctx)
    replies = [ctx.reply(note)] if note else []
    if not running:
        consultations = await _consultations(ctx)
        text = "\n\n".join([ctx._("No Sprechstunde is open now."),
                            *(next_dates(tr, consultation, now, ctx.settings.zone) for consultation in consultations)])
        choices = [Choice(ctx._("🔓 Open now"), "desk:open")] if consultations else []
        return [*replies, ctx.reply(text, choices, title="🧑‍💼 " + ctx._("Desk {desk}").format(desk=desk),
                                    route="desk:home")]
    found = chosen(running, ctx.states.get(FLOW).get("session"))
    assert found is not None
    consultation, row = found
    view = await desk_view(ctx.session, consultation, row, desk)
    waiting, here = view.waiting, view.here
    lines = [session_line(tr, consultation, row),
             ctx._("Waiting: {waiting} · numbers given: {given}").format(waiting=len(waiting), given=row.last_number)]
    choices = []
    if view.called is not None:
        ticket = view.called
        lines.append(ctx._("Called to your desk: {number} ({topic}, {interpreter}), at {time}").format(
            number=ticket_label(consultation, ticket), topic=topic(tr, ticket.topic),
            interpreter=interpreter_text(tr, ticket), time=tr.time(tr.local(ticket.last_called_at or now))))
        if ticket.walk_in:
            lines.append(ctx._("Walk-in without a phone: please call the number out loud."))
        choices += [Choice(ctx._("✅ Came: served"), f"desk:served:{ticket.id}"),
                    Choice(ctx._("🚫 Did not come"), f"desk:noshow:{ticket.id}"),
                    Choice(ctx._("📣 Call again"), f"desk:again:{ticket.id}:{actions.call_stamp(ticket)}")]
    else:
        if here is not None:
            lines.append(ctx._("At your desk: {number} ({topic}, {interpreter})").format(
                number=ticket_label(consultation, here), topic=topic(tr, here.topic),
                interpreter=interpreter_text(tr, here)))
        if waiting:
            lines.append(ctx._("Next: {numbers}").format(
                numbers=", ".join(ticket_label(consultation, ticket) for ticket in waiting[:3])))
        choices.append(Choice(ctx._("📣 Call next"), f"desk:call:{row.id}:{here.id if here is not None else 0}"))
    choices += [Choice(ctx._("📋 Queue"), f"desk:list:{row.id}"),
                Choice(ctx._("➕ Number for a walk-in"), f"desk:walkin:{row.id}"),
                Choice(ctx._("🔢 Change desk"), "desk:desks"),
                Choice(ctx._("🔒 Close the Sprechstunde"), f"desk:close:{row.id}")]
    choices += [Choice(f"↔ {session_line(tr, other, other_row)}", f"desk:pick:{other_row.id}")
                for other, other_row in running if other_row.id != row.id]
    heading = "🧑‍💼 " + ctx._("Desk {desk}").format(desk=desk)
    return [*replies, ctx.reply("\n".join(lines), choices, title=heading, route="desk:home")]


async def _consultations(ctx: Context) -> list[Consultation]:
    return await quarter_consultations(ctx.session, ctx.settings.quarter)


async def _session(ctx: Context, session_id: int) -> tuple[Consultation, QueueSession] | None:
    return await session_in_quarter(ctx.session, session_id, ctx.settings.quarter)


async def call(ctx: Context, session_id: int, seen: frozenset[int] | None) -> Replies:
    try:
        outcome = await actions.call_next(ctx.session, session_id, my_desk(ctx), ctx.clock.now(), seen=seen)
    except QueueClosed:
        return await panel(ctx, ctx._("This Sprechstunde is closed."))
    if outcome.changed:
        return await panel(ctx, ctx._(QUICKER))
    if outcome.unmarked is not None:
        return await panel(ctx, ctx._("Please first mark the number called to your desk: did they come?"))
    if outcome.called is None:
        return await panel(ctx, ctx._("Nobody is waiting."))
    return await panel(ctx)


async def queue_list(ctx: Context, consultation: Consultation, row: QueueSession) -> Reply:
    tr, now = ctx.translator, ctx.clock.now()
    lines = []
    for ticket in await actions.queue_of(ctx.session, row.id):
        state = {WAITING: ctx._("waiting {minutes} min").format(minutes=_minutes(now - ticket.created_at)),
                 CALLED: ctx._("called to desk {desk}").format(desk=ticket.desk),
                 SERVED: ctx._("at desk {desk}").format(desk=ticket.desk)}[ticket.status]
        walk_in = " · " + ctx._("walk-in") if ticket.walk_in else ""
        lines.append(f"{ticket_label(consultation, ticket)} · {topic(tr, ticket.topic)} · "
                     f"{interpreter_text(tr, ticket)} · {state}{walk_in}")
    text = "\n".join(lines) or ctx._("Nobody is waiting.")
    return ctx.reply(text, [Choice(ctx._("🔄 Refresh"), f"desk:list:{row.id}")],
                     title="📋 " + session_line(tr, consultation, row), route=f"desk:list:{row.id}")


def _minutes(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def walk_in_topic(ctx: Context, consultation: Consultation, row: QueueSession) -> Replies:
    session_id = row.id
    choices = [Choice(topic(ctx.translator, key), f"desk:wt:{session_id}:{key}") for key in consultation.topics]
    return [ctx.reply(ctx._("A number for someone without a phone. What is their question about?"), choices,
                      route=f"desk:walkin:{session_id}")]


def walk_in_interpreter(ctx: Context, row: QueueSession, key: str) -> Replies:
    session_id = row.id
    choices = [Choice(ctx._("No interpreter needed"), f"desk:wi:{session_id}:{key}:{NO_INTERPRETER}")]
    choices += [Choice(language_name(code), f"desk:wi:{session_id}:{key}:{code}") for code in row.languages
                if code != "de"]
    return [ctx.reply(ctx._("Do they need an interpreter?"), choices, route=f"desk:wt:{session_id}:{key}")]


async def walk_in(ctx: Context, consultation: Consultation, row: QueueSession, key: str, code: str) -> Replies:
    try:
        ticket, _created = await take_ticket(ctx.session, session_id=row.id, resident_id=None, topic=key,
                                             interpreter="" if code == NO_INTERPRETER else code,
                                             now=ctx.clock.now(), walk_in=True)
    except QueueClosed:
        return await panel(ctx, ctx._("This Sprechstunde is closed."))
    number = ticket_label(consultation, ticket)
    note = ctx._("New number: {number}. Please write it on a slip of paper for the person, or tell them.").format(
        number=number)
    return await panel(ctx, f"🎫 {note}")


async def choose_opening(ctx: Context) -> Replies:
    consultations = await _consultations(ctx)
    if len(consultations) == 1:
        return await open_consultation(ctx, consultations[0].id, "desk:open")
    choices = [Choice(title(ctx.translator, consultation), f"desk:open:{consultation.id}")
               for consultation in consultations]
    return [ctx.reply(ctx._("Which Sprechstunde do you open?"), choices, route="desk:open")]


async def open_consultation(ctx: Context, consultation_id: int, stale: str) -> Replies:
    consultation = await consultation_in_quarter(ctx.session, consultation_id, ctx.settings.quarter)
    if consultation is None:
        raise StalePayload(stale)
    row = await open_now(ctx.session, consultation, ctx.clock.now(), ctx.settings.zone)
    ctx.states.get(FLOW)["session"] = row.id
    return await panel(ctx, ctx._("The Sprechstunde is open. Residents can take a number now."))


async def confirm_close(ctx: Context, session_id: int) -> Replies:
    found = await _session(ctx, session_id)
    assert found is not None
    waiting = (await desk_view(ctx.session, *found, my_desk(ctx))).still_waiting
    text = ctx.ngettext("Close the Sprechstunde now? {count} person is still waiting and will be told politely, "
                        "with the next dates.", "Close the Sprechstunde now? {count} people are still waiting and "
                        "will be told politely, with the next dates.", waiting).format(count=waiting)
    return [ctx.reply(text, [Choice(ctx._("Yes, close now"), f"desk:closeok:{session_id}"),
                             Choice(ctx._("No, keep it open"), "desk:home")])]


async def choose_desk(ctx: Context) -> Replies:
    desks = desk_count(await _consultations(ctx))
    choices = [Choice(ctx._("Desk {desk}").format(desk=number), f"desk:desk:{number}")
               for number in range(1, desks + 1)]
    return [ctx.reply(ctx._("Which desk are you at?"), choices, route="desk:desks")]
