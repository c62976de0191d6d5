"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC and always hands back an aware UTC datetime.

    SQLite keeps no offset, so without this a value read back would be naive and comparisons
    with the injected clock would fail on one backend only.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# A 64-bit key on PostgreSQL; on SQLite plain INTEGER, so the key is the rowid itself and no
# second, ordered rowid exists beside it.
RandomId = BigInteger().with_variant(Integer(), "sqlite")


def random_id() -> int:
    """A key that says nothing about when a row was written (unlike a sequence).

    Below 2**53, so it survives JSON and spreadsheets unchanged.
    """
    return secrets.randbelow(2**53 - 1) + 1
