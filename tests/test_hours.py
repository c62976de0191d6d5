"""Opening hours in local wall time: open now, next opening, closed days, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.offers.hours import Slot, State, WeeklyHours, next_opening, parse_slot, status_at

BERLIN = ZoneInfo("Europe/Berlin")
# Monday and Wednesday 09:00-12:00 and 13:00-16:00.
HOURS = WeeklyHours(slots=(Slot(0, 540, 720), Slot(0, 780, 960), Slot(2, 540, 720)))


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_open_inside_a_slot_until_its_end() -> None:
    status = status_at(HOURS, at(2026, 11, 23, 10))  # Monday
    assert status.state is State.OPEN
    assert status.until == at(2026, 11, 23, 12)


def test_lunch_break_opens_again_the_same_day() -> None:
    status = status_at(HOURS, at(2026, 11, 23, 12, 30))
    assert status.state is State.CLOSED
    assert status.next_opening == at(2026, 11, 23, 13)


def test_closing_minute_is_closed() -> None:
    assert status_at(HOURS, at(2026, 11, 23, 16)).state is State.CLOSED


def test_next_opening_skips_days_without_slots_and_closed_dates() -> None:
    closed_wednesday = WeeklyHours(HOURS.slots, closed_dates=frozenset({dt.date(2026, 11, 25)}))
    assert next_opening(HOURS, at(2026, 11, 23, 17)) == at(2026, 11, 25, 9)
    assert next_opening(closed_wednesday, at(2026, 11, 23, 17)) == at(2026, 11, 30, 9)
    assert status_at(closed_wednesday, at(2026, 11, 25, 10)).state is State.CLOSED


def test_temporarily_closed_and_by_appointment_and_no_hours() -> None:
    assert status_at(WeeklyHours(HOURS.slots, temporarily_closed=True), at(2026, 11, 23, 10)).state \
        is State.TEMPORARILY_CLOSED
    assert status_at(WeeklyHours((), by_appointment=True), at(2026, 11, 23, 10)).state is State.BY_APPOINTMENT
    assert status_at(WeeklyHours(()), at(2026, 11, 23, 10)).state is State.NO_HOURS


def test_wall_clock_survives_daylight_saving_changes() -> None:
    # Sunday 29 March 2026 clocks jump forward; Monday 09:00 is still 09:00 local (07:00 UTC).
    opening = next_opening(HOURS, at(2026, 3, 28, 12))
    assert opening == at(2026, 3, 30, 9)
    assert opening is not None and opening.astimezone(dt.UTC).hour == 7
    # Sunday 25 October 2026 clocks go back; Monday 09:00 local is 08:00 UTC.
    opening = next_opening(HOURS, at(2026, 10, 24, 12))
    assert opening == at(2026, 10, 26, 9)
    assert opening is not None and opening.astimezone(dt.UTC).hour == 8


def test_slot_until_midnight() -> None:
    late = WeeklyHours(slots=(Slot(4, *parse_slot("18:00-24:00")),))
    status = status_at(late, at(2026, 11, 27, 23, 30))  # Friday
    assert status.state is State.OPEN
    assert status.until == at(2026, 11, 28, 0)
