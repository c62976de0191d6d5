"""Per-request translation and locale formatting.

There is no process-wide language: each incoming message gets a `Translator` for its
resident, so two residents served at once never see each other's language. Catalogs are
loaded once per process (they are read-only); a `.po` newer than its `.mo`, or one that was
never compiled, is compiled in memory so a fresh checkout speaks every language at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from bot.languages import BY_CODE, Language

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
RLM = "\u200f"
log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def fill(template: str, **values: object) -> str:
    """`template.format(**values)` without a doubled full stop: a value that ends with one (a Ukrainian date,
    "26 лют. 2027 р.", an address) takes the place of the sentence's own."""
    for name, value in values.items():
        if str(value).endswith("."):
            template = template.replace("{" + name + "}.", "{" + name + "}")
    return template.format(**values)


@functools.cache
def load_catalog(code: str, domain: str = DOMAIN) -> NullTranslations:
    """`domain` is "messages" for residents, "staff" for the back office (German and English only)."""
    if code == "en":
        return NullTranslations()  # msgids are English
    folder = LOCALES_DIR / code / "LC_MESSAGES"
    po_path, mo_path = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=domain)
    if not po_path.exists():
        log.warning("no catalog for language %s; showing English", code)
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


@dataclass(frozen=True)
class Translator:
    language: Language
    zone: ZoneInfo
    domain: str = DOMAIN

    @classmethod
    def for_language(cls, code: str, zone: ZoneInfo) -> Translator:
        return cls(BY_CODE[code], zone)

    @property
    def code(self) -> str:
        return self.language.code

    @functools.cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.language.babel_locale)

    @property
    def right_to_left(self) -> bool:
        return self.language.right_to_left

    def gettext(self, message: str) -> str:
        return load_catalog(self.code, self.domain).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return load_catalog(self.code, self.domain).ngettext(singular, plural, count)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)

    def time(self, value: dt.time | dt.datetime) -> str:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = self.local(value)  # an aware moment is shown on the local clock, never in UTC
        return format_time(value, format="short", locale=self.locale)

    def date(self, value: dt.date, style: str = "medium") -> str:
        return format_date(value, format=style, locale=self.locale)

    def datetime(self, moment: dt.datetime, style: str = "medium") -> str:
        return format_datetime(self.local(moment), format=style, tzinfo=self.zone, locale=self.locale)

    def weekday(self, index: int, width: str = "wide") -> str:
        """Monday is 0, as in Python; Babel's names follow the resident's locale."""
        return get_day_names(width, locale=self.locale)[index]

    def join(self, items: list[str]) -> str:
        """ "German, Arabic and Turkish" with the locale's own separators and conjunction."""
        return format_list(items, locale=self.locale) if items else ""

    def distance(self, metres: float) -> str:
        """ "350 m" or "1.2 km", in the locale's own units and digits."""
        if metres < 1000:
            return format_unit(round(metres, -1), "length-meter", length="short", locale=self.locale)
        return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", locale=self.locale)

    def number(self, value: float, digits: int = 1) -> str:
        return format_decimal(round(value, digits), locale=self.locale)

    def language_name(self, code: str) -> str:
        """A language's name in the resident's language ("Türkisch" for a German reader)."""
        base = code.split("@")[0]
        return self.locale.languages.get(base, code)
