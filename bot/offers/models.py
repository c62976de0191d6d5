"""The offers' tables: categories, offers with their texts per language and opening hours, unmet searches.

Content rows carry a `quarter` so several quarters can share one deployment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), default="horst", index=True)
    key: Mapped[str] = mapped_column(String(40))
    icon: Mapped[str] = mapped_column(String(8), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]

    texts: Mapped[list[CategoryText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


CATEGORY_TEXT_FIELDS = ("name", "synonyms")  # a category's words in one language
OFFER_TEXT_FIELDS = ("title", "summary", "cost_note", "hours_note", "keywords")


class CategoryText(Base):
    __tablename__ = "category_texts"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    synonyms: Mapped[list[str]] = mapped_column(default=list)
    # The German text this translation was made from (bot/content/texts.py): outdated when that changes.
    source_fingerprint: Mapped[str | None] = mapped_column(String(16))
    # False: made with machine help or not by a native speaker; a native speaker should still check it.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Offer(Base):
    """A local offer; opening hours are structured so "open now" can be computed."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("quarter", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(40), default="horst", index=True)
    key: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    by_appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    temporarily_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_dates: Mapped[list[str]] = mapped_column(default=list)
    barrier_free: Mapped[str] = mapped_column(String(8), default="unknown")
    languages: Mapped[list[str]] = mapped_column(default=list)
    target_groups: Mapped[list[str]] = mapped_column(default=list)
    cost: Mapped[str] = mapped_column(String(10), default="free")
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    example_data: Mapped[bool] = mapped_column(Boolean, default=False)
    # False takes the offer out of the bot without deleting it (bot/offers/editing.py); an import
    # of a file that has the offer makes it active again, as it does for Sprechstunden.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    texts: Mapped[list[OfferText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    slots: Mapped[list[OpeningSlot]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="(OpeningSlot.weekday, OpeningSlot.opens_minute)",
    )


class OfferText(Base):
    __tablename__ = "offer_texts"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    cost_note: Mapped[str] = mapped_column(String(200), default="")
    hours_note: Mapped[str] = mapped_column(String(200), default="")
    keywords: Mapped[list[str]] = mapped_column(default=list)
    source_fingerprint: Mapped[str | None] = mapped_column(String(16))  # see CategoryText
    # False: made with machine help or not by a native speaker; a native speaker should still check it.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class OpeningSlot(Base):
    """One opening period on a weekday (0 = Monday), in minutes after local midnight (1440 = 24:00)."""

    __tablename__ = "opening_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens_minute: Mapped[int] = mapped_column(Integer)
    closes_minute: Mapped[int] = mapped_column(Integer)


class UnmetSearch(Base):
    """Searches that found nothing, counted per week, words and language: what staff need, no person.

    No row id, no time finer than the week and no link to anyone: a search is only a count
    added to the row of its words (see bot/offers/unmet.py, which also keeps personal-looking
    text out). SQLite keeps the table without a hidden rowid, so not even the order of the
    first searches of the week can be read from it.
    """

    __tablename__ = "unmet_searches"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    quarter: Mapped[str] = mapped_column(String(40), primary_key=True)
    week: Mapped[dt.date] = mapped_column(primary_key=True)  # the Monday of the week, local time
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    text: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class NeedWords(Base):
    """The words residents use for the need an offer or a whole category meets, in one language.

    Curated content (content/<quarter>/needs.yaml), read only by the search index: "Schulden,
    Mahnung, Gerichtsvollzieher" for the debt counselling. A table of its own rather than the
    offers' keywords, because a need is named in languages the offer has no text in yet (Russian,
    Polish), and creating a text just for the words would show residents an empty translation.
    """

    __tablename__ = "need_words"

    quarter: Mapped[str] = mapped_column(String(40), primary_key=True)
    # "offer", "category" or "elsewhere" (a need the quarter has no offer for)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    words: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[dt.datetime]
