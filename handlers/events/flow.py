"""Events for residents: what is on, one event, reminders, registration, my events, topics.

Payloads (stable, short; an occurrence is its event id and local date):
  events:home                     what is on: this week, next week, by group, in my language
  events:cat                      the kinds of event
  events:l:<filter>:<page>        a list (w0, w1, lang, c-<kind>, g-<group>)
  events:e:<id>:<date>            one occurrence
  events:r:<id>:<date>            reminders (the defaults are set on first use)
  events:ro:<id>:<date>:<min>     one reminder offset on or off
  events:rx:<id>:<date>           no reminders
  events:reg / events:unreg:<id>:<date>   register (or join the waiting list) / cancel
  events:ics:<id>:<date>          the occurrence as an .ics calendar file
  events:my                       my registrations and reminders
  events:sub / events:sub:<topic> topics to be told about

Anyone can send any button data, so what a button adds (reminders, a seat, a calendar file) is
checked against the date as it is now: a real date of an event of this quarter, not cancelled,
not started, and no further ahead than the listings show (see `booking`). Taking something
away (a reminder, a registration before the event) stays possible for any real date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Attachment, Choice, Reply, row_id
from bot.conversation.paging import paginate
from bot.conversation.router import MenuEntry, Replies, Router
from bot.events.calendar import ics
from bot.events.changes import TOPICS
from bot.events.models import Event
from bot.events.occurrences import Occurrence
from bot.events.reminders import DEFAULT_OFFSETS, OFFSETS, offsets_of, remove_reminder, set_reminder
from bot.events.seats import REGISTERED, lock_event, register, registration_of, seats, unregister
from bot.events.store import (
    AHEAD,
    Booking,
    Dated,
    booking,
    dates_of_resident,
    event_by_id,
    is_cancelled,
    occurrence_of,
    quarter_events,
    text_of,
    upcoming,
)
from bot.events.topics import follow, followed_topics, unfollow
from bot.i18n import N_, fill
from handlers.events.card import card_text, place, title
from handlers.offers.filters import TARGET_GROUPS

FLOW = "events"
PER_PAGE = 6
LABEL_LENGTH = 60
OFFSET_PAYLOADS = {str(offset): offset for offset in OFFSETS}  # exact text, so "0030" or "³⁰" is no offset
OFFSET_LABELS = {7 * 24 * 60: N_("1 week before"), 24 * 60: N_("1 day before"), 120: N_("2 hours before"),
                 30: N_("30 minutes before")}
CATEGORY_LABELS = {"information": N_("Information events"), "meeting": N_("Meeting and exchange"),
                   "course": N_("Courses"), "round_table": N_("Round tables"),
                   "children_family": N_("For children and families"), "festival": N_("Festivals and celebrations")}
TOPIC_LABELS = {"families": N_("New events for families"), "seniors": N_("New events for seniors"),
                "my_language": N_("New events in my language")}


def register_flows(router: Router) -> None:
    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        stale = ":".join((FLOW, *parts))
        match parts:
            case ["home"]:
                return [home(ctx)]
            case ["l", name, page] if page.isascii() and page.isdigit():
                return [await listing(ctx, name, int(page), stale)]
            case ["e", event_id, date]:
                return [await card(ctx, *await dated(ctx, event_id, date, stale))]
            case ["r", event_id, date]:
                event, occurrence = await dated(ctx, event_id, date, stale)
                return await closed(ctx, event, occurrence, stale) or [
                    await reminders(ctx, event, occurrence, defaults=True)]
            case ["ro", event_id, date, offset] if offset in OFFSET_PAYLOADS:
                event, occurrence = await dated(ctx, event_id, date, stale)
                return await toggle_reminder(ctx, event, occurrence, OFFSET_PAYLOADS[offset], stale)
            case ["rx", event_id, date]:
                event, occurrence = await dated(ctx, event_id, date, stale)
                await remove_reminder(ctx.session, event.id, occurrence.date, ctx.resident.id)
                return [await card(ctx, event, occurrence, note=ctx._("Reminders removed."))]
            case ["reg", event_id, date]:
                return await sign_up(ctx, *await dated(ctx, event_id, date, stale), stale)
            case ["unreg", event_id, date]:
                return await sign_off(ctx, *await dated(ctx, event_id, date, stale))
            case ["ics", event_id, date]:
                event, occurrence = await dated(ctx, event_id, date, stale)
                return await closed(ctx, event, occurrence, stale) or [calendar_file(ctx, event, occurrence)]
            case ["cat"]:
                return [categories(ctx)]
            case ["my"]:
                return [await mine(ctx)]
            case ["sub"]:
                return [await topics(ctx)]
            case ["sub", topic] if topic in TOPICS:
                return [await toggle_topic(ctx, topic)]
        raise StalePayload(stale)

    async def command(ctx: Context, args: str) -> Replies:
        return [home(ctx)]

    router.namespace(FLOW, on_payload)
    router.command("events", command, deep_link=True, description=N_("Events"))
    router.command("termine", command)
    router.menu_entry(MenuEntry(20, N_("📅 Events"), "events:home"))


def home(ctx: Context) -> Reply:
    choices = [Choice(ctx._("This week"), "events:l:w0:1"), Choice(ctx._("Next week"), "events:l:w1:1"),
               Choice(ctx._("By topic"), "events:cat"), Choice(ctx._("In my language"), "events:l:lang:1")]
    choices += [Choice(ctx._(label), f"events:l:g-{group}:1") for group, label in TARGET_GROUPS.items()]
    choices += [Choice(ctx._("⭐ My events"), "events:my"), Choice(ctx._("🔔 Tell me about new events"), "events:sub")]
    return ctx.reply(ctx._("Which events would you like to see?"), choices, route="events:home")


def categories(ctx: Context) -> Reply:
    choices = [Choice(ctx._(label), f"events:l:c-{key}:1") for key, label in CATEGORY_LABELS.items()]
    return ctx.reply(ctx._("Which kind of event?"), choices, route="events:cat")


async def dated(ctx: Context, event_id: str, date: str, stale: str) -> tuple[Event, Occurrence]:
    """The event and its occurrence named by button data; an unknown or foreign event, or a date that is not
    one of its occurrences, is an outdated (or made-up) button."""
    number = row_id(event_id)
    event = await event_by_id(ctx.session, number) if number is not None else None
    occurrence = occurrence_of(event, ctx.settings.zone, date) if event is not None else None
    if event is None or occurrence is None or event.quarter != ctx.settings.quarter:
        raise StalePayload(stale)
    return event, occurrence


async def closed(ctx: Context, event: Event, occurrence: Occurrence, stale: str) -> Replies | None:
    """The answer to signing up for a date that is not open, or None when it is.

    A cancelled or past date can be on a screen a resident kept, so they get the card as it is now; a date
    further ahead than any screen shows can only come from made-up button data.
    """
    state = booking(event, occurrence, ctx.clock.now())
    if state is Booking.TOO_FAR:
        raise StalePayload(stale)
    if state is Booking.STARTED:
        return [await card(ctx, event, occurrence, note=ctx._("That moment has already passed."))]
    if state is Booking.CANCELLED:
        return [await card(ctx, event, occurrence)]  # which opens with "This event is cancelled."
    return None


async def listing(ctx: Context, name: str, page: int, stale: str) -> Reply:
    now = ctx.clock.now()
    local = now.astimezone(ctx.settings.zone)
    monday = dt.datetime.combine(local.date() - dt.timedelta(days=local.weekday()), dt.time(), ctx.settings.zone)
    events = await quarter_events(ctx.session, ctx.settings.quarter)
    if name == "w0":
        found, heading = upcoming(events, ctx.settings.zone, now, monday + dt.timedelta(weeks=1)), ctx._("This week")
    elif name == "w1":
        found = upcoming(events, ctx.settings.zone, monday + dt.timedelta(weeks=1), monday + dt.timedelta(weeks=2))
        heading = ctx._("Next week")
    elif name == "lang":
        spoken = ctx.translator.code.split("@")[0]
        found = [item for item in upcoming(events, ctx.settings.zone, now, now + AHEAD)
                 if spoken in item.event.languages]
        heading = ctx._("In my language")
    elif name.startswith("c-") and name[2:] in CATEGORY_LABELS:
        found = [item for item in upcoming(events, ctx.settings.zone, now, now + AHEAD)
                 if item.event.category == name[2:]]
        heading = ctx._(CATEGORY_LABELS[name[2:]])
    elif name.startswith("g-") and name[2:] in TARGET_GROUPS:
        group = name[2:]
        found = [item for item in upcoming(events, ctx.settings.zone, now, now + AHEAD)
                 if group in item.event.target_groups or "all" in item.event.target_groups]
        heading = ctx._(TARGET_GROUPS[group])
    else:
        raise StalePayload(stale)
    if not found:
        return ctx.reply(ctx._("{heading}: no events found.").format(heading=heading), route=f"events:l:{name}:1")
    shown = paginate(ctx, found, page, PER_PAGE, lambda number: f"events:l:{name}:{number}",
                     lambda item: Choice(label(ctx, item), f"events:e:{item.event.id}:{item.occurrence.date}"))
    text = "\n".join(part for part in (heading, shown.caption(ctx)) if part)
    return ctx.reply(text, shown.choices, route=f"events:l:{name}:{shown.number}", edit=page > 1)


def label(ctx: Context, item: Dated) -> str:
    start = ctx.translator.local(item.occurrence.start)
    mark = "❌ " if is_cancelled(item.event, item.occurrence) else ""
    when = f"{ctx.translator.weekday(start.weekday(), 'abbreviated')} {ctx.translator.date(start.date(), 'short')} " \
           f"{ctx.translator.time(start)}"
    text = f"{mark}{when} · {title(ctx.translator, item.event)}"
    return text if len(text) <= LABEL_LENGTH else text[:LABEL_LENGTH - 1] + "…"


async def card(ctx: Context, event: Event, occurrence: Occurrence, note: str = "") -> Reply:
    """The event's screen; `note` (what just happened: "You are registered") goes on top, in the same message."""
    current = await seats(ctx.session, event, occurrence.date) if event.registration_required else None
    text = card_text(ctx.translator, event, occurrence, current)
    choices: list[Choice] = []
    key = f"{event.id}:{occurrence.date}"
    state = booking(event, occurrence, ctx.clock.now())
    if state in (Booking.OPEN, Booking.TOO_FAR):  # still to come (TOO_FAR: e.g. moved there after they signed up)
        offsets = await offsets_of(ctx.session, event.id, occurrence.date, ctx.resident.id)
        if offsets:
            text += "\n\n🔔 " + fill(ctx._("You will be reminded: {when}."), when=offsets_text(ctx, offsets))
        if state is Booking.OPEN:
            choices.append(Choice(ctx._("🔔 Remind me") if not offsets else ctx._("🔔 Change reminders"),
                                  f"events:r:{key}"))
        elif offsets:
            choices.append(Choice(ctx._("🔕 No reminders"), f"events:rx:{key}"))
        if event.registration_required:
            mine = await registration_of(ctx.session, event.id, occurrence.date, ctx.resident.id)
            if mine is None:
                if state is Booking.OPEN:
                    choices.append(Choice(ctx._("✍ Register"), f"events:reg:{key}"))
            else:
                text += "\n✅ " + (ctx._("You are registered.") if mine.status == REGISTERED
                                   else ctx._("You are on the waiting list."))
                choices.append(Choice(ctx._("✖ Cancel my registration"), f"events:unreg:{key}"))
    if state is Booking.OPEN:
        choices.append(Choice(ctx._("📅 Add to my calendar"), f"events:ics:{key}"))
    return ctx.reply(f"{note}\n\n{text}" if note else text, choices, title=title(ctx.translator, event),
                     route=f"events:e:{key}")


def calendar_file(ctx: Context, event: Event, occurrence: Occurrence) -> Reply:
    name, description, _ = text_of(event, ctx.translator.code)
    content = ics(event, occurrence, name, description, place(event), ctx.clock.now())
    attachment = Attachment(f"{event.key}-{occurrence.date}.ics", "text/calendar", content)
    reply = ctx.reply(ctx._("Open the file to add “{title}” to your calendar.").format(title=name))
    return dataclasses.replace(reply, attachment=attachment)


def offsets_text(ctx: Context, offsets: list[int]) -> str:
    return ctx.translator.join([ctx._(OFFSET_LABELS[offset]) for offset in offsets if offset in OFFSET_LABELS])


async def reminders(ctx: Context, event: Event, occurrence: Occurrence, *, defaults: bool = False,
                    note: str = "") -> Reply:
    now, zone = ctx.clock.now(), ctx.settings.zone
    offsets = await offsets_of(ctx.session, event.id, occurrence.date, ctx.resident.id)
    if defaults and not offsets:
        for offset in DEFAULT_OFFSETS:
            await set_reminder(ctx.session, event, occurrence, ctx.resident, offset, now, zone)
        offsets = await offsets_of(ctx.session, event.id, occurrence.date, ctx.resident.id)
    key = f"{event.id}:{occurrence.date}"
    choices = [Choice(ctx._(OFFSET_LABELS[offset]), f"events:ro:{key}:{offset}", offset in offsets)
               for offset in OFFSETS]
    choices += [Choice(ctx._("🔕 No reminders"), f"events:rx:{key}"), Choice(ctx._("✔ Done"), f"events:e:{key}")]
    text = ctx._("{title}, {when}: when shall I remind you?").format(
        title=title(ctx.translator, event), when=ctx.translator.datetime(occurrence.start, "short"))
    if offsets:
        text += "\n🔔 " + offsets_text(ctx, offsets)
    return ctx.reply(f"{note}\n\n{text}" if note else text, choices, edit=not defaults)


async def toggle_reminder(ctx: Context, event: Event, occurrence: Occurrence, offset: int, stale: str) -> Replies:
    if offset in await offsets_of(ctx.session, event.id, occurrence.date, ctx.resident.id):
        await remove_reminder(ctx.session, event.id, occurrence.date, ctx.resident.id, offset)
        if booking(event, occurrence, ctx.clock.now()) is not Booking.OPEN:
            return [await card(ctx, event, occurrence)]
        return [await reminders(ctx, event, occurrence)]
    refused = await closed(ctx, event, occurrence, stale)
    if refused is not None:
        return refused
    if not await set_reminder(ctx.session, event, occurrence, ctx.resident, offset, ctx.clock.now(),
                              ctx.settings.zone):
        return [await reminders(ctx, event, occurrence, note=ctx._("That moment has already passed."))]
    return [await reminders(ctx, event, occurrence)]


async def sign_up(ctx: Context, event: Event, occurrence: Occurrence, stale: str) -> Replies:
    state = booking(event, occurrence, ctx.clock.now())
    if state is Booking.TOO_FAR:
        raise StalePayload(stale)
    if not event.registration_required or state is not Booking.OPEN:
        return [await card(ctx, event, occurrence, note=ctx._("Registration is not possible for this event."))]
    locked = await lock_event(ctx.session, event.id)
    assert locked is not None
    status = await register(ctx.session, locked, occurrence.date, ctx.resident, ctx.clock.now())
    if status == REGISTERED:
        for offset in DEFAULT_OFFSETS:
            await set_reminder(ctx.session, event, occurrence, ctx.resident, offset, ctx.clock.now(),
                               ctx.settings.zone)
        note = ctx._("You are registered. I will remind you one day and two hours before.")
    else:
        note = ctx._("The event is fully booked, so you are on the waiting list. If a seat becomes free, "
                     "I will tell you.")
    return [await card(ctx, event, occurrence, note="✅ " + note)]


async def sign_off(ctx: Context, event: Event, occurrence: Occurrence) -> Replies:
    """Allowed for any date still to come (also a cancelled one, or one moved far ahead); after the start a
    freed seat would only tell the first on the waiting list about an event that is already on."""
    if occurrence.start <= ctx.clock.now():
        return [await card(ctx, event, occurrence, note=ctx._("That moment has already passed."))]
    locked = await lock_event(ctx.session, event.id)
    assert locked is not None
    await unregister(ctx.session, locked, occurrence.date, ctx.resident, ctx.clock.now())
    await remove_reminder(ctx.session, event.id, occurrence.date, ctx.resident.id)
    note = ctx._("Your registration is cancelled. Thank you for letting us know.")
    return [await card(ctx, event, occurrence, note=note)]


async def mine(ctx: Context) -> Reply:
    now, items = ctx.clock.now(), []
    for event_id, date in await dates_of_resident(ctx.session, ctx.resident.id):
        event = await event_by_id(ctx.session, event_id)
        occurrence = occurrence_of(event, ctx.settings.zone, date) if event is not None else None
        if event is not None and occurrence is not None and occurrence.end > now:
            items.append(Dated(event, occurrence))
    items.sort(key=lambda item: item.occurrence.start)
    if not items:
        return ctx.reply(ctx._("You have no registrations or reminders yet."), route="events:my")
    choices = [Choice(label(ctx, item), f"events:e:{item.event.id}:{item.occurrence.date}") for item in items[:20]]
    return ctx.reply(ctx._("Your events:"), choices, route="events:my")


async def topics(ctx: Context, edit: bool = False) -> Reply:
    followed = await followed_topics(ctx.session, ctx.resident.id)
    choices = [Choice(ctx._(TOPIC_LABELS[topic]), f"events:sub:{topic}", topic in followed) for topic in TOPICS]
    return ctx.reply(ctx._("Tap a topic to be told about new events, tap again to stop."), choices,
                     route="events:sub", edit=edit)


async def toggle_topic(ctx: Context, topic: str) -> Reply:
    """Following is a consent (stored with its text's version); withdrawing it is the same as in /privacy."""
    if not await unfollow(ctx.session, ctx.resident.id, topic):
        await follow(ctx.session, ctx.resident.id, topic, ctx.clock.now())
    return await topics(ctx, edit=True)
