"""Machine translation around a conversation: the resident's words into German beside the original for staff,
and a staff member's German into the resident's language before it is sent.

Each resident message is translated once and the German kept with it (`QuestionMessage.german`), so opening a
conversation again asks the service nothing. When the service is missing or fails, the conversation shows the
originals and says why; nothing else depends on it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.questions.models import RESIDENT, Question
from bot.translate import LibreTranslate, TranslationUnavailable

STAFF_LANGUAGE = "de"


def needs_german(language: str) -> bool:
    return not language.startswith(STAFF_LANGUAGE)


async def german_beside(session: AsyncSession, question: Question, client: LibreTranslate) -> str | None:
    """Fill in the German of the resident's messages that lack it; the reason if the service failed."""
    for message in question.messages:
        if message.author != RESIDENT or message.german is not None:
            continue
        source = message.detected_language or message.language
        if not needs_german(source):
            continue
        try:
            translation = await client.translate(message.text, STAFF_LANGUAGE, source)
        except TranslationUnavailable as error:
            return str(error)
        message.german = translation.text
    await session.flush()
    return None


async def into_language(client: LibreTranslate, german: str, language: str) -> str:
    """Staff's German in the resident's language; raises TranslationUnavailable."""
    if not needs_german(language):
        return german
    return (await client.translate(german, language, STAFF_LANGUAGE)).text
