"""Staff's words for the keys the figures and the back office's screens show alike: languages, channels, the
topics of Sprechstunde numbers and of questions. English msgids of the back office's catalog (domain "staff",
extracted from bot/figures and bot/web), so a figure and a screen never name a thing differently."""

from __future__ import annotations

from collections.abc import Iterable

from bot.figures.tables import Literal
from bot.i18n import N_

LANGUAGE_LABELS = {
    "de": N_("German"), "de@easy": N_("Easy German"), "en": N_("English"), "tr": N_("Turkish"),
    "ar": N_("Arabic"), "ro": N_("Romanian"), "bg": N_("Bulgarian"), "uk": N_("Ukrainian"), "ru": N_("Russian"),
    "pl": N_("Polish"), "": N_("not chosen yet"),
}
CHANNEL_LABELS = {"telegram": N_("Telegram"), "matrix": N_("Matrix"), "console": N_("Console")}
QUEUE_TOPIC_LABELS = {"letters": N_("Letters from authorities or the Jobcenter"), "housing": N_("Housing"),
                      "family": N_("Family, daycare or school"), "health": N_("Health"), "work": N_("Work"),
                      "other": N_("Something else")}
QUESTION_TOPIC_LABELS = {"work": N_("Work / Jobcenter"), "housing": N_("Housing"), "health": N_("Health"),
                         "school": N_("School / day care"), "language": N_("Language / courses"),
                         "residence": N_("Residence status"), "money": N_("Money / benefits"),
                         "leisure": N_("Leisure / offers"), "other": N_("Other")}


def label(labels: dict[str, str], key: str | None) -> str:
    """The msgid for a known key, else the key itself as data (a free topic, an unknown language code)."""
    return labels.get(key or "", Literal(key or ""))


def language_order(codes: Iterable[str]) -> list[str]:
    """The bot's own order of languages (German first), unknown codes after them."""
    known = list(LANGUAGE_LABELS)
    return sorted(set(codes), key=lambda code: (known.index(code) if code in known else len(known), code))


def language_label(code: str | None) -> str:
    return label(LANGUAGE_LABELS, code)
