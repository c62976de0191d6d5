"""One occurrence as an .ics file, so residents can put it into their phone's calendar."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.events.models import Event
from bot.events.occurrences import Occurrence


def ics(event: Event, occurrence: Occurrence, title: str, description: str, place: str,
        now: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Quartiersbot//Quartiersmanagement Horst//DE")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"{event.quarter}-{event.key}-{occurrence.date}@quartiersbot")
    entry.add("dtstamp", now.astimezone(dt.UTC))
    entry.add("dtstart", occurrence.start)  # with its zone (Europe/Berlin), so phones show local time
    entry.add("dtend", occurrence.end)
    entry.add("summary", title)
    entry.add("description", description)
    entry.add("location", place)
    if event.latitude is not None and event.longitude is not None:
        entry.add("geo", (event.latitude, event.longitude))
    if event.cancelled:
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    return calendar.to_ical()
