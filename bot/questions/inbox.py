"""The staff's inbox of questions: filtered, counted and paged in SQL, so it stays quick with tens of thousands
of conversations (benchmarks/back_office.py measures /questions).

The list shows what staff decide by: status, the resident's language and channel, age, who has it, and the
start of the question (escaped by the templates like everything a resident wrote).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import StaffAccount
from bot.questions.models import NEW, OPEN, RESIDENT, STATUSES, Question, QuestionMessage

PER_PAGE = 25
PREVIEW = 120
TO_DO = "todo"  # new or open: someone has to act
ALL = "all"
NOBODY = "nobody"
STATUS_FILTERS = (TO_DO, *STATUSES, ALL)


@dataclass(frozen=True)
class InboxFilter:
    status: str = TO_DO
    language: str = ""
    channel: str = ""
    assigned: str = ""  # "", "nobody" or an account id


@dataclass(frozen=True)
class InboxRow:
    id: int
    reference: str
    status: str
    language: str
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    assigned: str | None
    preview: str


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    page: int
    pages: int
    total: int


async def inbox_page(session: AsyncSession, quarter: str, where: InboxFilter, page: int = 1,
                     per_page: int = PER_PAGE) -> InboxPage:
    conditions = [Question.quarter == quarter]
    if where.status == TO_DO:
        conditions.append(Question.status.in_((NEW, OPEN)))
    elif where.status in STATUSES:
        conditions.append(Question.status == where.status)
    if where.language:
        conditions.append(Question.language == where.language)
    if where.channel:
        conditions.append(Question.channel == where.channel)
    if where.assigned == NOBODY:
        conditions.append(Question.assigned_account_id.is_(None))
    elif where.assigned.isdigit():
        conditions.append(Question.assigned_account_id == int(where.assigned))
    total = int(await session.scalar(select(func.count(Question.id)).where(*conditions)) or 0)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    # The longest-waiting first while there is something to do; otherwise the latest first.
    order = (Question.updated_at.asc() if where.status in (TO_DO, NEW, OPEN) else Question.updated_at.desc(),
             Question.id)
    found = (await session.execute(
        select(Question.id, Question.reference, Question.status, Question.language, Question.channel,
               Question.created_at, Question.updated_at, StaffAccount.name)
        .outerjoin(StaffAccount, StaffAccount.id == Question.assigned_account_id)
        .where(*conditions).order_by(*order).offset((page - 1) * per_page).limit(per_page))).all()
    previews = await _first_words(session, [row.id for row in found])
    rows = [InboxRow(row.id, row.reference, row.status, row.language, row.channel, row.created_at, row.updated_at,
                     row.name, previews.get(row.id, "")) for row in found]
    return InboxPage(rows, page, pages, total)


async def _first_words(session: AsyncSession, question_ids: list[int]) -> dict[int, str]:
    if not question_ids:
        return {}
    first = (select(func.min(QuestionMessage.id)).where(QuestionMessage.question_id.in_(question_ids),
                                                        QuestionMessage.author == RESIDENT)
             .group_by(QuestionMessage.question_id))
    rows = await session.execute(select(QuestionMessage.question_id, func.substr(QuestionMessage.text, 1, PREVIEW))
                                 .where(QuestionMessage.id.in_(first)))
    return {question_id: text for question_id, text in rows.all()}


async def to_do_count(session: AsyncSession, quarter: str) -> int:
    """New or open questions: the start page's counter."""
    return int(await session.scalar(select(func.count(Question.id)).where(
        Question.quarter == quarter, Question.status.in_((NEW, OPEN)))) or 0)


async def question_in_quarter(session: AsyncSession, quarter: str, question_id: int, *,
                              for_update: bool = False) -> Question | None:
    """The question if it is of `quarter`. `for_update` locks its row for the transaction (PostgreSQL; SQLite
    writes one at a time anyway), so two answers sent at once are made one after the other."""
    query = select(Question).where(Question.id == question_id, Question.quarter == quarter)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)
