"""The attacker's test: can the database link a completed survey response to its resident?

Forty residents in four languages start the survey on different days, answer, and complete it
in another order; some sign up for contact afterwards, some search for offers later. Then an
attacker with the whole database tries every join that linked responses to residents before:
ranking responses by id, by row order (rowid, or ctid on PostgreSQL) and by dates against the
residents ranked by their ids, first and last activity, their flow states' times and their
sign-ups, always within the same language, plus a direct look for survey traces in the
residents' states. Only the test knows the truth (it watches the bot cut each link, see
tests/support/survey.py). As a control, the same attack against responses kept in the order of
completion must link most of them, or the attack itself would be too weak to prove anything.

A random guess within a language group of ten gets about one right per group, four in all;
an attack that gets more than 15 of 40 right is a link, and fails the test (a random guess does
that about once in a hundred thousand runs).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select, text

from bot.app import App
from bot.clock import FixedClock
from bot.db.models import ConversationState, Resident
from bot.privacy.retention import shuffle_survey_storage
from bot.surveys.models import Survey, SurveyParticipation, SurveyResponse, SurveySignup
from tests.support.chat import Chat
from tests.support.databases import BERLIN
from tests.support.survey import SURVEY, completed_responses, current_question

LANGUAGES = ("de", "ar", "ro", "uk")
PER_LANGUAGE = 10
CHANCE_CEILING = 15  # of 40; chance is about 4 (see the module docstring)


async def answer_first(chat: Chat) -> None:
    await chat.say("/survey")
    await chat.tap(f"survey:go:{SURVEY}")
    await chat.tap("survey:a:living_in_horst:over_10_years")


async def finish(chat: Chat, rng: random.Random) -> None:
    for _ in range(40):
        question = current_question(chat)
        if question is None:
            return
        skip = f"survey:s:{question}"
        if skip in chat.payloads and rng.random() < 0.5:
            await chat.tap(skip)
            continue
        options = [p for p in chat.payloads if p.startswith((f"survey:a:{question}:", f"survey:t:{question}:"))]
        if options:
            await chat.tap(rng.choice(options))
            if f"survey:d:{question}" in chat.payloads:
                await chat.tap(f"survey:d:{question}")
        else:
            await chat.say(str(rng.randint(0, 3)) if "number" in chat.text.lower() else "Mehr Bänke im Park")
    raise AssertionError(f"the survey did not end: {chat.text}")


def correct_links(residents: Sequence[int], responses: Sequence[int], truth: dict[int, int]) -> int:
    """The attacker pairs the i-th resident with the i-th response; how many pairs are right."""
    return sum(truth.get(resident) == response for resident, response in zip(residents, responses, strict=False))


async def test_no_join_links_completed_responses_to_residents_better_than_chance(own: App, clock: FixedClock) -> None:
    rng = random.Random(20261207)
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    chats = [Chat(own, language_hint=language) for language in LANGUAGES for _ in range(PER_LANGUAGE)]
    starting = chats[:]
    rng.shuffle(starting)
    for chat in starting:  # first contact and the survey's start, spread over the first days of the month
        clock.advance(dt.timedelta(minutes=rng.randint(20, 400)))
        await answer_first(chat)
    finishing = sorted(chats, key=lambda chat: starting.index(chat) + rng.randint(-6, 6))
    for chat in finishing:  # completion in nearly, not quite, the same order, over more days
        clock.advance(dt.timedelta(minutes=rng.randint(20, 400)))
        await finish(chat, rng)
        if "survey:su:yes" in chat.payloads:  # they said they would help organise something
            if rng.random() < 0.6:
                await chat.tap("survey:su:yes")
                await chat.say(f"Nachbar {rng.randint(100, 999)}, Telefon im Laden")
                await chat.tap("survey:su:skip")
            else:
                await chat.tap("survey:su:no")
        if rng.random() < 0.4:
            await chat.say("Deutschkurs")  # some stay and do something else
    assert clock.now().month == 12  # one month: the month is what stays, as the README says

    async with own.sessions() as session:
        survey_id = await session.scalar(select(Survey.id).where(Survey.quarter == own.settings.quarter,
                                                                 Survey.key == SURVEY, Survey.active.is_(True)))
        residents = {row.id: row for row in (await session.scalars(select(Resident))).all()}
        participants = set((await session.scalars(select(SurveyParticipation.resident_id).where(
            SurveyParticipation.survey_id == survey_id))).all())
        responses = (await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                                        SurveyResponse.completed_on.is_not(None)))).all()
        states = (await session.scalars(select(ConversationState))).all()
        signups = {row.resident_id: row for row in (await session.scalars(select(SurveySignup))).all()}
    await shuffle_survey_storage(own.engine)  # what `run` does every few minutes on PostgreSQL
    async with own.sessions() as session:
        physical = await physical_order(session, own.engine.dialect.name)
    truth = completed_responses(own, survey_id)
    assert len(participants) == len(responses) == len(chats) and set(truth) == participants

    # Nothing next to the resident names the survey, and no response names the resident.
    assert not [state for state in states if state.flow == "survey" or "survey" in str(state.data.get("nav", ""))]
    assert all(response.resident_id is None for response in responses)
    assert {(r.started_on, r.updated_on, r.completed_on) for r in responses} == {(dt.date(2026, 12, 1),) * 3}

    last_state: dict[int, dt.datetime] = {}
    for state in states:
        last_state[state.resident_id] = max(state.updated_at, last_state.get(state.resident_id, state.updated_at))
    resident_orders: dict[str, Callable[[int], Any]] = {
        "resident id": lambda rid: rid,
        "first seen": lambda rid: residents[rid].created_at,
        "last seen": lambda rid: residents[rid].last_seen_at,
        "last flow state": lambda rid: last_state.get(rid, dt.datetime.min.replace(tzinfo=dt.UTC)),
        "sign-up time": lambda rid: signups[rid].consented_at if rid in signups else dt.datetime.max.replace(
            tzinfo=dt.UTC),
    }
    response_orders: dict[str, Callable[[SurveyResponse], Any]] = {
        "response id": lambda response: response.id,
        "row order": lambda response: physical.get(response.id, 0),
        "dates": lambda response: (response.started_on, response.completed_on, response.id),
    }
    results = {}
    for language in LANGUAGES:
        group = [rid for rid in participants if residents[rid].language == language]
        answered = [response for response in responses if response.language == language]
        for resident_name, resident_key in resident_orders.items():
            for response_name, response_key in response_orders.items():
                for reverse in (False, True):
                    ranked_residents = sorted(group, key=resident_key)
                    ranked_responses = [r.id for r in sorted(answered, key=response_key, reverse=reverse)]
                    name = f"{resident_name} ~ {response_name}{' (reversed)' if reverse else ''}"
                    results[name] = results.get(name, 0) + correct_links(ranked_residents, ranked_responses, truth)
    # The control: had the responses kept the order of completion (as ids in start order nearly did),
    # the same attack would have linked most of them; so the attack can find a link where there is one.
    completion_rank = {truth[resident_id_of(own, chat, residents)]: rank for rank, chat in enumerate(finishing)}
    leaked = 0
    for language in LANGUAGES:
        group = sorted((rid for rid in participants if residents[rid].language == language),
                       key=resident_orders["last flow state"])
        answered = sorted((r.id for r in responses if r.language == language), key=completion_rank.__getitem__)
        leaked += correct_links(group, answered, truth)
    print("\n".join(f"{name}: {count} of {len(chats)}" for name, count in sorted(results.items())))
    print(f"control, responses in completion order: {leaked} of {len(chats)}")
    assert leaked >= 30
    assert max(results.values()) <= CHANCE_CEILING, results


def resident_id_of(app: App, chat: Chat, residents: dict[int, Resident]) -> int:
    return next(rid for rid, row in residents.items() if row.channel_user_id == chat.user)


async def physical_order(session: Any, dialect: str) -> dict[int, int]:
    """Where each response sits in the table file: rowid on SQLite (its random key), ctid on PostgreSQL."""
    if dialect == "postgresql":
        rows = (await session.execute(text("SELECT id FROM survey_responses ORDER BY ctid"))).all()
    else:
        rows = (await session.execute(text("SELECT id FROM survey_responses ORDER BY rowid"))).all()
    return {row.id: position for position, row in enumerate(rows)}
