"""Opening hours: is an offer open now, and when does it open next, in local wall time.

Slots are weekday wall-clock times in the quarter's zone, so daylight-saving changes need no
special handling: 09:00 stays 09:00 whatever the UTC offset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

LOOKAHEAD_DAYS = 14
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    opens_minute: int
    closes_minute: int


@dataclass(frozen=True)
class WeeklyHours:
    slots: tuple[Slot, ...]
    closed_dates: frozenset[dt.date] = frozenset()
    temporarily_closed: bool = False
    by_appointment: bool = False


class State(Enum):
    OPEN = "open"
    CLOSED = "closed"
    TEMPORARILY_CLOSED = "temporarily_closed"
    BY_APPOINTMENT = "by_appointment"
    NO_HOURS = "no_hours"


@dataclass(frozen=True)
class Status:
    state: State
    until: dt.datetime | None = None  # local; when an open offer closes
    next_opening: dt.datetime | None = None  # local; when a closed offer opens


def status_at(hours: WeeklyHours, local_now: dt.datetime) -> Status:
    if hours.temporarily_closed:
        return Status(State.TEMPORARILY_CLOSED)
    if not hours.slots:
        return Status(State.BY_APPOINTMENT if hours.by_appointment else State.NO_HOURS)
    today = local_now.date()
    minute = local_now.hour * 60 + local_now.minute
    if today not in hours.closed_dates:
        for slot in hours.slots:
            if slot.weekday == today.weekday() and slot.opens_minute <= minute < slot.closes_minute:
                return Status(State.OPEN, until=_at(today, slot.closes_minute, local_now.tzinfo))
    return Status(State.CLOSED, next_opening=next_opening(hours, local_now))


def next_opening(hours: WeeklyHours, local_now: dt.datetime) -> dt.datetime | None:
    minute = local_now.hour * 60 + local_now.minute
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local_now.date() + dt.timedelta(days=offset)
        if day in hours.closed_dates:
            continue
        starts = sorted(
            slot.opens_minute for slot in hours.slots
            if slot.weekday == day.weekday() and (offset > 0 or slot.opens_minute > minute)
        )
        if starts:
            return _at(day, starts[0], local_now.tzinfo)
    return None


def _at(day: dt.date, minute: int, zone: dt.tzinfo | None) -> dt.datetime:
    base = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return base + dt.timedelta(minutes=minute) if minute < MINUTES_PER_DAY else base + dt.timedelta(days=1)


def parse_slot(text: str) -> tuple[int, int]:
    """ "09:30-12:00" → (570, 720)."""
    opens, closes = text.split("-")
    return _minutes(opens), _minutes(closes)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def minute_as_time(minute: int) -> dt.time:
    return dt.time(23, 59) if minute >= MINUTES_PER_DAY else dt.time(minute // 60, minute % 60)
