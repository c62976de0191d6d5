"""Answers are kept as long as the introduction promises (retention_months), not a day longer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.app import App
from bot.surveys.models import SurveyAnswer, SurveySignup
from bot.surveys.retention import prune_expired
from tests.support.chat import Chat
from tests.support.survey import answer_survey, stored_response


async def test_answers_and_signups_are_deleted_after_the_promised_time(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await answer_survey(chat, {"living_in_horst": "under_1_year", "help_organise": "yes"})
    await chat.tap("survey:su:yes")
    await chat.say("Retention Test, 0209 000")
    await chat.tap("survey:su:skip")
    response = await stored_response(app, chat)
    assert response is not None
    today = app.clock.now().astimezone(app.settings.zone).date()
    async with app.sessions() as session, session.begin():
        await prune_expired(session, today + dt.timedelta(days=700))  # 23 months: still kept
    assert await stored_response(app, chat) is not None
    async with app.sessions() as session, session.begin():
        responses, signups = await prune_expired(session, dt.date(today.year + 2, today.month, today.day)
                                                 + dt.timedelta(days=1))
    assert responses >= 1 and signups >= 1
    assert await stored_response(app, chat) is None
    async with app.sessions() as session:
        assert not await session.scalar(select(func.count()).select_from(SurveyAnswer).where(
            SurveyAnswer.response_id == response.id))
        assert not await session.scalar(select(func.count()).select_from(SurveySignup).where(
            SurveySignup.contact == "Retention Test, 0209 000"))
