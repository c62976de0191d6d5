"""Taking the Bedarfsabfrage in a test, and reading a resident's stored answers, as only a test can once the
survey is complete.

While a response is in progress it is linked to the resident. On completion the bot cuts that
link for good, so a test watches it happen: an ORM hook notes which response each resident's
link was cut from (in this process only; the bot keeps no such record).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select

from bot.app import App
from bot.db.models import Resident
from bot.surveys.models import Survey, SurveyResponse
from tests.support.chat import Chat

SURVEY = "bedarfsabfrage"

# The newcomer branch typed as numbers only; the layout is the same in every language.
NEWCOMER_BY_NUMBERS = [
    "/survey", "1",            # introduction → start
    "2",                       # living in Horst: 1 to 3 years
    "1", "3", "8",             # what helped: authorities, neighbours, done
    "1",                       # know people: yes
    "3",                       # age: 30 to 49
    "2",                       # children: 2 (typed number is the answer, not the second button)
    "1", "4", "11",            # languages at home: German, Romanian, done
    "4",                       # feel at home: 4
    "1", "2", "11",            # wanted: meeting places, language courses, done
    "4", "5",                  # times: weekend, done
    "1", "8",                  # barriers: language, done
    "Ein Sprachcafé wäre schön",
    "2",                       # help organise: no
]
NEWCOMER_ANSWERS = {
    "living_in_horst": "1_to_3_years", "arrival_help": ["authorities", "neighbours"], "know_people": "yes",
    "age_group": "30_to_49", "children": 2, "home_languages": ["german", "romanian"], "feel_at_home": 4,
    "wanted_offers": ["meeting", "language_courses"], "preferred_times": ["weekend"], "barriers": ["language"],
    "ideas": "Ein Sprachcafé wäre schön", "help_organise": "no",
}

# (database, survey id, resident id) → response id, seen at completion; tests of several databases share a process
_completed_by: dict[tuple[str, int, int], int] = {}


@event.listens_for(SurveyResponse, "before_update")
def _note_completion(_mapper: Any, connection: Any, response: SurveyResponse) -> None:
    history = inspect(response).attrs.resident_id.history
    if response.resident_id is None and history.deleted and history.deleted[0] is not None:
        _completed_by[(str(connection.engine.url), response.survey_id, history.deleted[0])] = response.id


def completed_responses(app: App, survey_id: int) -> dict[int, int]:
    """resident id → the id of the response they completed, in this app's database, as the test saw it."""
    url = str(app.engine.url)
    return {resident: response for (database, survey, resident), response in _completed_by.items()
            if database == url and survey == survey_id}


async def stored_response(app: App, chat: Chat, survey_key: str = SURVEY) -> SurveyResponse | None:
    async with app.sessions() as session:
        resident_id = await session.scalar(select(Resident.id).where(Resident.channel == chat.channel,
                                                                     Resident.channel_user_id == chat.user))
        survey = await session.scalar(select(Survey).where(Survey.quarter == app.settings.quarter,
                                                           Survey.key == survey_key, Survey.active.is_(True)))
        assert resident_id is not None and survey is not None
        response = await session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                                     SurveyResponse.resident_id == resident_id))
        completed = completed_responses(app, survey.id)
        if response is None and resident_id in completed:
            response = await session.get(SurveyResponse, completed[resident_id])
        return response


async def stored_answers(app: App, chat: Chat, survey_key: str = SURVEY) -> dict[str, Any]:
    """question → value, or "(skipped)"; empty when the resident has no response."""
    response = await stored_response(app, chat, survey_key)
    if response is None:
        return {}
    return {answer.question: "(skipped)" if answer.status == "skipped" else answer.value
            for answer in response.answers if answer.status != "picking"}


def number_of(chat: Chat, payload: str) -> str:
    """What a resident types to choose the button with `payload` in the last reply."""
    return str(chat.payloads.index(payload) + 1)


def current_question(chat: Chat) -> str | None:
    """The key of the question on screen, read from its buttons."""
    for payload in chat.payloads:
        parts = payload.split(":")
        if parts[0] == "survey" and parts[1] in ("a", "t", "d", "s", "b"):
            return parts[2]
    return None


async def answer_survey(chat: Chat, choices: dict[str, Any], *, stop_before: str | None = None) -> None:
    """Take the survey by buttons: the given answers, "skip" elsewhere, the first option where required.

    A number or text answer is typed; a list ticks several options of a multiple choice question.
    """
    await chat.say("/survey")
    await chat.tap(f"survey:go:{SURVEY}")
    for _ in range(40):
        question = current_question(chat)
        if question is None or question == stop_before:
            return
        wanted = choices.get(question)
        if isinstance(wanted, list) or (wanted is None and f"survey:d:{question}" in chat.payloads):
            ticks = wanted if wanted is not None else [] if f"survey:s:{question}" in chat.payloads else [
                next(payload for payload in chat.payloads if payload.startswith("survey:t:")).split(":")[3]]
            if not ticks:
                await chat.tap(f"survey:s:{question}")
                continue
            for option in ticks:
                await chat.tap(f"survey:t:{question}:{option}")
            await chat.tap(f"survey:d:{question}")
        elif wanted is None:
            await chat.tap(f"survey:s:{question}")
        elif f"survey:a:{question}:{wanted}" in chat.payloads:
            await chat.tap(f"survey:a:{question}:{wanted}")
        else:
            await chat.say(str(wanted))
    raise AssertionError(f"the survey did not end: {chat.text}")
