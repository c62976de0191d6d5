"""The Bedarfsabfrage as residents meet it: by numbers on the console in four languages, both
branches, back and skip, wrong input, leaving and coming back, once per resident, anonymous."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.app import App, create_app
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock
from bot.db.models import ConversationState, Resident
from bot.surveys.models import SurveyAnswer, SurveyResponse, SurveySignup
from tests.support.chat import Chat
from tests.support.databases import HORST, Database, settings_for
from tests.support.survey import NEWCOMER_ANSWERS, NEWCOMER_BY_NUMBERS, number_of, stored_answers, stored_response

SURVEY = yaml.safe_load((HORST / "bedarfsabfrage.yaml").read_text(encoding="utf-8"))
@pytest.mark.parametrize("language", ["de", "ar", "ro", "de@easy"])
async def test_the_whole_survey_through_the_console_by_numbers(app: App, language: str) -> None:
    user = f"survey-{uuid.uuid4().hex}"
    await app.conversation.set_language(CONSOLE, user, language)
    stdout = io.StringIO()
    console = ConsoleChannel(app.conversation, user, language_hint=None,
                             stdin=io.StringIO("\n".join(NEWCOMER_BY_NUMBERS) + "\n"), stdout=stdout)
    await console.run(interactive=False)
    output = stdout.getvalue()
    assert SURVEY["introduction"][language].splitlines()[0] in output
    assert SURVEY["questions"][1]["text"][language] in output  # the newcomers' own question
    assert SURVEY["closing"][language] in output
    assert SURVEY["questions"][3]["text"][language] not in output  # not the old-established branch
    assert await stored_answers(app, Chat(app, channel=CONSOLE, user=user)) == NEWCOMER_ANSWERS
    response = await stored_response(app, Chat(app, channel=CONSOLE, user=user))
    assert response is not None and response.completed_on is not None and response.language == language
    async with app.sessions() as session:
        text_language = await session.scalar(select(SurveyAnswer.text_language).where(
            SurveyAnswer.response_id == response.id, SurveyAnswer.question == "ideas"))
    assert text_language == language  # free text is stored with its language


async def test_old_established_branch_back_and_skip(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/survey")
    assert "anonymous" in chat.text and "2 years" in chat.text
    await chat.tap("survey:go:bedarfsabfrage")
    assert "Question 1 of 12" in chat.text and "survey:s:living_in_horst" not in chat.payloads  # required
    await chat.tap("survey:a:living_in_horst:over_10_years")
    assert "What has changed in Horst" in chat.text and "Question 2 of 12" in chat.text
    await chat.tap("survey:s:changes")
    await chat.tap("survey:a:meeting_newcomers:4")
    assert "How old are you?" in chat.text
    await chat.tap("survey:b:age_group")
    assert "get to know new neighbours" in chat.text
    assert chat.last[-1].choices[3].shown_label == "✅ 4"  # the given answer is marked
    await chat.tap("survey:b:meeting_newcomers")
    await chat.tap("survey:b:changes")
    assert "How long have you been living in Horst?" in chat.text
    await chat.tap("survey:a:living_in_horst:under_1_year")  # changed their mind: the newcomer branch
    assert "What helped you when you arrived" in chat.text
    for _ in range(20):
        skip = next((payload for payload in chat.payloads if payload.startswith("survey:s:")), None)
        if skip is None:
            break
        await chat.tap(skip)
        if "Which offers do you miss" in chat.text:
            await chat.tap("survey:t:wanted_offers:sport")
            await chat.tap("survey:d:wanted_offers")
    assert "Thank you very much" in chat.text
    answers = await stored_answers(app, chat)
    assert answers["living_in_horst"] == "under_1_year" and answers["wanted_offers"] == ["sport"]
    assert "changes" not in answers and "meeting_newcomers" not in answers  # the other branch is dropped
    assert answers["age_group"] == "(skipped)"


async def test_wrong_input_gets_a_clear_message_and_the_same_question(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/survey")
    await chat.tap("survey:go:bedarfsabfrage")
    await chat.say("maybe on the moon")
    assert "Please choose one of the answers" in chat.text and "How long have you been living" in chat.text
    await chat.say("9")  # there is no ninth button
    assert "Please choose one of the answers" in chat.text
    await chat.say(number_of(chat, "survey:a:living_in_horst:3_to_10_years"))
    await chat.tap("survey:s:changes")
    await chat.tap("survey:s:meeting_newcomers")
    await chat.tap("survey:s:age_group")
    assert "How many children" in chat.text
    await chat.say("99")
    assert "99 is not possible here. Please type a number from 0 to 15." in chat.text
    await chat.say("two")
    assert "Please type only a number" in chat.text and "How many children" in chat.text
    await chat.say("٣")  # Arabic-Indic three
    assert (await stored_answers(app, chat))["children"] == 3
    await chat.tap("survey:s:home_languages")
    await chat.tap("survey:s:feel_at_home")
    await chat.tap("survey:d:wanted_offers")  # required, nothing ticked
    assert "Please choose at least one answer." in chat.text
    await chat.tap("survey:t:wanted_offers:culture")
    await chat.tap("survey:d:wanted_offers")
    await chat.tap("survey:s:preferred_times")
    await chat.tap("survey:s:barriers")
    await chat.say("x" * 501)
    assert "Your text is 501 characters long. Please shorten it to at most 500 characters." in chat.text
    await chat.say("A café, please")
    assert (await stored_answers(app, chat))["ideas"] == "A café, please"
    await chat.tap("survey:a:help_organise:maybe")  # a forged button
    assert "This menu is outdated" in chat.text


async def test_leaving_and_a_restart_lose_nothing(app: App, database: Database, tmp_path: Path,
                                                  clock: FixedClock) -> None:
    chat = Chat(app, language_hint="de")
    await chat.say("/start survey")  # the poster's deep link
    await chat.tap("survey:go:bedarfsabfrage")
    await chat.tap("survey:a:living_in_horst:under_1_year")
    await chat.tap("survey:t:arrival_help:work")  # ticked, not yet done
    await chat.say("/menu")
    await chat.say("Deutschkurs")  # looks for something else in between
    restarted = await create_app(settings_for(database, tmp_path), clock=clock, migrate=False,
                                 engine=database.engine)
    again = Chat(restarted, channel=chat.channel, user=chat.user, language_hint="de")
    await again.say("/survey")
    assert "Weitermachen" in again.text or "survey:go:bedarfsabfrage" in again.payloads
    assert "survey:new:bedarfsabfrage" in again.payloads
    await again.tap("survey:go:bedarfsabfrage")
    assert "✅ Hilfe bei der Arbeitssuche" in [choice.shown_label for choice in again.last[-1].choices]
    await again.tap("survey:d:arrival_help")
    assert (await stored_answers(restarted, again))["arrival_help"] == ["work"]
    await again.say("/survey")
    await again.tap("survey:new:bedarfsabfrage")  # start again
    assert "Frage 1 von 12" in again.text or "Question 1 of 12" in again.text
    assert await stored_answers(restarted, again) == {}


async def test_one_response_per_resident_and_version(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/survey")
    await chat.tap("survey:go:bedarfsabfrage")
    await chat.tap("survey:a:living_in_horst:not_living_here")
    old_button = "survey:a:age_group:18_to_29"
    await answer_rest_by_skipping(chat)
    assert len(chat.last) == 1 and "offers:home" in chat.payloads  # the thanks on top of the menu, one message
    await chat.say("/survey")
    assert "You have already taken part in this survey" in chat.text and len(chat.last) == 1
    await chat.tap("survey:go:bedarfsabfrage")
    assert "You have already taken part in this survey" in chat.text
    await chat.tap(old_button)
    assert "You have already taken part in this survey" in chat.text
    response = await stored_response(app, chat)
    assert response is not None and response.completed_on is not None
    async with app.sessions() as session:
        resident_id = await session.scalar(select(Resident.id).where(Resident.channel_user_id == chat.user))
        assert not await session.scalar(select(func.count(SurveyResponse.id)).where(
            SurveyResponse.resident_id == resident_id))  # no second, unfinished one either


async def answer_rest_by_skipping(chat: Chat) -> None:
    while "Thank you very much" not in chat.text:
        payloads = chat.payloads
        skip = next((payload for payload in payloads if payload.startswith("survey:s:")), None)
        if skip is not None:
            await chat.tap(skip)
        else:  # the required multiple choice
            await chat.tap(next(payload for payload in payloads if payload.startswith("survey:t:")))
            await chat.tap(next(payload for payload in chat.payloads if payload.startswith("survey:d:")))


async def test_a_completed_response_keeps_nothing_that_points_at_its_resident(app: App) -> None:
    chats = []
    for living, ticked in (("over_10_years", "safety"), ("3_to_10_years", "fewer_shops")):
        chat = Chat(app, language_hint="en")
        await chat.say("/survey")
        await chat.tap("survey:go:bedarfsabfrage")
        await chat.tap(f"survey:a:living_in_horst:{living}")
        await chat.tap(f"survey:t:changes:{ticked}")
        in_progress = await stored_response(app, chat)
        assert in_progress is not None and in_progress.resident_id is not None  # the link while answering
        await answer_rest_by_skipping(chat)
        chats.append(chat)
    flow_states = []
    for chat in chats:
        response = await stored_response(app, chat)
        assert response is not None and response.completed_on is not None
        async with app.sessions() as session:
            resident = await session.scalar(select(Resident).where(Resident.channel_user_id == chat.user))
            assert resident is not None
            assert response.resident_id is None
            # Only the month is kept, so answers cannot be matched against when a resident was active.
            assert response.started_on == response.updated_on == response.completed_on
            assert response.completed_on.day == 1
            flow_states.append(dict((await session.execute(select(
                ConversationState.flow, ConversationState.data).where(
                ConversationState.resident_id == resident.id))).all()))
    # Nothing of the survey stays next to the resident, whatever they answered.
    assert all("survey" not in states for states in flow_states)
    assert [states["_core"].get("nav") for states in flow_states] == [[], []]


async def test_help_organise_leads_to_a_separate_signup_with_consent(app: App, clock: FixedClock) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/survey")
    await chat.tap("survey:go:bedarfsabfrage")
    await chat.tap("survey:a:living_in_horst:under_1_year")
    while "help shape or organise" not in chat.text:
        skip = next((payload for payload in chat.payloads if payload.startswith("survey:s:")), None)
        if skip:
            await chat.tap(skip)
        else:
            await chat.tap("survey:t:wanted_offers:neighbourly_help")
            await chat.tap("survey:d:wanted_offers")
    await chat.tap("survey:a:help_organise:yes")
    assert "Thank you very much" in chat.text and "Do you agree?" in chat.text
    await chat.tap("survey:su:yes")
    await chat.say("Ay")
    assert "too short" in chat.text
    contact = f"Aylin, 0151 {uuid.uuid4().hex[:8]}"
    await chat.say(contact)
    await chat.say("A women's breakfast")
    assert "will get in touch" in chat.text
    async with app.sessions() as session:
        signup = await session.scalar(select(SurveySignup).where(SurveySignup.contact == contact))
    assert signup is not None
    assert (signup.topic, signup.language, signup.consent_version) == ("A women's breakfast", "en", 1)
    assert signup.consented_at == clock.now()
    assert not hasattr(signup, "response_id")


async def test_a_typed_number_in_a_text_question_is_the_answer_not_a_button(app: App) -> None:
    """The ideas question takes text; its buttons (Skip, Back) are listed without numbers on the console."""
    user = f"survey-{uuid.uuid4().hex}"
    await app.conversation.set_language(CONSOLE, user, "de")
    lines = [("2" if line == NEWCOMER_ANSWERS["ideas"] else line) for line in NEWCOMER_BY_NUMBERS]
    stdout = io.StringIO()
    console = ConsoleChannel(app.conversation, user, language_hint=None, stdin=io.StringIO("\n".join(lines) + "\n"),
                             stdout=stdout)
    await console.run(interactive=False)
    assert await stored_answers(app, Chat(app, channel=CONSOLE, user=user)) == {**NEWCOMER_ANSWERS, "ideas": "2"}
    ideas = stdout.getvalue().split(SURVEY["questions"][-2]["text"]["de"], 1)[1].split("> ", 1)[0]
    assert "  • " in ideas and "[1]" not in ideas, ideas
