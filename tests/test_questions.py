"""Residents' questions to the team: their course from asked to done, who may touch them, and how long
they are kept; the same domain functions serve the chat, the staff's chat and the back office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.db.models import Resident
from bot.privacy.erasure import erase_resident
from bot.privacy.export import export_resident
from bot.privacy.retention import prune
from bot.questions.models import DONE, NEW, OPEN, WAITING, WITHDRAWN, Question, QuestionMessage, QuestionNote
from bot.questions.store import (
    MAX_TEXT,
    QuestionClosed,
    TooLong,
    add_from_resident,
    answer,
    ask,
    by_reference,
    close,
    note,
    questions_of,
    withdraw,
)
from tests.support.questions import resident_of


async def test_a_question_from_asked_to_done(app: App) -> None:
    resident, now = await resident_of(app), app.clock.now()
    async with app.sessions() as session, session.begin():
        question = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="ro",
                             text="Am primit o scrisoare de la Jobcenter.", now=now)
        assert re.fullmatch(r"F-[A-Z0-9]{5}", question.reference) and question.status == NEW
        await add_from_resident(session, question, text="Scrisoarea e din 1 decembrie.", language="ro", now=now)
        assert question.status == NEW  # nobody has answered yet
        later = now + dt.timedelta(hours=14)
        await answer(session, question, account_id=None, text="Veniți cu scrisoarea marți.", language="ro",
                     now=later, machine_translated=True)
        assert question.status == WAITING and question.first_answer_at == later
        await add_from_resident(session, question, text="Mulțumesc, vin marți.", language="ro", now=later)
        assert question.status == OPEN
        await note(session, question, account_id=None, text="Termin am Dienstag", now=later)
        await close(session, question, topic="letters", now=later)
        assert question.status == DONE and question.closed_at == later
        with pytest.raises(QuestionClosed):
            await add_from_resident(session, question, text="Încă ceva", language="ro", now=later)
        with pytest.raises(QuestionClosed):
            await answer(session, question, account_id=None, text="Noch etwas", language="ro", now=later)
        reference = question.reference
    async with app.sessions() as session:
        [found] = await questions_of(session, resident.id)
        assert [(message.author, message.machine_translated) for message in found.messages] == [
            ("resident", False), ("resident", False), ("staff", True), ("resident", False)]
        assert (await by_reference(session, "horst", reference.lower())) is not None
        assert (await by_reference(session, "another-quarter", reference)) is None


async def test_only_ones_own_open_question_can_be_withdrawn_and_texts_are_bounded(app: App) -> None:
    mine, other, now = await resident_of(app), await resident_of(app), app.clock.now()
    async with app.sessions() as session, session.begin():
        question = await ask(session, resident_id=mine.id, quarter="horst", channel="test", language="ro",
                             text="Unde găsesc un curs de germană?", now=now)
        assert not await withdraw(session, other.id, question.id, now)  # made-up button data
        assert await withdraw(session, mine.id, question.id, now)
        assert not await withdraw(session, mine.id, question.id, now)  # once
        with pytest.raises(TooLong):
            await ask(session, resident_id=mine.id, quarter="horst", channel="test", language="ro",
                      text="x" * (MAX_TEXT + 1), now=now)
        with pytest.raises(ValueError, match="empty"):
            await ask(session, resident_id=mine.id, quarter="horst", channel="test", language="ro", text="  ",
                      now=now)
    async with app.sessions() as session:
        [withdrawn] = await questions_of(session, mine.id)
    assert withdrawn.status == WITHDRAWN and withdrawn.closed_at is not None


async def test_closed_questions_are_deleted_after_their_keeping_time_and_open_ones_stay(app: App) -> None:
    resident, now = await resident_of(app), app.clock.now()
    async with app.sessions() as session, session.begin():
        old = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="ro",
                        text="Întrebare veche", now=now - dt.timedelta(days=200))
        await close(session, old, topic="other", now=now - dt.timedelta(days=100))
        recent = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="ro",
                           text="Întrebare nouă", now=now - dt.timedelta(days=80))
        await close(session, recent, topic="other", now=now - dt.timedelta(days=60))
        still_open = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="ro",
                               text="Întrebare deschisă", now=now - dt.timedelta(days=300))
        await note(session, old, account_id=None, text="intern", now=now - dt.timedelta(days=100))
        ids = {old.id, recent.id, still_open.id}
    pruned = await prune(app.sessions, now, app.settings)  # three months by default
    assert pruned.counts["closed questions"] >= 1
    async with app.sessions() as session:
        left = set(await session.scalars(select(Question.id).where(Question.id.in_(ids))))
        notes = await session.scalar(select(func.count()).select_from(QuestionNote)
                                     .where(QuestionNote.question_id == old.id))
    assert left == {recent.id, still_open.id} and notes == 0


async def test_a_residents_questions_are_in_their_data_and_go_when_they_erase_it(app: App) -> None:
    resident, now = await resident_of(app), app.clock.now()
    async with app.sessions() as session, session.begin():
        question = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="ro",
                             text="Proprietarul vrea să ies din apartament.", now=now)
        await answer(session, question, account_id=None, text="Mergeți la consilierea pentru chiriași.",
                     language="ro", now=now)
        question_id = question.id
    async with app.sessions() as session:
        row = await session.get(Resident, resident.id)
        assert row is not None
        data = await export_resident(session, row, now)
    [exported] = data["questions_to_the_team"]
    assert [message["text"] for message in exported["messages"]] == [
        "Proprietarul vrea să ies din apartament.", "Mergeți la consilierea pentru chiriași."]
    async with app.sessions() as session, session.begin():
        row = await session.get(Resident, resident.id)
        assert row is not None
        erased = await erase_resident(session, row, now)
    assert erased.questions == 1
    async with app.sessions() as session:
        assert await session.get(Question, question_id) is None
        assert await session.scalar(select(func.count()).select_from(QuestionMessage)
                                    .where(QuestionMessage.question_id == question_id)) == 0
