"""A figure as text, the same on the page, in the report and in the terminal: a count as a whole number, a share
as a percentage, a duration in minutes or hours, a change with its sign; "–" where there is no figure."""

from __future__ import annotations

import functools

from babel.numbers import format_decimal

from bot.figures.tables import Delta, Hours, Literal, Minutes, Share, Value
from bot.i18n import N_, Translator

NONE = "–"
MINUS = "−"


def text(value: Value, translator: Translator) -> str:
    """A cell or a title: msgids translated, data (Literal) and numbers as they are."""
    if value is None:
        return NONE
    if isinstance(value, Literal):
        return str(value)
    if isinstance(value, str):
        return translator.gettext(value)
    if isinstance(value, Delta):
        return _delta(value, translator)
    if isinstance(value, Share):
        return translator.gettext(N_("%(number)s %%")) % {"number": _number(value * 100, 0, translator)}
    if isinstance(value, Minutes):
        return translator.gettext(N_("%(number)s min")) % {"number": _number(value, 0, translator)}
    if isinstance(value, Hours):
        return hours(float(value), translator)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return _number(value, 0, translator)
    return _number(value, 1, translator)


def hours(value: float, translator: Translator) -> str:
    """ "5.5 hours" under two days, "3.2 days" above."""
    if value < 48:
        return translator.gettext(N_("%(number)s hours")) % {"number": _number(value, 1, translator)}
    return translator.gettext(N_("%(number)s days")) % {"number": _number(value / 24, 1, translator)}


def _delta(value: Delta, translator: Translator) -> str:
    magnitude = abs(float(value))
    if value.unit == "share":
        shown = translator.gettext(N_("%(number)s points")) % {"number": _number(magnitude * 100, 0, translator)}
        rounded = round(magnitude * 100)
    elif value.unit == "minutes":
        shown = translator.gettext(N_("%(number)s min")) % {"number": _number(magnitude, 0, translator)}
        rounded = round(magnitude)
    elif value.unit == "hours":
        shown = hours(magnitude, translator)
        rounded = round(magnitude, 1)
    else:
        digits = 0 if float(value).is_integer() else 1
        shown = _number(magnitude, digits, translator)
        rounded = round(magnitude, digits)
    if not rounded:
        return f"±{shown}"
    return f"{'+' if value > 0 else MINUS}{shown}"


def _number(value: float, digits: int, translator: Translator) -> str:
    return _formatted(round(value, digits) if digits else round(value), digits, translator.language.babel_locale)


@functools.lru_cache(maxsize=8192)
def _formatted(value: float, digits: int, locale: str) -> str:
    """Babel's formatting is slow and a page shows the same small numbers many times."""
    return format_decimal(value, locale=locale)
