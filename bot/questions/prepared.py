"""Prepared answers (text modules): written once per language by people who speak it, sent with one click in
the resident's language, so an answer needs no machine translation and no staff member who speaks Arabic.

Placeholders are filled when the answer is sent: {reference} (the question's), {hours} (the office's hours in
the resident's language), {address} (the office). Other braces are left as written.

Changes made by a staff member (`actor`) go to the audit log with the answer's id and title, in the same
transaction; the texts are not copied there (they hold nothing personal, and the answer itself shows them).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.log import Actor, record
from bot.config import Settings
from bot.i18n import Translator
from bot.languages import LANGUAGE_CODES
from bot.questions.help_lines import hours_text
from bot.questions.models import PreparedAnswer, Question
from bot.questions.store import MAX_TEXT

PLACEHOLDERS = ("reference", "hours", "address")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MAX_TITLE = 120
OBJECT = "prepared_answer"


NO_TITLE, NO_GERMAN, TOO_LONG, UNKNOWN_PLACEHOLDER = "no_title", "no_german", "too_long", "unknown_placeholder"


class PreparedAnswerError(ValueError):
    """A prepared answer as entered is refused; `code` says why (the back office words it for staff)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def _cleaned(title: str, texts: dict[str, str]) -> tuple[str, dict[str, str]]:
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise PreparedAnswerError(NO_TITLE)
    kept = {code: text.strip() for code, text in texts.items() if code in LANGUAGE_CODES and text.strip()}
    if "de" not in kept:
        raise PreparedAnswerError(NO_GERMAN)
    if any(len(text) > MAX_TEXT for text in kept.values()):
        raise PreparedAnswerError(TOO_LONG)
    if any(unknown_placeholders(text) for text in kept.values()):
        raise PreparedAnswerError(UNKNOWN_PLACEHOLDER)
    return title, kept


def _summary(row: PreparedAnswer) -> dict[str, object]:
    return {"title": row.title, "languages": sorted(row.texts or {}), "active": row.active}


async def create(session: AsyncSession, quarter: str, title: str, texts: dict[str, str],
                 now: dt.datetime, actor: Actor | None = None) -> PreparedAnswer:
    title, texts = _cleaned(title, texts)
    row = PreparedAnswer(quarter=quarter, title=title, texts=texts, active=True, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    if actor is not None:
        record(session, now, actor, "prepared_answer.create", OBJECT, row.id, None, _summary(row))
    return row


async def update(session: AsyncSession, row: PreparedAnswer, title: str, texts: dict[str, str], active: bool,
                 now: dt.datetime, actor: Actor | None = None) -> bool:
    """False when nothing changed (then nothing is written, not even to the audit log)."""
    title, texts = _cleaned(title, texts)
    if (title, texts, active) == (row.title, row.texts or {}, row.active):
        return False
    before = _summary(row)
    changed_languages = sorted(code for code in {*texts, *(row.texts or {})}
                               if texts.get(code) != (row.texts or {}).get(code))
    row.title, row.texts, row.active, row.updated_at = title, texts, active, now
    await session.flush()
    if actor is not None:
        action = "prepared_answer.update" if changed_languages or title != before["title"] else \
            ("prepared_answer.activate" if active else "prepared_answer.deactivate")
        record(session, now, actor, action, OBJECT, row.id, before,
               {**_summary(row), "changed_languages": changed_languages})
    return True


async def delete(session: AsyncSession, row: PreparedAnswer, now: dt.datetime, actor: Actor | None = None) -> None:
    """Gone for good: answers already sent keep their words in the conversations."""
    if actor is not None:
        record(session, now, actor, "prepared_answer.delete", OBJECT, row.id, _summary(row), None)
    await session.delete(row)
    await session.flush()


async def listed(session: AsyncSession, quarter: str, *, only_active: bool = False) -> list[PreparedAnswer]:
    query = select(PreparedAnswer).where(PreparedAnswer.quarter == quarter)
    if only_active:
        query = query.where(PreparedAnswer.active.is_(True))
    return list(await session.scalars(query.order_by(PreparedAnswer.title, PreparedAnswer.id)))


async def get(session: AsyncSession, quarter: str, answer_id: int) -> PreparedAnswer | None:
    return await session.scalar(select(PreparedAnswer).where(PreparedAnswer.id == answer_id,
                                                             PreparedAnswer.quarter == quarter))


def text_for(row: PreparedAnswer, language: str) -> str | None:
    """The text in `language`; Leichte Sprache falls back to German. None: not written in that language."""
    texts = row.texts or {}
    return texts.get(language) or (texts.get("de") if language.startswith("de") else None)


def filled(text: str, question: Question, settings: Settings, translator: Translator) -> str:
    values = {"reference": question.reference, "hours": hours_text(translator, settings.office_hours),
              "address": settings.privacy_address}
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)
