"""Sprechstunden as staff write them in `sprechstunden.yaml`: weekly hours, topics, languages.

Topics are fixed keys (their names are translated with the bot's texts), so the figures for the
city's controlling count the same topics every year; interpreter languages are language codes,
which may include languages the bot itself does not speak (e.g. "fa" or "ku").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.schema import WEEKDAYS, Key, ReviewMarks, Unreviewed, check_text_languages

TOPICS = ("letters", "housing", "family", "health", "work", "other")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeeklyHours(_Strict):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    time: str  # "10:00-13:00", local time
    languages: tuple[str, ...] = ("de",)  # what staff or interpreters speak that day

    @field_validator("time")
    @classmethod
    def _well_formed(cls, value: str) -> str:
        match = _TIME.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not like 10:00-13:00")
        if value[:5] >= value[6:]:
            raise ValueError(f"{value!r} ends before it starts")
        return value

    @field_validator("languages")
    @classmethod
    def _languages_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"unknown language code {code!r}") from None
        return value

    @property
    def weekday(self) -> int:
        return WEEKDAYS.index(self.day)

    @property
    def start(self) -> dt.time:
        return dt.time.fromisoformat(self.time[:5])

    @property
    def end(self) -> dt.time:
        return dt.time.fromisoformat(self.time[6:])


class ConsultationEntry(ReviewMarks):
    key: Key
    titles: dict[str, Annotated[str, Field(min_length=1, max_length=120)]]
    # The titles made with machine help or not by a native speaker (`unreviewed: [ru, pl]`); absent: all checked.
    unreviewed: Unreviewed = ()
    place: Annotated[str, Field(min_length=1, max_length=300)]
    ticket_prefix: Annotated[str, Field(pattern=r"^[A-Z]{1,3}$")] = "A"
    desks: Annotated[int, Field(ge=1, le=20)] = 1
    numbers_before_minutes: Annotated[int, Field(ge=0, le=240)] = 30
    no_show_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    late_minutes: Annotated[int, Field(ge=0, le=240)] = 60
    minutes_per_person: Annotated[int, Field(ge=1, le=120)] = 15
    topics: tuple[Literal["letters", "housing", "family", "health", "work", "other"], ...] = TOPICS
    weekly: tuple[WeeklyHours, ...]
    closed_dates: tuple[dt.date, ...] = ()

    @field_validator("titles")
    @classmethod
    def _title_languages(cls, titles: dict[str, str]) -> dict[str, str]:
        return check_text_languages(titles)

    @model_validator(mode="after")
    def _marks_have_titles(self) -> ConsultationEntry:
        untitled = [code for code in self.unreviewed if code not in self.titles]
        if untitled:
            raise ValueError(f"unreviewed: no title in {', '.join(untitled)}")
        return self

    @model_validator(mode="after")
    def _topics_and_hours(self) -> ConsultationEntry:
        if not self.topics:
            raise ValueError("topics: at least one topic")
        if len(set(self.topics)) != len(self.topics):
            raise ValueError("topics: a topic is listed twice")
        days: dict[str, list[WeeklyHours]] = {}
        for hours in self.weekly:
            for other in days.get(hours.day, []):
                if hours.time[:5] < other.time[6:] and other.time[:5] < hours.time[6:]:
                    raise ValueError(f"weekly: {hours.day} {hours.time} overlaps {other.time}")
            days.setdefault(hours.day, []).append(hours)
        return self


class SprechstundenFile(_Strict):
    example_data: bool = False
    sprechstunden: tuple[ConsultationEntry, ...]
