"""The Sprechstunde queue for residents: take a number, see where you stand, give it up.

Payloads carry everything a step needs (session, topic, language), so a restart in the middle
loses nothing and an old button is checked against the database, never trusted:
  queue:home                       my number, or the open hours, or the next dates
  queue:take:<session>             which topic
  queue:t:<session>:<topic>        an interpreter?
  queue:i:<session>:<topic>:<lang> take the number ("-": no interpreter)
  queue:cancel / queue:cx:<ticket> give up my number (asked first)
"""

from __future__ import annotations

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Choice, Reply
from bot.conversation.router import MenuEntry, Replies, Router
from bot.i18n import N_
from bot.queue.models import CALLED, Consultation, QueueSession
from bot.queue.notify import SOON_BEFORE
from bot.queue.schedule import quarter_consultations, running_sessions, session_in_quarter, takes_numbers
from bot.queue.tickets import (
    QueueClosed,
    Standing,
    active_ticket,
    cancel_ticket,
    standing,
    take_ticket,
    waiting_before,
)
from handlers.queue.text import (
    hours,
    interpreter_text,
    language_name,
    next_dates,
    session_line,
    ticket_label,
    title,
    topic,
)

FLOW = "queue"
NO_INTERPRETER = "-"


def register(router: Router) -> None:
    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        stale = ":".join((FLOW, *parts))
        match parts:
            case ["home"]:
                return await home(ctx)
            case ["take", session_id] if session_id.isdigit():
                return await choose_topic(ctx, int(session_id))
            case ["t", session_id, key] if session_id.isdigit():
                return await choose_interpreter(ctx, int(session_id), key, stale)
            case ["i", session_id, key, code] if session_id.isdigit():
                return await issue(ctx, int(session_id), key, code, stale)
            case ["cancel"]:
                return await confirm_cancel(ctx)
            case ["cx", ticket_id] if ticket_id.isdigit():
                return await cancel(ctx, int(ticket_id))
        raise StalePayload(stale)

    async def command(ctx: Context, args: str) -> Replies:
        return await home(ctx)

    router.namespace(FLOW, on_payload)
    router.command("queue", command, deep_link=True, description=N_("Consultation hours (Sprechstunde): take a number"))
    router.command("nummer", command)
    router.menu_entry(MenuEntry(40, N_("🎫 Consultation hours (Sprechstunde): take a number"), "queue:home"))


async def home(ctx: Context) -> Replies:
    now = ctx.clock.now()
    mine = await active_ticket(ctx.session, ctx.resident.id)
    if mine is not None:
        return [await ticket_screen(ctx, await standing(ctx.session, *mine, now))]
    running = await running_sessions(ctx.session, ctx.settings.quarter, now, ctx.settings.zone)
    open_now = [(consultation, row) for consultation, row in running if takes_numbers(consultation, row, now)]
    if not open_now:
        return [await closed_screen(ctx, ended=bool(running))]
    blocks, choices = [ctx._("Take a number here instead of waiting in the room. "
                             "We will write to you when it is your turn.")], []
    for consultation, row in open_now:
        waiting = await waiting_before(ctx.session, row.id)
        blocks.append("\n".join([
            title(ctx.translator, consultation),
            ctx._("Today {hours}").format(hours=hours(ctx.translator, row.starts_at, row.ends_at)),
            f"📍 {consultation.place}",
            ctx._("Languages today: {languages}").format(
                languages=", ".join(language_name(code) for code in row.languages)),
            ctx.ngettext("{count} person is waiting.", "{count} people are waiting.", waiting).format(count=waiting),
        ]))
        label = ctx._("🎫 Take a number")
        if len(open_now) > 1:
            label += f": {title(ctx.translator, consultation)}"
        choices.append(Choice(label, f"queue:take:{row.id}"))
    return [ctx.reply("\n\n".join(blocks), choices, title="🎫 " + ctx._("Consultation hours (Sprechstunde)"),
                      route="queue:home")]


async def closed_screen(ctx: Context, *, ended: bool) -> Reply:
    now = ctx.clock.now()
    consultations = await quarter_consultations(ctx.session, ctx.settings.quarter)
    head = (ctx._("Numbers for today are no longer given out.") if ended
            else ctx._("The Sprechstunde is not open right now."))
    zone = ctx.settings.zone
    parts = [head, *(next_dates(ctx.translator, consultation, now, zone) for consultation in consultations)]
    if not consultations:
        parts.append(ctx._("Please ask at the Quartiersladen."))
    else:
        parts.append(ctx._("You can take a number here shortly before it starts."))
    return ctx.reply("\n\n".join(parts), title="🎫 " + ctx._("Consultation hours (Sprechstunde)"), route="queue:home")


async def open_session(ctx: Context, session_id: int) -> tuple[Consultation, QueueSession] | None:
    found = await session_in_quarter(ctx.session, session_id, ctx.settings.quarter)
    return found if found is not None and takes_numbers(*found, ctx.clock.now()) else None


async def choose_topic(ctx: Context, session_id: int) -> Replies:
    found = await open_session(ctx, session_id)
    if found is None:
        return [await closed_screen(ctx, ended=False)]
    consultation, _ = found
    choices = [Choice(topic(ctx.translator, key), f"queue:t:{session_id}:{key}") for key in consultation.topics]
    return [ctx.reply(ctx._("What is your question about?"), choices, route=f"queue:take:{session_id}")]


async def choose_interpreter(ctx: Context, session_id: int, key: str, stale: str) -> Replies:
    found = await open_session(ctx, session_id)
    if found is None:
        return [await closed_screen(ctx, ended=False)]
    consultation, row = found
    if key not in consultation.topics:
        raise StalePayload(stale)
    offered = [code for code in row.languages if code != "de"]
    own = _own_language(ctx)
    if own in offered:
        offered.remove(own)
        offered.insert(0, own)
    choices = [Choice(ctx._("No interpreter needed"), f"queue:i:{session_id}:{key}:{NO_INTERPRETER}")]
    choices += [Choice(ctx._("Yes: {language}").format(language=language_name(code)),
                       f"queue:i:{session_id}:{key}:{code}") for code in offered]
    text = ctx._("Do you need an interpreter? Today staff or interpreters speak: {languages}.").format(
        languages=", ".join(language_name(code) for code in row.languages))
    if own and own not in row.languages:
        choices.append(Choice(ctx._("Yes: {language} (we will try)").format(language=language_name(own)),
                              f"queue:i:{session_id}:{key}:{own}"))
        # One message: the button offers to try, so the text must not say the language is simply not on offer.
        text += "\n" + ctx._("Nobody here speaks {language} today, but we will try to find help if you ask. "
                             "You are also welcome to bring someone you trust.").format(language=language_name(own))
    return [ctx.reply(text, choices, route=f"queue:t:{session_id}:{key}")]


def _own_language(ctx: Context) -> str | None:
    """The resident's language as an interpreter language (Leichte Sprache and German need none)."""
    code = ctx.resident.language or ""
    return None if code.startswith("de") or not code else code


async def issue(ctx: Context, session_id: int, key: str, code: str, stale: str) -> Replies:
    found = await open_session(ctx, session_id)
    if found is None:
        return [await closed_screen(ctx, ended=False)]
    consultation, row = found
    if key not in consultation.topics or (code != NO_INTERPRETER and code not in (*row.languages, _own_language(ctx))):
        raise StalePayload(stale)
    now = ctx.clock.now()
    try:
        ticket, created = await take_ticket(ctx.session, session_id=session_id, resident_id=ctx.resident.id,
                                            topic=key, interpreter="" if code == NO_INTERPRETER else code, now=now)
    except QueueClosed:
        return [await closed_screen(ctx, ended=True)]
    mine = (ticket, row, consultation) if created else await active_ticket(ctx.session, ctx.resident.id)
    assert mine is not None
    screen = await ticket_screen(ctx, await standing(ctx.session, *mine, now))
    if not created:
        return [ctx.reply(ctx._("You already have a number. One number per person, please.")), screen]
    return [screen]


async def ticket_screen(ctx: Context, where: Standing) -> Reply:
    tr, ticket, consultation = ctx.translator, where.ticket, where.consultation
    number = ticket_label(consultation, ticket)
    lines = [f"{session_line(tr, consultation, where.queue_session)}", f"📍 {consultation.place}",
             f"{topic(tr, ticket.topic)} · {interpreter_text(tr, ticket)}", ""]
    if ticket.status == CALLED:
        lines.append(ctx._("It is your turn! Please come to desk {desk} now.").format(desk=ticket.desk))
    else:
        if where.before == 0:
            lines.append(ctx._("You are next."))
        else:
            lines.append(ctx.ngettext("{count} person is before you.", "{count} people are before you.",
                                      where.before).format(count=where.before))
        lines.append(ctx._("Estimated wait: about {minutes} minutes.").format(minutes=where.wait_minutes))
        lines.append(ctx.ngettext(
            "We will write to you when {count} person is before you, and when it is your turn.",
            "We will write to you when {count} people are before you, and when it is your turn.",
            SOON_BEFORE).format(count=SOON_BEFORE))
        lines.append(ctx._("Please stay close to the Quartiersladen."))
    choices = [Choice(ctx._("🔄 Where am I now?"), "queue:home"), Choice(ctx._("❌ Give up my number"), "queue:cancel")]
    return ctx.reply("\n".join(lines), choices, title="🎫 " + ctx._("Your number: {number}").format(number=number),
                     route="queue:home")


async def confirm_cancel(ctx: Context) -> Replies:
    mine = await active_ticket(ctx.session, ctx.resident.id)
    if mine is None:
        return await home(ctx)
    ticket, _, consultation = mine
    text = ctx._("Do you really want to give up number {number}? Your place in the queue is then gone.").format(
        number=ticket_label(consultation, ticket))
    return [ctx.reply(text, [Choice(ctx._("Yes, give it up"), f"queue:cx:{ticket.id}"),
                             Choice(ctx._("No, keep my number"), "queue:home")])]


async def cancel(ctx: Context, ticket_id: int) -> Replies:
    mine = await active_ticket(ctx.session, ctx.resident.id)
    if mine is None or mine[0].id != ticket_id:
        return [ctx.reply(ctx._("This number is no longer active.")), *await home(ctx)]
    ticket, _, consultation = mine
    await cancel_ticket(ctx.session, ticket, ctx.clock.now())
    text = ctx._("Your number {number} is given up. You can take a new number at any time.").format(
        number=ticket_label(consultation, ticket))
    return [ctx.reply(text, [Choice(ctx._("🎫 Sprechstunde"), "queue:home")])]
