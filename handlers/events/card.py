"""How an event reads, on its screen and in reminders: when, where, who, cost, seats."""

from __future__ import annotations

from bot.events.models import Event
from bot.events.occurrences import Occurrence
from bot.events.seats import Seats
from bot.events.store import is_cancelled, text_of
from bot.i18n import Translator
from handlers.offers.card import OSM_LINK, accessibility_line, cost_line
from handlers.offers.filters import TARGET_GROUPS


def when(tr: Translator, occurrence: Occurrence) -> str:
    """ "Tuesday, 1 Dec 2026, 18:00–20:00" in the resident's language and Berlin time."""
    start, end = tr.local(occurrence.start), tr.local(occurrence.end)
    return f"{tr.weekday(start.weekday())}, {tr.date(start.date())}, {tr.time(start)}–{tr.time(end)}"


def title(tr: Translator, event: Event) -> str:
    return text_of(event, tr.code)[0]


def card_text(tr: Translator, event: Event, occurrence: Occurrence, seats: Seats | None) -> str:
    _ = tr.gettext
    _title, description, in_language = text_of(event, tr.code)
    lines = []
    if is_cancelled(event, occurrence):
        lines += ["❌ " + _("This event is cancelled."), ""]
    lines += [description, "", "📅 " + when(tr, occurrence), "📍 " + place(event)]
    if event.latitude is not None and event.longitude is not None:
        lines.append("🗺 " + OSM_LINK.format(lat=event.latitude, lon=event.longitude))
    lines.append(f"🏢 {event.organiser}")
    if event.languages:
        names = tr.join([tr.language_name(code) for code in event.languages])
        lines.append("🗣 " + _("Languages: {languages}").format(languages=names))
    groups = [_(TARGET_GROUPS[group]) for group in event.target_groups if group in TARGET_GROUPS]
    if groups:
        lines.append("👥 " + _("For: {groups}").format(groups=tr.join(groups)))
    lines.append("💶 " + cost_line(_, event.cost, ""))
    lines.append("♿ " + accessibility_line(_, event.barrier_free))
    if event.registration_required:
        lines.append("✍ " + seats_line(tr, seats))
    if not in_language:
        lines += ["", "ℹ " + _("This text is not yet available in your language, so it is shown in German.")]
    return "\n".join(lines)


def place(event: Event) -> str:
    address = ", ".join(part for part in (event.street, f"{event.postcode} {event.city}".strip()) if part)
    return f"{event.place_name}, {address}" if address else event.place_name


def seats_line(tr: Translator, seats: Seats | None) -> str:
    _ = tr.gettext
    if seats is None or seats.free is None:
        return _("Registration needed.")
    if seats.free > 0:
        return tr.ngettext("Registration needed: {count} seat left.", "Registration needed: {count} seats left.",
                           seats.free).format(count=seats.free)
    return _("Registration needed: fully booked; you can join the waiting list.")
