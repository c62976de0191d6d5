"""Asking, adding to, answering, withdrawing and closing a question: the same functions for the chat, the
staff's chat and the back office, so each action has the same effects wherever it is taken.

A question moves new → (answered) waiting → (the resident writes again) open → … → done; the resident may
withdraw it while it is not done. A closed question takes no more messages: a new one is asked instead.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.language_detection import differs
from bot.questions.models import (
    ACTIVE,
    DONE,
    NEW,
    OPEN,
    RESIDENT,
    STAFF,
    WAITING,
    WITHDRAWN,
    Question,
    QuestionMessage,
    QuestionNote,
)

MAX_TEXT = 4000  # characters of one message; longer is refused with the length (a letter fits)
REFERENCE_LETTERS = "ACDEFGHJKLMNPQRTUVWXY34679"  # nothing that reads as another letter or digit
REFERENCE_LENGTH = 5


class QuestionClosed(Exception):
    """The question is done or withdrawn: it takes no more messages."""


class TooLong(ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(f"{length} characters, at most {MAX_TEXT}")
        self.length = length


def _checked(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("empty")
    if len(text) > MAX_TEXT:
        raise TooLong(len(text))
    return text


async def _new_reference(session: AsyncSession) -> str:
    """A short reference residents can read out at the counter, unique among all questions."""
    while True:
        reference = "F-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(REFERENCE_LENGTH))
        if await session.scalar(select(Question.id).where(Question.reference == reference)) is None:
            return reference


async def ask(session: AsyncSession, *, resident_id: int, quarter: str, channel: str, language: str, text: str,
              now: dt.datetime) -> Question:
    question = Question(reference=await _new_reference(session), quarter=quarter, resident_id=resident_id,
                        channel=channel, language=language, status=NEW, created_at=now, updated_at=now)
    text = _checked(text)
    question.messages.append(QuestionMessage(author=RESIDENT, text=text, language=language, created_at=now,
                                             detected_language=differs(text, language)))
    session.add(question)
    await session.flush()
    return question


async def add_from_resident(session: AsyncSession, question: Question, *, text: str, language: str,
                            now: dt.datetime) -> QuestionMessage:
    """The resident adds to their question or replies to an answer: staff have something to do again."""
    if question.status not in ACTIVE:
        raise QuestionClosed
    text = _checked(text)
    message = QuestionMessage(author=RESIDENT, text=text, language=language, created_at=now,
                              detected_language=differs(text, language))
    question.messages.append(message)
    question.status = NEW if question.first_answer_at is None else OPEN
    question.updated_at = now
    await session.flush()
    return message


async def answer(session: AsyncSession, question: Question, *, account_id: int | None, text: str, language: str,
                 now: dt.datetime, machine_translated: bool = False) -> QuestionMessage:
    """A staff answer, in the resident's language (`language`); the question then waits for the resident."""
    if question.status not in ACTIVE:
        raise QuestionClosed
    message = QuestionMessage(author=STAFF, account_id=account_id, text=_checked(text), language=language,
                              machine_translated=machine_translated, created_at=now)
    question.messages.append(message)
    question.status = WAITING
    question.first_answer_at = question.first_answer_at or now
    question.updated_at = now
    await session.flush()
    return message


def last_message_id(question: Question) -> int:
    """The newest message's id. A staff form carries it, and an answer made from a form older than the newest
    message is refused: the second of a double submit, or an answer crossing the resident's new message."""
    return max((message.id for message in question.messages), default=0)


async def notes_of(session: AsyncSession, question_id: int) -> list[QuestionNote]:
    return list(await session.scalars(select(QuestionNote).where(QuestionNote.question_id == question_id)
                                      .order_by(QuestionNote.id)))


async def note(session: AsyncSession, question: Question, *, account_id: int | None, text: str,
               now: dt.datetime) -> QuestionNote:
    row = QuestionNote(question_id=question.id, account_id=account_id, text=_checked(text), created_at=now)
    session.add(row)
    await session.flush()
    return row


async def close(session: AsyncSession, question: Question, *, topic: str, now: dt.datetime) -> None:
    """Done, with the topic staff give it for the figures; the keeping time runs from now."""
    question.status, question.topic = DONE, topic[:40]
    question.updated_at = question.closed_at = now
    await session.flush()


async def withdraw(session: AsyncSession, resident_id: int, question_id: int, now: dt.datetime) -> bool:
    """The resident takes back their own question; False for anyone else's (made-up button data) or a closed one."""
    result = await session.execute(
        update(Question).where(Question.id == question_id, Question.resident_id == resident_id,
                               Question.status.in_(ACTIVE))
        .values(status=WITHDRAWN, updated_at=now, closed_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def questions_of(session: AsyncSession, resident_id: int) -> list[Question]:
    """The resident's questions, newest first ("my questions")."""
    return list(await session.scalars(select(Question).where(Question.resident_id == resident_id)
                                      .order_by(Question.created_at.desc(), Question.id.desc())))


async def own_question(session: AsyncSession, resident_id: int, question_id: int) -> Question | None:
    """One of the resident's questions, named by a button; None for anyone else's."""
    return await session.scalar(select(Question).where(Question.id == question_id,
                                                       Question.resident_id == resident_id))


async def by_reference(session: AsyncSession, quarter: str, reference: str) -> Question | None:
    """A question named by its reference (staff answering from their chat with `/answer REF …`)."""
    return await session.scalar(select(Question).where(Question.quarter == quarter,
                                                       Question.reference == reference.strip().upper()))


async def assign(session: AsyncSession, question: Question, account_id: int | None, now: dt.datetime) -> None:
    """Take a question (or give it to a colleague, or to nobody): their chats are told of the resident's replies."""
    question.assigned_account_id = account_id
    question.updated_at = now
    await session.flush()


async def helped(session: AsyncSession, resident_id: int, question_id: int, now: dt.datetime) -> Question | None:
    """The resident says the answer helped: the question is done (staff may still give it a topic). None for
    anyone else's question, or one that is not waiting for the resident (already done, withdrawn, or new)."""
    question = await own_question(session, resident_id, question_id)
    if question is None or question.status not in (WAITING, OPEN) or question.first_answer_at is None:
        return None
    question.status = DONE
    question.updated_at = question.closed_at = now
    await session.flush()
    return question


async def message_of(session: AsyncSession, question_id: int, message_id: int) -> QuestionMessage | None:
    return await session.scalar(select(QuestionMessage).where(QuestionMessage.id == message_id,
                                                              QuestionMessage.question_id == question_id))


async def question_by_id(session: AsyncSession, question_id: int) -> Question | None:
    return await session.get(Question, question_id)
