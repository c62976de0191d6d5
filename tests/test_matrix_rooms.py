"""Proactive messages on Matrix go only where the resident is: into a direct chat the resident has joined
alone with the bot. A real Synapse on 127.0.0.1, real matrix-nio clients, the bot's Matrix channel in-process.

Reminders and queue calls say what a resident does (a women's group, an appointment at the Jobcenter), so a
room a stranger set up, with the resident merely invited, or a room shared with a third person, must never
receive them, not even as the only room there is. The last two tests check the rule and the choice among
several direct chats (e.g. after a restart) on nio's room objects alone, without a server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
from nio import (
    ErrorResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageText,
    RoomSummary,
    SyncResponse,
)
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.channels.matrix import CHANNEL as MATRIX
from bot.channels.matrix import MatrixChannel, direct_room, is_direct_with
from bot.clock import FixedClock
from bot.config import Settings
from bot.db.models import Resident
from bot.outbox.models import OutboxMessage
from bot.outbox.store import PENDING, SENT
from tests.support.chat import Chat
from tests.support.databases import Database
from tests.support.events import berlin, make_event
from tests.support.matrix import PASSWORD, RunningBot, matrix_settings, new_bot_account
from tests.support.matrix_resident import MatrixResident
from tests.support.synapse import Synapse

BOT_ID, RESIDENT_ID, OTHER_ID = "@quartiersbot:localhost", "@resident:localhost", "@other:localhost"


class Person(MatrixResident):
    """A Matrix account like the tests' resident, except that it joins a room it is invited to only when
    `joins_invitations` says so (a resident may ignore a stranger's invitation for ever), and that it notes the
    room of every message it receives, so that a test can say which room a message reached."""

    def __init__(self, homeserver: str, user_id: str, folder: Path, *, joins_invitations: bool) -> None:
        super().__init__(homeserver, user_id, PASSWORD, folder)
        self.joins_invitations = joins_invitations
        self.room_of: dict[str, str] = {}  # event id → room id

    async def sync(self, timeout: int = 0) -> None:  # noqa: ASYNC109
        response = await self.client.sync(timeout=timeout, since=self._token, full_state=self._token is None)
        if not isinstance(response, SyncResponse):
            await asyncio.sleep(0.5)
            return
        self._token = response.next_batch
        if self.joins_invitations:
            for room_id in response.rooms.invite:
                await self.client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageText):
                    self.received.append(event)
                    self.room_of[event.event_id] = room_id
                elif isinstance(event, MegolmEvent):
                    self.undecryptable.append(event)
        await self._keys()

    def messages(self, sender: str, containing: str) -> list[tuple[str, str]]:
        """(room id, text) of every message received from `sender` that contains `containing`."""
        return [(self.room_of[event.event_id], event.body) for event in self.received
                if event.sender == sender and containing in event.body]


async def person(synapse: Synapse, folder: Path, name: str, *, joins_invitations: bool) -> Person:
    user_id = await synapse.register(f"{name}-{uuid.uuid4().hex[:8]}", PASSWORD)
    account = Person(synapse.base_url, user_id, folder / name, joins_invitations=joins_invitations)
    await account.login()
    return account


@pytest_asyncio.fixture
async def bot(database: Database, tmp_path: Path, clock: FixedClock, synapse: Synapse) -> AsyncIterator[RunningBot]:
    """The bot's Matrix channel, running, with the outbox sending through it."""
    settings = matrix_settings(database, tmp_path / "bot", synapse, await new_bot_account(synapse))
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    running.app.dispatcher.add_channel(MATRIX, running.channel.send_proactive)
    yield running
    await running.close()


@pytest_asyncio.fixture
async def resident(synapse: Synapse, tmp_path: Path, bot: RunningBot) -> AsyncIterator[Person]:
    """A resident who never answers an invitation; returned once the bot's device keys are published."""
    account = await person(synapse, tmp_path, "resident", joins_invitations=False)
    await account.wait_for_device_keys(bot.user_id)
    yield account
    await account.close()


@pytest_asyncio.fixture
async def stranger(synapse: Synapse, tmp_path: Path) -> AsyncIterator[Person]:
    """A third Matrix account: neither the bot nor the resident."""
    account = await person(synapse, tmp_path, "stranger", joins_invitations=True)
    yield account
    await account.close()


async def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s in vain for {what}")
        await asyncio.sleep(0.1)


async def due_reminder(bot: RunningBot, user_id: str) -> str:
    """A resident of the bot's database asks for a reminder of an event of their own; it falls due now.
    Returns the event's title, which only that reminder carries."""
    title = f"Frauenfrühstück {uuid.uuid4().hex[:6]}"
    bot.app.clock.set(berlin("2026-12-01T08:00"))  # type: ignore[attr-defined]
    event = await make_event(bot.app, "2026-12-02T18:00", "2026-12-02T20:00",
                             texts={"de": {"title": title, "description": "Ein Treffen."},
                                    "en": {"title": title, "description": "A meeting."}})
    chat = Chat(bot.app, channel=MATRIX, user=user_id, language_hint="en")
    await chat.say("/start")
    await chat.tap(f"events:r:{event.id}:2026-12-02")
    assert "1 day before" in chat.text, chat.text
    bot.app.clock.set(berlin("2026-12-01T18:00"))  # type: ignore[attr-defined]  # one day before: due
    return title


async def reminder(bot: RunningBot, user_id: str) -> OutboxMessage:
    """The resident's first reminder (one day before) as the outbox holds it."""
    async with bot.app.sessions() as session:
        message = await session.scalar(
            select(OutboxMessage).join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(Resident.channel == MATRIX, Resident.channel_user_id == user_id)
            .order_by(OutboxMessage.due_at).limit(1))
        assert message is not None
        return message


async def unreachable(bot: RunningBot, user_id: str) -> bool:
    async with bot.app.sessions() as session:
        since = await session.scalar(select(Resident.unreachable_since).where(
            Resident.channel == MATRIX, Resident.channel_user_id == user_id))
        return since is not None


async def dispatch_until_sent(bot: RunningBot, user_id: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    """The dispatcher's later attempts, with the clock moved past each back-off."""
    deadline = time.monotonic() + timeout
    while (await reminder(bot, user_id)).status != SENT:
        assert time.monotonic() < deadline, (await reminder(bot, user_id)).last_error
        bot.app.clock.advance(dt.timedelta(seconds=10))  # type: ignore[attr-defined]
        await bot.app.dispatcher.run_until_idle()
        await asyncio.sleep(0.2)


async def stored_messages(synapse: Synapse, room_id: str, sender: str) -> list[dict[str, Any]]:
    """Every message `sender` ever put into the room, as the homeserver keeps it (its admin API, so whoever
    joins the room later, with any history setting, could at most see these), encrypted ones included."""
    headers = {"Authorization": f"Bearer {await synapse.admin_token()}"}
    url = f"{synapse.base_url}/_synapse/admin/v1/rooms/{quote(room_id)}/messages?dir=f&limit=1000"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        events = (await response.json())["chunk"]
    return [event for event in events if event["sender"] == sender
            and event["type"] in ("m.room.message", "m.room.encrypted")]


async def settle(*accounts: Person) -> None:
    """Give a late or second copy of a message time to arrive, then read everything that did."""
    await asyncio.sleep(2)
    for account in accounts:
        await account.sync(timeout=500)


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_a_strangers_room_with_the_resident_only_invited_gets_nothing(
        synapse: Synapse, bot: RunningBot, resident: Person, stranger: Person) -> None:
    """A stranger creates a room, invites the bot and the resident, and leaves; the bot joins on its own and
    the resident never does. The reminder waits instead, and arrives once the resident has a direct chat."""
    resident_id = resident.client.user_id
    created = await stranger.client.room_create(is_direct=True, invite=[bot.user_id, resident_id])
    assert isinstance(created, RoomCreateResponse), created
    trap = stranger.room_id = created.room_id
    await stranger.wait_for_member(bot.user_id)  # the bot joined on the invitation
    await stranger.client.room_leave(trap)

    def bot_sees_the_trap() -> bool:
        room = bot.channel.client.rooms.get(trap)
        return (bot.channel.rooms_known and room is not None and stranger.client.user_id not in room.users
                and resident_id in room.invited_users)
    await until(bot_sees_the_trap, "the bot to see the stranger gone and the resident invited")
    title = await due_reminder(bot, resident_id)

    await bot.app.dispatcher.run_until_idle()
    waiting = await reminder(bot, resident_id)
    assert waiting.status == PENDING and waiting.attempts == 1, (waiting.status, waiting.last_error)
    assert "direct chat" in waiting.last_error
    assert await stored_messages(synapse, trap, bot.user_id) == []
    assert not await unreachable(bot, resident_id)  # it may still arrive: nothing is given up

    dm = await resident.open_dm(bot.user_id, encrypted=True)
    await resident.wait_for_member(bot.user_id)
    await resident.say("Hallo")
    await resident.replies(1, bot.user_id)
    await dispatch_until_sent(bot, resident_id)
    await until_received(resident, bot.user_id, title)
    await settle(resident)
    assert [room for room, _ in resident.messages(bot.user_id, title)] == [dm]  # there, exactly once
    assert await stored_messages(synapse, trap, bot.user_id) == []
    assert trap not in resident.client.rooms and not resident.undecryptable


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_a_room_shared_with_a_third_person_never_gets_proactive_messages(
        synapse: Synapse, bot: RunningBot, resident: Person, stranger: Person) -> None:
    """The resident and a neighbour are both in a room with the bot, and the resident writes there (mentioning
    the bot) last: the reminder still goes only into the resident's direct chat, and waits while there is none."""
    resident_id, neighbour_id = resident.client.user_id, stranger.client.user_id
    group = await resident.open_dm(bot.user_id, encrypted=False, others=(neighbour_id,))
    while group not in stranger.client.rooms:
        await stranger.sync(timeout=1000)  # the neighbour accepts the invitation
    await resident.wait_for_member(neighbour_id)
    await resident.wait_for_member(bot.user_id)
    title = await due_reminder(bot, resident_id)
    await resident.say(f"{bot.user_id} hallo?")
    notices = len(await resident.replies(1, bot.user_id))  # "write to me directly"

    def bot_sees_three() -> bool:
        room = bot.channel.client.rooms.get(group)
        return (bot.channel.rooms_known and room is not None and not room.invited_users
                and set(room.users) == {bot.user_id, resident_id, neighbour_id})
    await until(bot_sees_three, "the bot to see all three joined")

    await bot.app.dispatcher.run_until_idle()
    waiting = await reminder(bot, resident_id)
    assert waiting.status == PENDING and waiting.attempts == 1, (waiting.status, waiting.last_error)
    assert not await unreachable(bot, resident_id)

    dm = await resident.open_dm(bot.user_id, encrypted=True)
    await resident.wait_for_member(bot.user_id)
    await resident.say("!help")
    await resident.replies(notices + 1, bot.user_id)
    resident.room_id = group  # and then once more in the shared room: the room last written in
    await resident.say(f"{bot.user_id} noch da?")
    await resident.replies(notices + 2, bot.user_id)
    await dispatch_until_sent(bot, resident_id)
    await until_received(resident, bot.user_id, title)
    await settle(resident, stranger)
    assert [room for room, _ in resident.messages(bot.user_id, title)] == [dm]
    assert stranger.messages(bot.user_id, title) == []
    assert all(title not in event["content"].get("body", "")
               for event in await stored_messages(synapse, group, bot.user_id))


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
async def test_proactive_messages_follow_the_conversation_into_its_chat_across_a_restart(
        database: Database, tmp_path: Path, clock: FixedClock, synapse: Synapse) -> None:
    """Two direct chats with the bot: the resident last wrote in the older one, and the newer one changed
    later (its name). After a restart, which knows nothing of this run, the reminder goes where they wrote."""
    settings = matrix_settings(database, tmp_path / "bot", synapse, await new_bot_account(synapse))
    running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine), settings)
    account = await person(synapse, tmp_path, "resident", joins_invitations=False)
    try:
        await account.wait_for_device_keys(running.user_id)
        older = await account.open_dm(running.user_id, encrypted=False)
        await account.wait_for_member(running.user_id)
        newer = await account.open_dm(running.user_id, encrypted=False)
        await account.wait_for_member(running.user_id)
        await account.say("!start")
        await account.replies(1, running.user_id)
        account.room_id = older
        await account.say("!menu")
        await account.replies(2, running.user_id)
        assert account.room_of[account.received[-1].event_id] == older
        renamed = await account.client.room_put_state(newer, "m.room.name", {"name": "Quartiersbot 2"})
        assert not isinstance(renamed, ErrorResponse), renamed
        await running.close()

        running = RunningBot(await create_app(settings, clock=clock, migrate=False, engine=database.engine),
                             settings)
        running.app.dispatcher.add_channel(MATRIX, running.channel.send_proactive)
        await until(lambda: running.channel.rooms_known, "the restarted bot's first sync")
        assert running.channel.activity[newer] > running.channel.activity[older]  # the newer chat moved last
        title = await due_reminder(running, account.client.user_id)
        await dispatch_until_sent(running, account.client.user_id)
        await until_received(account, running.user_id, title)
        await settle(account)
        assert [room for room, _ in account.messages(running.user_id, title)] == [older]
    finally:
        await running.close()
        await account.close()


async def until_received(account: Person, sender: str, containing: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not account.messages(sender, containing):
        assert time.monotonic() < deadline, f"no message with {containing!r} from {sender}"
        await account.sync(timeout=1000)


def room(room_id: str, *joined: str, invited: tuple[str, ...] = (), join_rule: str = "invite",
         history: str = "shared") -> MatrixRoom:
    """A room as the bot's nio client holds it after a sync: the bot and `joined` joined, `invited` invited."""
    made = MatrixRoom(room_id, BOT_ID)
    for user_id in (BOT_ID, *joined):
        made.add_member(user_id, None, None)
    for user_id in invited:
        made.add_member(user_id, None, None, invited=True)
    made.join_rule, made.history_visibility = join_rule, history
    return made


def test_only_a_room_the_resident_joined_alone_with_the_bot_is_direct() -> None:
    assert is_direct_with(room("!dm", RESIDENT_ID), RESIDENT_ID)
    assert not is_direct_with(room("!trap", invited=(RESIDENT_ID,)), RESIDENT_ID)  # invited, never joined
    assert not is_direct_with(room("!three", RESIDENT_ID, OTHER_ID), RESIDENT_ID)
    assert not is_direct_with(room("!coming", RESIDENT_ID, invited=(OTHER_ID,)), RESIDENT_ID)
    assert not is_direct_with(room("!dm", OTHER_ID), RESIDENT_ID)
    assert not is_direct_with(room("!alone"), BOT_ID)
    assert not is_direct_with(room("!open", RESIDENT_ID, join_rule="public"), RESIDENT_ID)  # anyone may come in
    assert not is_direct_with(room("!space", RESIDENT_ID, join_rule="restricted"), RESIDENT_ID)
    assert is_direct_with(room("!knock", RESIDENT_ID, join_rule="knock"), RESIDENT_ID)
    assert not is_direct_with(room("!readable", RESIDENT_ID, history="world_readable"), RESIDENT_ID)
    counted = room("!counted", RESIDENT_ID)
    counted.update_summary(RoomSummary(joined_member_count=3, invited_member_count=0))
    assert not is_direct_with(counted, RESIDENT_ID)  # the homeserver counts a third member nio has not listed


def test_the_room_last_written_in_is_preferred_and_otherwise_the_latest_one() -> None:
    first, second, shared = room("!a", RESIDENT_ID), room("!b", RESIDENT_ID), room("!c", RESIDENT_ID, OTHER_ID)
    rooms = [first, second, shared]
    activity = {"!a": 2_000, "!b": 1_000, "!c": 3_000}
    assert direct_room(rooms, RESIDENT_ID, "!b", activity) is second
    assert direct_room(rooms, RESIDENT_ID, "!c", activity) is first  # last written in, but shared: the latest
    assert direct_room(rooms, RESIDENT_ID, None, activity) is first  # after a restart: the latest
    assert direct_room(rooms, RESIDENT_ID, None, {}) is second  # nothing seen: the room id decides
    assert direct_room(list(reversed(rooms)), RESIDENT_ID, None, {}) is second  # whatever nio's order
    assert direct_room([shared, room("!trap", invited=(RESIDENT_ID,))], RESIDENT_ID, "!trap", activity) is None


def test_the_bot_answers_as_in_private_only_where_proactive_messages_could_go(tmp_path: Path) -> None:
    """Replies can be as personal as reminders ("my data" is a file): a room that others can join or read
    later is treated as a group, so the bot answers there only when mentioned, and then with the group notice."""
    settings = Settings(data_dir=tmp_path, matrix_homeserver="http://127.0.0.1:9", matrix_user_id=BOT_ID,
                        matrix_password=SecretStr("unused"))
    channel = MatrixChannel(None, settings)  # type: ignore[arg-type]  (no message reaches the core here)
    channel.client.user_id = BOT_ID  # as after the login

    def message(body: str) -> RoomMessageText:
        return RoomMessageText.from_dict({"event_id": f"$e{uuid.uuid4().hex}", "sender": RESIDENT_ID,
                                          "origin_server_ts": 1, "type": "m.room.message",
                                          "content": {"msgtype": "m.text", "body": body}})

    incoming = channel.to_incoming(room("!dm", RESIDENT_ID), message("/privacy"))
    assert incoming is not None and incoming.private and incoming.command == "privacy"
    assert incoming.address == "!dm"  # where proactive messages will follow the conversation
    for open_room in (room("!public", RESIDENT_ID, join_rule="public"),
                      room("!readable", RESIDENT_ID, history="world_readable"),
                      room("!coming", RESIDENT_ID, invited=(OTHER_ID,))):
        assert channel.to_incoming(open_room, message("/privacy")) is None  # not addressed: not answered
        mentioned = channel.to_incoming(open_room, message("quartiersbot /privacy"))
        assert mentioned is not None and not mentioned.private  # the core answers: write to me directly
        assert mentioned.address is None  # never a chat for proactive messages


def test_an_edited_message_gets_the_same_answer_as_on_telegram(tmp_path: Path) -> None:
    """An edit arrives as a new event ("* 2" with the new text beside it): it is not read as a new message."""
    settings = Settings(data_dir=tmp_path, matrix_homeserver="http://127.0.0.1:9", matrix_user_id=BOT_ID,
                        matrix_password=SecretStr("unused"))
    channel = MatrixChannel(None, settings)  # type: ignore[arg-type]  (no message reaches the core here)
    channel.client.user_id = BOT_ID
    edit = RoomMessageText.from_dict({
        "event_id": f"$e{uuid.uuid4().hex}", "sender": RESIDENT_ID, "origin_server_ts": 1, "type": "m.room.message",
        "content": {"msgtype": "m.text", "body": "* 2", "m.new_content": {"msgtype": "m.text", "body": "2"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"}}})
    incoming = channel.to_incoming(room("!dm", RESIDENT_ID), edit)
    assert incoming is not None and incoming.unsupported == "edited" and not incoming.text
    assert channel.to_incoming(room("!three", RESIDENT_ID, OTHER_ID), edit) is None  # a group: not answered
