"""The shape of a content folder's YAML files, checked before anything is written.

Staff edit these files by hand, so validation must name file, entry and field for every
mistake at once; pydantic gives us that with `extra="forbid"` catching typos in field names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from bot.languages import CONTENT_LANGUAGE_CODES, FALLBACK_CONTENT_LANGUAGE

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGET_GROUPS = ("all", "families", "children_youth", "seniors", "women", "newcomers")
_Text = TypeVar("_Text")
_SLOT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reviewable(_Strict):
    """A text in one language, with whether a native speaker has checked it.

    `reviewed: false` marks a translation made with machine help or by someone who does not speak the
    language natively, so the back office can list what a native speaker should still read. Absent means
    reviewed. It is left out of the dump when true, so an entry without it keeps the digest the import's change
    detection compares.
    """

    reviewed: bool = True

    @model_serializer(mode="wrap")
    def _reviewed_only_when_not(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.reviewed and isinstance(data, dict):
            data.pop("reviewed", None)
        return data


def _review_marks(languages: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [code for code in languages if code not in CONTENT_LANGUAGE_CODES]
    if unknown:
        raise ValueError(f"unknown language code(s): {', '.join(unknown)}")
    twice = sorted({code for code in languages if languages.count(code) > 1})
    if twice:
        raise ValueError(f"listed twice: {', '.join(twice)}")
    return tuple(code for code in CONTENT_LANGUAGE_CODES if code in languages)


# Languages a native speaker should still check, in the bot's order whatever the file's, so that the order
# written there changes no digest.
Unreviewed = Annotated[tuple[str, ...], AfterValidator(_review_marks)]


class ReviewMarks(_Strict):
    """An entry whose texts are translated as one piece per language (a survey, a Sprechstunde's titles): its
    `unreviewed` field (declared by the subclass, where it reads best in the file) lists the languages made with
    machine help or not by a native speaker, as `reviewed: false` does for one text (`Reviewable`). Absent
    means all reviewed. It is left out of the dump when empty, so an entry without it keeps its digest.
    """

    @model_serializer(mode="wrap")
    def _unreviewed_only_when_any(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not getattr(self, "unreviewed", ()) and isinstance(data, dict):
            data.pop("unreviewed", None)
        return data


class CategoryText(Reviewable):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    synonyms: list[Annotated[str, Field(min_length=1, max_length=80)]] = []


class CategoryEntry(_Strict):
    key: Key
    icon: Annotated[str, Field(max_length=8)] = ""
    texts: dict[str, CategoryText]

    @field_validator("texts")
    @classmethod
    def _languages_known(cls, texts: dict[str, CategoryText]) -> dict[str, CategoryText]:
        return check_text_languages(texts)


class CategoriesFile(_Strict):
    example_data: bool = False
    categories: list[CategoryEntry]


class OfferText(Reviewable):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    summary: Annotated[str, Field(min_length=1, max_length=400)]
    cost_note: Annotated[str, Field(max_length=200)] = ""
    hours_note: Annotated[str, Field(max_length=200)] = ""
    keywords: list[Annotated[str, Field(min_length=1, max_length=80)]] = []


class Address(_Strict):
    street: Annotated[str, Field(min_length=1, max_length=120)]
    postcode: Annotated[str, Field(pattern=r"^\d{5}$")]
    city: Annotated[str, Field(min_length=1, max_length=80)] = "Gelsenkirchen"


class Geo(_Strict):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class Contact(_Strict):
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=120)] = ""
    website: Annotated[str, Field(max_length=200)] = ""


class OfferEntry(_Strict):
    key: Key
    category: Key
    provider: Annotated[str, Field(min_length=1, max_length=120)]
    address: Address | None = None
    geo: Geo | None = None
    contact: Contact = Contact()
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = {}
    by_appointment: bool = False
    temporarily_closed: bool = False
    closed_dates: list[dt.date] = []
    barrier_free: bool | Literal["unknown"] = "unknown"
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = []
    target_groups: list[Literal["all", "families", "children_youth", "seniors", "women", "newcomers"]] = []
    cost: Literal["free", "paid", "donation"] = "free"
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    texts: dict[str, OfferText]

    @field_validator("texts")
    @classmethod
    def _languages_known(cls, texts: dict[str, OfferText]) -> dict[str, OfferText]:
        return check_text_languages(texts)

    @field_validator("hours")
    @classmethod
    def _slots_well_formed(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, slots in hours.items():
            for slot in slots:
                match = _SLOT.match(slot)
                if not match:
                    raise ValueError(f"{day}: {slot!r} is not of the form HH:MM-HH:MM")
                opens, closes = slot.split("-")
                if closes <= opens:
                    raise ValueError(f"{day}: {slot!r} closes before it opens")
        return hours

    @model_validator(mode="after")
    def _validity_ordered(self) -> OfferEntry:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until lies before valid_from")
        return self


class OffersFile(_Strict):
    example_data: bool = False
    offers: list[OfferEntry]


def check_text_languages(texts: dict[str, _Text]) -> dict[str, _Text]:
    """Known language codes only, and German always (the fallback for every other language)."""
    unknown = sorted(set(texts) - set(CONTENT_LANGUAGE_CODES))
    if unknown:
        raise ValueError(f"unknown language code(s): {', '.join(unknown)}")
    if FALLBACK_CONTENT_LANGUAGE not in texts:
        raise ValueError(f"a German text ({FALLBACK_CONTENT_LANGUAGE!r}) is required as the fallback")
    return texts


NeedWordsByLanguage = dict[str, list[Annotated[str, Field(min_length=1, max_length=60)]]]


class NeedsFile(_Strict):
    """needs.yaml: per offer key and per category key, language → words residents use for the need;
    under `elsewhere`, per need the quarter has no offer for (a car repair, a dentist), its words."""

    offers: dict[Key, NeedWordsByLanguage] = {}
    categories: dict[Key, NeedWordsByLanguage] = {}
    elsewhere: dict[Key, NeedWordsByLanguage] = {}

    @field_validator("offers", "categories", "elsewhere")
    @classmethod
    def _languages_known(cls, entries: dict[str, NeedWordsByLanguage]) -> dict[str, NeedWordsByLanguage]:
        for key, by_language in entries.items():
            unknown = sorted(set(by_language) - set(CONTENT_LANGUAGE_CODES))
            if unknown:
                raise ValueError(f"{key}: unknown language code(s): {', '.join(unknown)}")
        return entries
