"""Events as staff write them in `events.yaml`: local Berlin times, recurrence, place, seats.

Times are written as wall-clock times in Europe/Berlin, because that is what a poster says;
recurrence is expanded in local time, so a weekly 18:00 stays 18:00 across daylight saving.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.schema import Address, Geo, Key, Reviewable, check_text_languages

TARGET_GROUPS = ("all", "families", "children_youth", "seniors", "women", "newcomers")
CATEGORIES = ("information", "meeting", "course", "round_table", "children_family", "festival")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventText(Reviewable):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(min_length=1, max_length=800)]


class Recurrence(_Strict):
    """weekly (every `interval` weeks) or monthly on the n-th weekday of the start (-1: the last)."""

    frequency: Literal["weekly", "monthly"]
    interval: Annotated[int, Field(ge=1, le=12)] = 1
    weekday_position: Annotated[int, Field(ge=-1, le=4)] | None = None
    until: dt.date

    @model_validator(mode="after")
    def _position_for_monthly(self) -> Recurrence:
        if self.frequency == "monthly" and self.weekday_position in (None, 0):
            raise ValueError("monthly needs weekday_position: 1 to 4, or -1 for the last")
        if self.frequency == "weekly" and self.weekday_position is not None:
            raise ValueError("weekday_position is only for monthly")
        return self


class Place(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    address: Address | None = None
    geo: Geo | None = None


class Registration(_Strict):
    required: bool = False
    capacity: Annotated[int, Field(ge=1, le=10000)] | None = None


class EventEntry(_Strict):
    key: Key
    category: Literal["information", "meeting", "course", "round_table", "children_family", "festival"] = "meeting"
    start: dt.datetime
    end: dt.datetime
    recurrence: Recurrence | None = None
    place: Place
    organiser: Annotated[str, Field(min_length=1, max_length=120)]
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = []
    target_groups: list[Literal["all", "families", "children_youth", "seniors", "women", "newcomers"]] = []
    cost: Literal["free", "paid", "donation"] = "free"
    barrier_free: bool | Literal["unknown"] = "unknown"
    registration: Registration = Registration()
    cancelled: bool = False
    cancelled_dates: list[dt.date] = []  # e.g. the Sprachcafé does not take place on 2026-12-23
    texts: dict[str, EventText]

    @field_validator("texts")
    @classmethod
    def _languages_known(cls, texts: dict[str, EventText]) -> dict[str, EventText]:
        return check_text_languages(texts)

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None:
            raise ValueError("write the local time in Berlin without an offset, e.g. 2026-12-01T18:00")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EventEntry:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > dt.timedelta(hours=24):
            raise ValueError("an event lasts at most 24 hours; use recurrence for series")
        if self.recurrence is not None and self.recurrence.until < self.start.date():
            raise ValueError("recurrence.until lies before the start")
        if self.registration.capacity is not None and not self.registration.required:
            raise ValueError("a capacity needs registration.required: true")
        return self


class EventsFile(_Strict):
    example_data: bool = False
    events: list[EventEntry]
