"""Residents use their DSGVO rights in the chat: the notice, my data as a file, delete everything, my consents.

The same rights are checked on every channel (console and core, Telegram against the emulation, Matrix
against a real Synapse) and for staff at the desk through the real `quartiersbot privacy` command.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from nio import RoomEncryptedFile
from sqlalchemy import Column, Table, func, select

from bot.app import App, create_app
from bot.channels.console import ConsoleChannel
from bot.channels.matrix import CHANNEL as MATRIX
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.clock import FixedClock
from bot.db.base import Base
from bot.db.models import Resident
from bot.events.changes import TOPIC_CONSENT_VERSION
from bot.events.models import Event, EventRegistration, TopicSubscription
from bot.events.seats import REGISTERED, SEAT_FREE, WAITING
from bot.i18n import Translator
from bot.outbox.models import OutboxMessage
from bot.queue.models import CANCELLED
from bot.surveys.definition import SurveyFile
from bot.surveys.importer import upsert_survey
from bot.surveys.models import SurveyAnswer, SurveyResponse, SurveySignup
from tests.support.chat import Chat
from tests.support.databases import BERLIN, HORST, TUESDAY_MORNING, Database, settings_for
from tests.support.events import make_event
from tests.support.matrix import PASSWORD, RunningBot, matrix_settings, new_bot_account, start_in_encrypted_dm
from tests.support.matrix_resident import MatrixResident
from tests.support.queue import queue_app, take_number, tickets
from tests.support.survey import SURVEY, answer_survey, stored_response
from tests.support.synapse import Synapse
from tests.support.telegram import Running, button, resident
from tests.support.telegram_emulator import BotApiEmulator, SentMessage

SECOND_SURVEY = "nachbarn"
DAY = "2026-11-26"  # a Thursday after the test's Tuesday morning
FILE_NAME = "my-data-quartiersbot.json"
NOTICE_CHOICES = ["privacy:data", "privacy:erase", "privacy:consents"]


# --- helpers ------------------------------------------------------------------------------------------------------

def resident_columns() -> list[tuple[Table, Column[int]]]:
    """Every column that points at a resident, so a table added later is checked without changing this test."""
    found = []
    for table in Base.metadata.tables.values():
        for key in table.foreign_keys:
            if key.column.table.name == "residents" and key.column.name == "id":
                found.append((table, key.parent))
    return found


async def rows_about(app: App, resident_id: int) -> dict[str, int]:
    """Rows that name `resident_id`, per table (the resident row itself included)."""
    counts = {}
    async with app.sessions() as session:
        counts["residents"] = int(await session.scalar(select(func.count()).select_from(Resident)
                                                       .where(Resident.id == resident_id)) or 0)
        for table, column in resident_columns():
            counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)
                                                          .where(column == resident_id)) or 0)
    return counts


async def resident_id(app: App, channel: str, user: str) -> int:
    async with app.sessions() as session:
        found = await session.scalar(select(Resident.id).where(Resident.channel == channel,
                                                               Resident.channel_user_id == user))
    assert found is not None
    return int(found)


async def world(database: Database, tmp_path: Path, clock: FixedClock) -> App:
    """A quarter of the test's own with a Sprechstunde and two surveys (one to complete, one to leave open)."""
    app = await queue_app(database, tmp_path, clock)
    raw = yaml.safe_load((HORST / "bedarfsabfrage.yaml").read_text(encoding="utf-8"))
    async with app.sessions() as session, session.begin():
        for key in (SURVEY, SECOND_SURVEY):
            await upsert_survey(session, SurveyFile.model_validate({**raw, "key": key}), app.settings.quarter, clock)
    return app


async def small_event(app: App) -> Event:
    return await make_event(app, f"{DAY}T18:00", f"{DAY}T20:00", registration={"required": True, "capacity": 1})


async def live_a_little(chat: Chat, event: Event, contact: str) -> None:
    """A seat (with its reminders), a topic, a waiting number, a completed survey with a contact sign-up,
    and a second survey begun."""
    await chat.say("/start")
    await chat.tap(f"events:reg:{event.id}:{DAY}")
    await chat.tap("events:sub:families")
    assert "A-" in await take_number(chat)
    await answer_survey(chat, {"living_in_horst": "under_1_year", "help_organise": "yes"})
    await chat.tap("survey:su:yes")
    await chat.say(contact)
    await chat.tap("survey:su:skip")
    await chat.tap(f"survey:go:{SECOND_SURVEY}")
    await chat.tap("survey:a:living_in_horst:under_1_year")


def shows_notice(chat: Chat) -> bool:
    """The notice's own buttons, then the core's (Menu, and Back where there is a way back)."""
    return len(chat.last) == 3 and chat.payloads[:3] == NOTICE_CHOICES and "menu" in chat.payloads


def erase_button(chat: Chat) -> str:
    return next(payload for payload in chat.payloads if payload.startswith("privacy:ex:"))


# --- the notice -------------------------------------------------------------------------------------------------

async def test_the_notice_names_who_is_responsible_from_the_settings(database: Database, tmp_path: Path,
                                                                    clock: FixedClock) -> None:
    settings = settings_for(database, tmp_path, privacy_controller="Stadtteilbüro Testhausen",
                            privacy_email="dsb@testhausen.example", retention_resident_months=7)
    app = await create_app(settings, clock=clock, migrate=False, engine=database.engine)
    chat = Chat(app, language_hint="en")
    await chat.say("/privacy")
    assert shows_notice(chat)
    assert "Stadtteilbüro Testhausen" in chat.text and "dsb@testhausen.example" in chat.text
    assert "7 months" in chat.text and "30 days" in chat.text and "24 months" in chat.text  # settings, survey file
    assert settings.privacy_authority in chat.text
    assert all(len(reply.text) <= 600 for reply in chat.last), [len(reply.text) for reply in chat.last]

    await chat.say("/help")
    assert "/privacy" in chat.text and "privacy:home" in chat.payloads
    await chat.tap("privacy:home")
    assert shows_notice(chat) and "dsb@testhausen.example" in chat.text
    for way in ("/datenschutz", "/start privacy"):
        other = Chat(app, language_hint="en")
        await other.say(way)
        assert shows_notice(other), way


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
async def test_the_notice_in_german_arabic_and_ukrainian(app: App, language: str) -> None:
    chat = Chat(app, language_hint=language)
    await chat.say("/help")
    await chat.tap("privacy:home")
    assert shows_notice(chat)
    assert app.settings.privacy_controller in chat.text and app.settings.privacy_email in chat.text
    assert str(app.settings.retention_resident_months) in chat.text
    assert all(reply.right_to_left == (language == "ar") for reply in chat.last)
    if language == "ar":
        assert all(reply.text.startswith("\u200f") for reply in chat.last)
    assert await chat.stored_language() == language


# --- my data ----------------------------------------------------------------------------------------------------

async def test_my_data_is_a_json_file_with_everything_and_nothing_of_anyone_else(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await world(database, tmp_path, clock)
    event = await small_event(app)
    ana, bo = Chat(app, "console", language_hint="en"), Chat(app, "console", language_hint="en")
    await live_a_little(ana, event, "Ana Export, 0209 111")
    await live_a_little(bo, event, "Bo Other, 0209 222")

    await ana.say("/privacy")
    await ana.tap("privacy:data")
    attachment = ana.last[0].attachment
    assert attachment is not None and attachment.filename == FILE_NAME and attachment.mime_type == "application/json"
    assert "everything stored about you" in ana.text and "privacy:home" in ana.payloads
    data = json.loads(attachment.content)
    assert data["resident"]["channel"] == "console" and data["resident"]["channel_user_id"] == ana.user
    assert [(item["date"], item["status"]) for item in data["event_registrations"]] == [(DAY, REGISTERED)]
    assert {item["minutes_before"] for item in data["event_reminders"]} == {24 * 60, 120}
    purposes = {item["purpose"]: item for item in data["consents"]}
    assert purposes["new events: families"]["text_version"] == TOPIC_CONSENT_VERSION
    assert f"contact for the survey {SURVEY}" in purposes
    assert [item["contact"] for item in data["survey_contact_signups"]] == ["Ana Export, 0209 111"]
    assert [(item["survey"], item["answers"]) for item in data["surveys_in_progress"]] == [
        (SECOND_SURVEY, {"living_in_horst": "under_1_year"})]
    assert [item["survey"] for item in data["surveys_taken_part"]] == [SURVEY]
    assert [item["number"] for item in data["sprechstunde_numbers"]] == ["A-001"]
    text = attachment.content.decode("utf-8")
    assert bo.user not in text and "Bo Other" not in text and "A-002" not in text

    # The console channel writes the file to the downloads folder, readable by its owner only.
    stdout = io.StringIO()
    console = ConsoleChannel(app.conversation, ana.user, "en", stdout=stdout, downloads=tmp_path / "downloads")
    console._print(ana.last)
    saved = tmp_path / "downloads" / FILE_NAME
    assert saved.read_bytes() == attachment.content and f"📎 {saved}" in stdout.getvalue()
    assert saved.stat().st_mode & 0o077 == 0


# --- delete everything ------------------------------------------------------------------------------------------

async def test_delete_everything_leaves_no_row_about_the_resident(database: Database, tmp_path: Path,
                                                                  clock: FixedClock) -> None:
    app = await world(database, tmp_path, clock)
    event = await small_event(app)
    ana, waiting = Chat(app, "console", language_hint="en"), Chat(app, "console", language_hint="en")
    await live_a_little(ana, event, "Ana Erase, 0209 333")
    await waiting.say("/start")
    await waiting.tap(f"events:reg:{event.id}:{DAY}")
    assert "waiting list" in waiting.text
    completed = await stored_response(app, ana)  # the anonymous answers, found as only a test can
    assert completed is not None and completed.resident_id is None
    ana_id, waiting_id = await resident_id(app, "console", ana.user), await resident_id(app, "console", waiting.user)
    async with app.sessions() as session:
        assert await session.scalar(select(EventRegistration.status)
                                    .where(EventRegistration.resident_id == waiting_id)) == WAITING
    before = await rows_about(app, ana_id)
    assert {"residents", "conversation_states", "event_registrations", "event_reminders", "topic_subscriptions",
            "survey_signups", "survey_responses", "survey_participations", "queue_tickets"} <= set(before)
    assert all(before[name] for name in ("residents", "event_registrations", "event_reminders",
                                         "topic_subscriptions", "survey_signups", "survey_responses",
                                         "survey_participations", "queue_tickets")), before

    clock.advance(dt.timedelta(hours=2))  # so the core has changes of its own to the resident row (last seen)
    await ana.say("/privacy")
    await ana.tap("privacy:erase")
    assert "anonymous" in ana.text and erase_button(ana) and "privacy:keep" in ana.payloads
    old_button = erase_button(ana)
    await ana.tap(old_button)
    assert "Everything about you is deleted" in ana.text
    assert set((await rows_about(app, ana_id)).values()) == {0}, await rows_about(app, ana_id)

    async with app.sessions() as session:
        assert [(ticket.resident_id, ticket.status) for ticket in await tickets(app)] == [(None, CANCELLED)]
        seat = await session.scalar(select(EventRegistration).where(EventRegistration.resident_id == waiting_id))
        assert seat is not None and seat.status == REGISTERED  # her seat went to the first on the waiting list
        told = (await session.scalars(select(OutboxMessage.kind).where(OutboxMessage.resident_id == waiting_id))).all()
        assert SEAT_FREE in told
        kept = await session.get(SurveyResponse, completed.id)
        assert kept is not None and kept.completed_on is not None  # anonymous answers stay
        assert await session.scalar(select(func.count()).select_from(SurveyAnswer)
                                    .where(SurveyAnswer.response_id == completed.id))

    # Writing again starts afresh; the old "yes" button pressed by the new resident deletes nothing.
    await ana.say("/start")
    await ana.tap("events:sub:seniors")
    fresh_id = await resident_id(app, "console", ana.user)
    await ana.tap(old_button)
    assert "outdated" in ana.text
    assert await resident_id(app, "console", ana.user) == fresh_id
    after = await rows_about(app, fresh_id)
    assert after["topic_subscriptions"] == 1 and after["queue_tickets"] == after["event_registrations"] == 0


async def test_no_deletes_nothing_and_its_question_cannot_be_answered_later(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("events:sub:families")
    await chat.say("/privacy")
    await chat.tap("privacy:erase")
    question = erase_button(chat)
    await chat.tap("privacy:keep")
    assert "Nothing was deleted" in chat.text and chat.payloads[:3] == NOTICE_CHOICES
    await chat.tap(question)  # the question was answered with "no"
    assert "outdated" in chat.text
    rows = await rows_about(app, await resident_id(app, chat.channel, chat.user))
    assert rows["residents"] == rows["topic_subscriptions"] == 1
    await chat.tap("privacy:ex:00000000")  # made up
    assert (await rows_about(app, await resident_id(app, chat.channel, chat.user)))["residents"] == 1


# --- consents ---------------------------------------------------------------------------------------------------

async def test_consents_are_listed_with_version_and_date_and_withdrawn_in_one_tap(app: App) -> None:
    chat = Chat(app, language_hint="en")
    await chat.say("/start")
    await chat.tap("events:sub")
    await chat.tap("events:sub:families")
    await answer_survey(chat, {"living_in_horst": "under_1_year", "help_organise": "yes"})
    await chat.tap("survey:su:yes")
    await chat.say("Consent Test, 0209 444")
    await chat.tap("survey:su:skip")
    me = await resident_id(app, chat.channel, chat.user)
    async with app.sessions() as session:
        follow = await session.get(TopicSubscription, (me, "families"))
        assert follow is not None and follow.consent_version == TOPIC_CONSENT_VERSION
        signup = await session.scalar(select(SurveySignup).where(SurveySignup.resident_id == me))
        assert signup is not None

    await chat.say("/privacy")
    await chat.tap("privacy:consents")
    assert "New events for families" in chat.text and "Consent Test, 0209 444" in chat.text
    given = Translator.for_language("en", BERLIN).date(TUESDAY_MORNING.date())
    assert given in chat.text and f"text version {TOPIC_CONSENT_VERSION}" in chat.text
    assert {"privacy:wt:families", f"privacy:ws:{signup.id}", "privacy:home"} <= set(chat.payloads)

    someone = Chat(app, language_hint="en")  # another resident's made-up button takes nothing of hers
    await someone.say("/start")
    await someone.tap(f"privacy:ws:{signup.id}")
    await someone.tap("privacy:wt:families")
    assert (await rows_about(app, me))["survey_signups"] == 1

    await chat.tap("privacy:wt:families")
    assert "Withdrawn" in chat.text and "privacy:wt:families" not in chat.payloads
    await chat.tap("events:sub")
    families = next(choice for choice in chat.last[-1].choices if choice.payload == "events:sub:families")
    assert families.selected is False

    await chat.say("/privacy")
    await chat.tap("privacy:consents")
    await chat.tap(f"privacy:ws:{signup.id}")
    assert "Withdrawn" in chat.text and "You have not given any consent" in chat.text
    rows = await rows_about(app, me)
    assert rows["survey_signups"] == rows["topic_subscriptions"] == 0 and rows["residents"] == 1


# --- Telegram ---------------------------------------------------------------------------------------------------

async def test_the_three_rights_on_telegram(emulator: BotApiEmulator, bot: Running) -> None:
    app, user = bot.app, resident()
    emulator.send_text(user, "/privacy", language_code="en")
    notice = await emulator.wait_for_messages(user, 3)
    assert app.settings.privacy_controller in notice[0].text and app.settings.privacy_email in notice[0].text
    emulator.press_button(user, notice[-1].message_id, "events:sub:families", language_code="en")
    await emulator.wait_until(lambda: any("Tap a topic" in message.text for message in emulator.messages(user)))
    me = await resident_id(app, TELEGRAM, str(user))
    assert (await rows_about(app, me))["topic_subscriptions"] == 1

    def newest() -> SentMessage:
        return emulator.messages(user)[-1]

    emulator.press_button(user, newest().message_id, "privacy:data", language_code="en")
    await emulator.wait_until(lambda: newest().document is not None)
    document = newest().document
    assert document is not None and document["file_name"] == FILE_NAME
    assert document["mime_type"] == "application/json"
    data = json.loads(document["content"])
    assert data["resident"]["channel_user_id"] == str(user)
    assert [item["purpose"] for item in data["consents"]] == ["new events: families"]

    emulator.press_button(user, newest().message_id, "privacy:erase", language_code="en")
    await emulator.wait_until(lambda: any(b["callback_data"].startswith("privacy:ex:")
                                          for row in (newest().reply_markup or {}).get("inline_keyboard", [])
                                          for b in row))
    emulator.press_button(user, newest().message_id, button(newest(), "privacy:ex:"), language_code="en")
    await emulator.wait_until(lambda: "Everything about you is deleted" in newest().text)
    assert set((await rows_about(app, me)).values()) == {0}


# --- Matrix -----------------------------------------------------------------------------------------------------

@pytest_asyncio.fixture
async def matrix_bot(database: Database, tmp_path: Path, clock: FixedClock, synapse: Synapse
                     ) -> AsyncIterator[RunningBot]:
    settings = matrix_settings(database, tmp_path / "bot", synapse, await new_bot_account(synapse))
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    yield running
    await running.close()


@pytest_asyncio.fixture
async def matrix_person(synapse: Synapse, tmp_path: Path) -> AsyncIterator[MatrixResident]:
    user_id = await synapse.register(f"privacy-{os.urandom(4).hex()}", PASSWORD)
    person = MatrixResident(synapse.base_url, user_id, PASSWORD, tmp_path / "residents")
    await person.login()
    yield person
    await person.close()


def number_for(body: str, fragment: str) -> str:
    """What a resident types to choose the numbered choice whose label contains `fragment`."""
    for line in body.splitlines():
        number, dot, label = line.partition(".")
        if dot and number.strip().isdigit() and fragment in label:
            return number.strip()
    raise AssertionError(f"no choice {fragment!r} in {body!r}")


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_the_three_rights_in_an_encrypted_matrix_chat(matrix_person: MatrixResident, matrix_bot: RunningBot
                                                            ) -> None:
    app, person = matrix_bot.app, matrix_person
    await person.wait_for_device_keys(matrix_bot.user_id)
    bot_account = matrix_bot.user_id
    received = await start_in_encrypted_dm(person, bot_account, "English")
    await person.say("/privacy")
    received += 3
    notice = (await person.replies(received, bot_account))[-3:]
    assert app.settings.privacy_controller in notice[0].body and app.settings.privacy_email in notice[0].body

    await person.say(number_for(notice[-1].body, "My data"))
    received += 1
    reply = (await person.replies(received, bot_account))[-1]
    assert "everything stored about you" in reply.body
    for _ in range(60):
        if person.files:
            break
        await person.sync(timeout=500)
    file = person.files[-1]
    assert isinstance(file, RoomEncryptedFile) and file.body == FILE_NAME
    data = json.loads(await person.download(file))
    assert data["resident"]["channel"] == MATRIX and data["resident"]["channel_user_id"] == person.client.user_id

    me = await resident_id(app, MATRIX, person.client.user_id)
    await person.say("/privacy")
    received += 3
    notice = (await person.replies(received, bot_account))[-3:]
    await person.say(number_for(notice[-1].body, "Delete everything"))
    received += 1
    question = (await person.replies(received, bot_account))[-1]
    await person.say(number_for(question.body, "Yes, delete everything"))
    received += 1
    done = (await person.replies(received, bot_account))[-1]
    assert "Everything about you is deleted" in done.body and not person.undecryptable
    assert set((await rows_about(app, me)).values()) == {0}


# --- the desk's command -----------------------------------------------------------------------------------------

def quartiersbot(data_dir: Path, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QB_DATA_DIR": str(data_dir)}
    env.pop("QB_DATABASE_URL", None)  # the SQLite file in the data folder
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def sqlite_rows_about(path: Path, channel: str, user: str) -> dict[str, int] | None:
    with sqlite3.connect(path) as connection:
        found = connection.execute("SELECT id FROM residents WHERE channel = ? AND channel_user_id = ?",
                                   (channel, user)).fetchone()
        if found is None:
            return None
        return {table.name: connection.execute(f"SELECT count(*) FROM {table.name} WHERE {column.name} = ?",
                                               (found[0],)).fetchone()[0] for table, column in resident_columns()}


def sqlite_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_the_privacy_command_exports_and_erases_only_when_told_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    chat = quartiersbot(data_dir, "chat", "--lang", "en", "--user", "ana",
                        stdin="/start\n/events\nTell me about new events\nNew events for families\n")
    assert chat.returncode == 0, chat.stderr
    database = data_dir / "quartiersbot.sqlite3"
    assert (sqlite_rows_about(database, "console", "ana") or {}).get("topic_subscriptions") == 1

    exported = quartiersbot(data_dir, "privacy", "export", "--channel", "console", "--user", "ana")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["resident"]["channel_user_id"] == "ana"
    assert [item["purpose"] for item in data["consents"]] == ["new events: families"]

    refused = quartiersbot(data_dir, "privacy", "erase", "--channel", "console", "--user", "ana")
    assert refused.returncode == 1 and "Nothing was deleted" in refused.stdout and "--yes" in refused.stderr
    assert (sqlite_rows_about(database, "console", "ana") or {}).get("topic_subscriptions") == 1

    erased = quartiersbot(data_dir, "privacy", "erase", "--channel", "console", "--user", "ana", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert sqlite_rows_about(database, "console", "ana") is None
    assert sqlite_count(database, "topic_subscriptions") == sqlite_count(database, "conversation_states") == 0
    gone = quartiersbot(data_dir, "privacy", "export", "--channel", "console", "--user", "ana")
    assert gone.returncode == 1 and "Nothing is stored" in gone.stderr


def test_every_table_about_residents_is_known_to_this_test() -> None:
    """A sanity check of `resident_columns`: it finds the tables that exist today."""
    names = {table.name for table, _ in resident_columns()}
    assert {"conversation_states", "event_registrations", "event_reminders", "topic_subscriptions", "outbox",
            "survey_signups", "survey_responses", "survey_participations", "queue_tickets"} <= names
