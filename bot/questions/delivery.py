"""How answers reach residents and new questions reach staff: through the outbox, so an answer written in the
evening is sent even if the bot restarts overnight, and a resident who blocked the bot is marked, not retried
for ever (bot/outbox/dispatcher.py).

The outbox keys name the question and the message, so a double click cannot send an answer twice, and staff
see each answer's delivery (pending, sent, not delivered) beside it in the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffAccount, StaffChatLink
from bot.config import Settings
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage
from bot.outbox.store import enqueue
from bot.questions.models import Question, QuestionMessage
from bot.questions.store import answer

ANSWER = "question_answer"  # outbox kinds; their texts are written by handlers/questions/notices.py
STAFF_NOTICE = "question_staff"
CARD_KINDS = ("offer", "event")


def answer_key(message: QuestionMessage) -> str:
    return f"question:{message.question_id}:answer:{message.id}"


async def send_answer(session: AsyncSession, question: Question, *, account_id: int | None, text: str,
                      language: str, now: dt.datetime, machine_translated: bool = False,
                      german: str | None = None, card: str | None = None) -> QuestionMessage:
    """Store a staff answer and put it in the outbox for the resident; both in the caller's transaction."""
    if card is not None and card.partition(":")[0] not in CARD_KINDS:
        raise ValueError(f"unknown card {card!r}")
    message = await answer(session, question, account_id=account_id, text=text, language=language, now=now,
                           machine_translated=machine_translated)
    message.german, message.card = german, card
    await session.flush()
    await enqueue(session, resident_id=question.resident_id, channel=question.channel, kind=ANSWER,
                  payload={"question": question.id, "message": message.id}, due_at=now, key=answer_key(message),
                  now=now)
    return message


async def deliveries(session: AsyncSession, messages: Sequence[QuestionMessage]) -> dict[int, str]:
    """Each staff answer's outbox status (pending, sending, sent, failed, dropped), by message id."""
    keys = {answer_key(message): message.id for message in messages}
    if not keys:
        return {}
    rows = await session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)
                                 .where(OutboxMessage.idempotency_key.in_(list(keys))))
    return {keys[key]: status for key, status in rows.all()}


async def staff_chats(session: AsyncSession, settings: Settings, account_id: int | None = None) -> list[Resident]:
    """The chats of linked, enabled staff accounts that the bot can write to (they have written to it once)
    and that are still configured as staff; of one account, or of all."""
    query = (select(Resident).join(StaffChatLink, (StaffChatLink.channel == Resident.channel)
                                   & (StaffChatLink.channel_user_id == Resident.channel_user_id))
             .join(StaffAccount, StaffAccount.id == StaffChatLink.account_id)
             .where(StaffAccount.disabled_at.is_(None), Resident.unreachable_since.is_(None)))
    if account_id is not None:
        query = query.where(StaffAccount.id == account_id)
    chats = (await session.scalars(query.order_by(Resident.id))).all()
    return [chat for chat in chats if chat.channel_user_id in settings.staff_ids(chat.channel)]


async def tell_staff(session: AsyncSession, settings: Settings, question: Question, message: QuestionMessage,
                     now: dt.datetime) -> int:
    """Announce a new question, or a resident's new message, in the staff chats: the reference only, never the
    content (a staff phone's lock screen is not the place for it). A question someone took goes to them alone,
    unless none of their chats can be reached."""
    chats = []
    if question.assigned_account_id is not None:
        chats = await staff_chats(session, settings, question.assigned_account_id)
    chats = chats or await staff_chats(session, settings)
    told = 0
    for chat in chats:
        if chat.id == question.resident_id:
            continue  # a staff member trying the bot out is not told of their own question
        told += await enqueue(session, resident_id=chat.id, channel=chat.channel, kind=STAFF_NOTICE,
                              payload={"question": question.id, "message": message.id}, due_at=now,
                              key=f"question:{question.id}:staff:{message.id}:{chat.id}", now=now)
    return told


async def account_of_chat(session: AsyncSession, channel: str, channel_user_id: str) -> int | None:
    """The enabled staff account a staff chat is linked to (None: not linked), for "who answered"."""
    return await session.scalar(
        select(StaffAccount.id).join(StaffChatLink, StaffChatLink.account_id == StaffAccount.id)
        .where(StaffChatLink.channel == channel, StaffChatLink.channel_user_id == channel_user_id,
               StaffAccount.disabled_at.is_(None)))
