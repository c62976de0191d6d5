"""200 residents answering at the same time: every answer lands in its own response."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import App
from tests.support.chat import Chat
from tests.support.survey import answer_survey, stored_answers, stored_response

RESIDENTS = 200
LIVING = ["under_1_year", "1_to_3_years", "3_to_10_years", "over_10_years", "not_living_here"]
AGES = ["under_18", "18_to_29", "30_to_49", "50_to_64", "65_plus"]
OFFERS = ["meeting", "language_courses", "counselling", "children_youth", "seniors", "sport", "culture"]


def answers_of(index: int) -> dict[str, Any]:
    """Answers that differ from resident to resident, so a mix-up would show."""
    answers: dict[str, Any] = {
        "living_in_horst": LIVING[index % 5], "age_group": AGES[(index // 5) % 5], "children": index % 16,
        "wanted_offers": sorted({OFFERS[index % 7], OFFERS[(index // 7) % 7]}, key=OFFERS.index),
        "feel_at_home": index % 5 + 1, "ideas": f"idea of resident {index}", "help_organise": "no",
    }
    if index % 5 in (0, 1):
        answers["know_people"] = "yes" if index % 2 else "no"
    if index % 5 in (2, 3):
        answers["meeting_newcomers"] = (index // 3) % 5 + 1
    return answers


@pytest.mark.slow
async def test_200_residents_at_once_lose_and_mix_up_nothing(app: App) -> None:
    chats = [Chat(app, language_hint=["de", "ar", "ro", "tr"][index % 4]) for index in range(RESIDENTS)]
    await asyncio.gather(*(answer_survey(chat, answers_of(index)) for index, chat in enumerate(chats)))
    for index, chat in enumerate(chats):
        stored = {key: value for key, value in (await stored_answers(app, chat)).items() if value != "(skipped)"}
        assert stored == answers_of(index), f"resident {index}"
        response = await stored_response(app, chat)
        assert response is not None and response.completed_on is not None
