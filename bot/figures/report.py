"""The Sachbericht of a period: what its PDF and its XLSX have in common (the sections, the period compared with the
previous one, who made it and when) and the texts both print on their first page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.figures.tables import Period, Section
from bot.i18n import N_, Translator

TITLE = N_("Sachbericht – figures")


@dataclass(frozen=True)
class Report:
    sections: tuple[Section, ...]
    period: Period
    quarter: str  # as shown: "Horst"
    office: str  # who reports: "Quartiersmanagement Horst"
    created: dt.datetime  # aware

    def filename(self, extension: str) -> str:
        """ "sachbericht-2026-01-01-2026-12-31.pdf" """
        return f"sachbericht-{self.period.first.isoformat()}-{self.period.last.isoformat()}.{extension}"


def period_text(translator: Translator, period: Period) -> str:
    """ "1. Januar 2026 – 31. Dezember 2026" """
    return f"{translator.date(period.first, 'long')} – {translator.date(period.last, 'long')}"


def created_text(translator: Translator, moment: dt.datetime) -> str:
    """The moment on the local clock (Europe/Berlin): "14. Dezember 2026, 12:00 Uhr". """
    local = translator.local(moment)
    return translator.gettext(N_("%(date)s, %(time)s")) % {"date": translator.date(local.date(), "long"),
                                                          "time": translator.time(local)}
