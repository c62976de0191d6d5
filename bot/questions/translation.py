"""Machine translation around a conversation: the resident's words into German beside the original for staff,
and a staff member's German into the resident's language before it is sent.

Each resident message is translated once and the German kept with it (`QuestionMessage.german`), so opening a
conversation again asks the service nothing. When the service is missing or fails, the conversation shows the
originals and says why; nothing else depends on it.

The service is asked with no database transaction open: `untranslated` reads what is needed, the caller gives
its connection back, `german_for` asks the service, and `keep_german` stores the answers by message id (a
message erased meanwhile is simply not updated).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.questions.models import RESIDENT, Question, QuestionMessage
from bot.translate import LibreTranslate, TranslationUnavailable

STAFF_LANGUAGE = "de"


@dataclass(frozen=True)
class Pending:
    message_id: int
    text: str
    source: str


def needs_german(language: str) -> bool:
    return not language.startswith(STAFF_LANGUAGE)


def untranslated(question: Question) -> list[Pending]:
    """The resident's messages of another language that have no German beside them yet."""
    return [Pending(message.id, message.text, message.detected_language or message.language)
            for message in question.messages
            if message.author == RESIDENT and message.german is None
            and needs_german(message.detected_language or message.language)]


async def german_for(pending: list[Pending], client: LibreTranslate) -> tuple[dict[int, str], str | None]:
    """German for each pending message (by id), as far as the service answers; the reason if it failed."""
    german: dict[int, str] = {}
    for message in pending:
        try:
            german[message.message_id] = (await client.translate(message.text, STAFF_LANGUAGE, message.source)).text
        except TranslationUnavailable as error:
            return german, str(error)
    return german, None


async def keep_german(session: AsyncSession, question: Question, german: dict[int, str]) -> None:
    for message_id, text in german.items():
        await session.execute(update(QuestionMessage).where(QuestionMessage.id == message_id,
                                                            QuestionMessage.german.is_(None)).values(german=text))
    for message in question.messages:  # the page shows what was just stored
        if message.id in german:
            message.german = german[message.id]


async def into_language(client: LibreTranslate, german: str, language: str) -> str:
    """Staff's German in the resident's language; raises TranslationUnavailable."""
    if not needs_german(language):
        return german
    return (await client.translate(german, language, STAFF_LANGUAGE)).text
