"""One offer as a resident reads it: what, when (open now?), where, who to ask, for whom, cost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.conversation.context import Context
from bot.conversation.messages import Choice, Reply
from bot.i18n import fill
from bot.offers.catalog import OfferView, QuarterCatalog
from bot.offers.hours import State, Status, minute_as_time, status_at
from handlers.offers.filters import TARGET_GROUPS

OSM_LINK = "https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=18/{lat:.5f}/{lon:.5f}"


def offer_card(ctx: Context, catalog: QuarterCatalog, offer: OfferView, route: str) -> Reply:
    language = ctx.translator.code
    text, fell_back = offer.text(language)
    now = ctx.translator.local(ctx.clock.now())
    lines = [text.summary, "", opening_status(ctx, status_at(offer.hours, now), now)]
    lines += weekly_hours(ctx, offer)
    if text.hours_note:
        lines.append(text.hours_note)
    if offer.valid_from and offer.valid_from > now.date():
        lines.append(fill(ctx._("Starts on {date}."), date=ctx.translator.date(offer.valid_from)))
    if offer.valid_until:
        lines.append(fill(ctx._("Runs until {date}."), date=ctx.translator.date(offer.valid_until)))
    lines.append("")
    if offer.street:
        lines.append(f"📍 {offer.street}, {offer.postcode} {offer.city}".strip())
    if offer.latitude is not None and offer.longitude is not None:
        lines.append("🗺 " + OSM_LINK.format(lat=offer.latitude, lon=offer.longitude))
    lines.append(f"🏢 {offer.provider}")
    lines += [f"{icon} {value}" for icon, value in (("☎", offer.phone), ("✉", offer.email),
                                                     ("🌐", offer.website)) if value]
    if offer.languages:
        names = ctx.translator.join([ctx.translator.language_name(code) for code in offer.languages])
        lines.append("🗣 " + ctx._("Languages: {languages}").format(languages=names))
    lines.append("💶 " + cost_line(ctx._, offer.cost, text.cost_note))
    lines.append("♿ " + accessibility_line(ctx._, offer.barrier_free))
    groups = [ctx._(TARGET_GROUPS[group]) for group in offer.target_groups if group in TARGET_GROUPS]
    if groups:
        lines.append("👥 " + ctx._("For: {groups}").format(groups=ctx.translator.join(groups)))
    if fell_back:
        lines += ["", "ℹ " + ctx._("This text is not yet available in your language, so it is shown in German.")]
    category = catalog.category(offer.category_key)
    choices = []
    if category is not None:
        choices.append(Choice(f"{category.icon} {category.name(language)}".strip(),
                              f"offers:c:{category.key}:1"))
    return ctx.reply("\n".join(lines), choices, title=text.title, route=route)


def opening_status(ctx: Context, status: Status, now: dt.datetime) -> str:
    t = ctx.translator
    if status.state is State.OPEN and status.until is not None:
        return "🟢 " + ctx._("Open now, until {time}").format(time=t.time(status.until))
    if status.state is State.TEMPORARILY_CLOSED:
        return "⛔ " + ctx._("Temporarily closed")
    if status.state is State.BY_APPOINTMENT:
        return "📅 " + ctx._("By appointment only")
    if status.state is State.NO_HOURS or status.next_opening is None:
        return "🕒 " + ctx._("No fixed opening hours – please ask.")
    opening = status.next_opening
    days_ahead = (opening.date() - now.date()).days
    if days_ahead == 0:
        text = ctx._("Closed now, opens today at {time}")
    elif days_ahead == 1:
        text = ctx._("Closed now, opens tomorrow at {time}")
    elif days_ahead < 7:
        text = ctx._("Closed now, opens on {weekday} at {time}")
    else:
        text = ctx._("Closed now, opens on {date} at {time}")
    return "🔴 " + text.format(time=t.time(opening), weekday=t.weekday(opening.weekday()),
                              date=t.date(opening.date()))


def weekly_hours(ctx: Context, offer: OfferView) -> list[str]:
    lines = []
    for weekday in range(7):
        slots = [slot for slot in offer.hours.slots if slot.weekday == weekday]
        if slots:
            spans = ", ".join(
                f"{ctx.translator.time(minute_as_time(slot.opens_minute))}–"
                f"{ctx.translator.time(minute_as_time(slot.closes_minute))}"
                for slot in slots
            )
            lines.append(f"   {ctx.translator.weekday(weekday, 'abbreviated')} {spans}")
    if offer.hours.by_appointment and offer.hours.slots:
        lines.append("📅 " + ctx._("Please make an appointment first."))
    return lines


def cost_line(_: Callable[[str], str], cost: str, note: str) -> str:
    if cost == "free":
        label = _("Free of charge")
    elif cost == "donation":
        label = _("Free, donations welcome")
    else:
        label = _("There is a fee")
    return f"{label} ({note})" if note else label


def accessibility_line(_: Callable[[str], str], barrier_free: str) -> str:
    if barrier_free == "yes":
        return _("Barrier-free access")
    if barrier_free == "no":
        return _("Not barrier-free")
    return _("Accessibility not known – please ask.")
