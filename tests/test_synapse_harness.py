"""The Synapse harness itself (tests/support/synapse.py): users, encrypted DMs both ways with matrix-nio, restart,
lifted rate limit."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

from tests.support.synapse import Synapse

PASSWORD = "correct horse battery staple"
ENCRYPTION_STATE = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
SYNC_TIMEOUT = 30.0


pytestmark = pytest.mark.xdist_group("synapse")  # one Synapse per test run (conftest.py), shared with the Matrix tests


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


async def e2e_client(synapse: Synapse, localpart: str, store: Path) -> AsyncClient:
    """Log in with E2E enabled (store created before login) and upload the new device's keys."""
    await asyncio.to_thread(store.mkdir, parents=True, exist_ok=True)
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
    client = AsyncClient(synapse.base_url, synapse.user_id(localpart), store_path=str(store), config=config)
    response = await client.login(PASSWORD, device_name=localpart)
    assert isinstance(response, LoginResponse), response
    if client.should_upload_keys:
        await client.keys_upload()
    return client


async def sync(client: AsyncClient, timeout_ms: int = 500) -> SyncResponse:
    """One sync plus the key housekeeping `sync_forever` would do."""
    response = await client.sync(timeout=timeout_ms)
    assert isinstance(response, SyncResponse), response
    await client.send_to_device_messages()
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    return response


async def sync_until_joined(client: AsyncClient, room_id: str, user_id: str) -> None:
    deadline = time.monotonic() + SYNC_TIMEOUT
    while time.monotonic() < deadline:
        await sync(client)
        room = client.rooms.get(room_id)
        if room is not None and user_id in room.users and user_id not in room.invited_users:
            return
    raise AssertionError(f"{client.user_id} did not see {user_id} join {room_id}")


async def receive_text(client: AsyncClient, room_id: str, body: str) -> RoomMessageText:
    """Sync until the message `body` arrives in `room_id`; it must come decrypted."""
    deadline = time.monotonic() + SYNC_TIMEOUT
    undecryptable: list[MegolmEvent] = []
    while time.monotonic() < deadline:
        response = await sync(client)
        room = response.rooms.join.get(room_id)
        for event in room.timeline.events if room else []:
            if isinstance(event, RoomMessageText) and event.body == body:
                return event
            if isinstance(event, MegolmEvent):
                undecryptable.append(event)
    raise AssertionError(f"{client.user_id} did not receive {body!r}; undecryptable: {undecryptable}")


async def send_text(client: AsyncClient, room_id: str, body: str) -> None:
    response = await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body},
                                      ignore_unverified_devices=True)
    assert isinstance(response, RoomSendResponse), response


async def open_encrypted_dm(alice: AsyncClient, bob: AsyncClient) -> str:
    """Alice creates an encrypted DM with Bob, Bob joins, Alice sees the join; returns the room id."""
    assert bob.user_id
    await sync(alice)
    await sync(bob)
    created = await alice.room_create(is_direct=True, invite=[bob.user_id], initial_state=[ENCRYPTION_STATE])
    assert isinstance(created, RoomCreateResponse), created
    deadline = time.monotonic() + SYNC_TIMEOUT
    while created.room_id not in bob.invited_rooms:
        assert time.monotonic() < deadline, "bob got no invite"
        await sync(bob)
    assert isinstance(await bob.join(created.room_id), JoinResponse)
    await sync_until_joined(alice, created.room_id, bob.user_id)
    assert alice.rooms[created.room_id].encrypted
    return created.room_id


@pytest.mark.slow
async def test_encrypted_dm_both_ways(synapse: Synapse, tmp_path: Path) -> None:
    alice_name, bob_name = unique("alice"), unique("bob")
    alice_id = await synapse.register(alice_name, PASSWORD)
    bob_id = await synapse.register(bob_name, PASSWORD)
    assert (alice_id, bob_id) == (f"@{alice_name}:localhost", f"@{bob_name}:localhost")
    alice = await e2e_client(synapse, alice_name, tmp_path / "alice")
    bob = await e2e_client(synapse, bob_name, tmp_path / "bob")
    try:
        room_id = await open_encrypted_dm(alice, bob)
        await send_text(alice, room_id, "Hallo Bob, verschlüsselt!")
        received = await receive_text(bob, room_id, "Hallo Bob, verschlüsselt!")
        assert received.sender == alice_id and received.decrypted

        await sync(bob)
        assert bob.rooms[room_id].encrypted
        await send_text(bob, room_id, "Hallo Alice, auch verschlüsselt.")
        answer = await receive_text(alice, room_id, "Hallo Alice, auch verschlüsselt.")
        assert answer.sender == bob_id and answer.decrypted
    finally:
        await alice.close()
        await bob.close()


@pytest.mark.slow
async def test_encrypted_dm_after_bot_restart_and_new_device(synapse: Synapse, tmp_path: Path) -> None:
    """The resident adds a second device later; the bot restarts and restores its session from the store."""
    bot_name, resident_name = unique("bot"), unique("resident")
    await synapse.register(bot_name, PASSWORD)
    await synapse.register(resident_name, PASSWORD)
    bot = await e2e_client(synapse, bot_name, tmp_path / "bot")
    phone = await e2e_client(synapse, resident_name, tmp_path / "phone")
    new_phone: AsyncClient | None = None
    try:
        room_id = await open_encrypted_dm(bot, phone)
        await send_text(bot, room_id, "Willkommen!")
        await receive_text(phone, room_id, "Willkommen!")

        new_phone = await e2e_client(synapse, resident_name, tmp_path / "new-phone")
        await sync(new_phone)
        await sync(bot)  # sees the resident's device list change: keys_query fetches the new device's keys
        await send_text(bot, room_id, "Neues Gerät?")
        for client in (phone, new_phone):
            assert (await receive_text(client, room_id, "Neues Gerät?")).decrypted
        await sync(bot)  # stores a sync token after its own message

        user_id, device_id, token = bot.user_id, bot.device_id, bot.access_token
        await bot.close()
        await send_text(phone, room_id, "Bist du noch da?")  # while the bot is down
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
        bot = AsyncClient(synapse.base_url, user_id, device_id=device_id, store_path=str(tmp_path / "bot"),
                          config=config)
        bot.restore_login(user_id, device_id, token)
        assert bot.olm is not None and bot.loaded_sync_token
        restored = await bot.sync(timeout=0, full_state=True)
        assert isinstance(restored, SyncResponse) and room_id in bot.rooms
        # Only what came after the stored sync token: the message sent while the bot was down, decrypted.
        missed = restored.rooms.join[room_id].timeline.events
        assert [(type(event), getattr(event, "body", None)) for event in missed] == [(RoomMessageText,
                                                                                        "Bist du noch da?")]

        await send_text(bot, room_id, "Nach dem Neustart.")
        for client in (phone, new_phone):
            assert (await receive_text(client, room_id, "Nach dem Neustart.")).decrypted
        await send_text(new_phone, room_id, "Neues Handy.")
        assert (await receive_text(bot, room_id, "Neues Handy.")).decrypted
    finally:
        for client in (bot, phone, new_phone):
            if client is not None:
                await client.close()


@pytest.mark.slow
async def test_restart_keeps_users_and_rooms(synapse: Synapse) -> None:
    name = unique("carol")
    await synapse.register(name, PASSWORD)
    client = AsyncClient(synapse.base_url, synapse.user_id(name))
    try:
        assert isinstance(await client.login(PASSWORD), LoginResponse)
        created = await client.room_create(name="Nachbarschaft")
        assert isinstance(created, RoomCreateResponse), created
    finally:
        await client.close()
    base_url = synapse.base_url

    await synapse.restart()

    assert synapse.base_url == base_url
    client = AsyncClient(synapse.base_url, synapse.user_id(name))
    try:
        assert isinstance(await client.login(PASSWORD), LoginResponse)
        assert isinstance(await client.sync(timeout=0), SyncResponse)
        assert created.room_id in client.rooms
        assert client.rooms[created.room_id].name == "Nachbarschaft"
    finally:
        await client.close()
    await synapse.lift_ratelimit(synapse.user_id(name))  # the cached admin token survives the restart


async def send_burst(synapse: Synapse, token: str, room_id: str, count: int) -> list[int]:
    """Send up to `count` messages as fast as possible with the raw client API (nio would retry a 429 silently);
    stops at the first error (Synapse delays each 429 by half a second). Returns the HTTP statuses."""
    headers = {"Authorization": f"Bearer {token}"}
    statuses: list[int] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for number in range(count):
            url = f"{synapse.base_url}/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/{uuid.uuid4().hex}"
            async with session.put(url, json={"msgtype": "m.text", "body": f"Nachricht {number}"}) as response:
                statuses.append(response.status)
            if statuses[-1] != 200:
                break
    return statuses


async def create_room(synapse: Synapse, token: str) -> str:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session, session.post(
            f"{synapse.base_url}/_matrix/client/v3/createRoom", json={}) as response:
        answer: dict[str, Any] = await response.json()
    assert response.status == 200, answer
    return str(answer["room_id"])


@pytest.mark.slow
async def test_lift_ratelimit(synapse: Synapse) -> None:
    name = unique("dave")
    user_id = await synapse.register(name, PASSWORD)
    await synapse.lift_ratelimit(user_id)
    token = await synapse.login(name, PASSWORD)
    assert await send_burst(synapse, token, await create_room(synapse, token), 30) == [200] * 30
    async with aiohttp.ClientSession() as session, session.get(
            f"{synapse.base_url}/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit",
            headers={"Authorization": f"Bearer {await synapse.admin_token()}"}) as response:
        assert await response.json() == {"messages_per_second": 0, "burst_count": 0}


@pytest.mark.slow
async def test_lift_ratelimit_against_default_limit(tmp_path: Path) -> None:
    """With Synapse's default message limit (burst 10) a user gets 429 until the limit is lifted."""
    server = Synapse(tmp_path / "strict", config_overrides={"rc_message": {"per_second": 0.2, "burst_count": 10}})
    await server.start()
    try:
        name = unique("erin")
        user_id = await server.register(name, PASSWORD)
        token = await server.login(name, PASSWORD)
        room_id = await create_room(server, token)
        assert (await send_burst(server, token, room_id, 30))[-1] == 429
        await server.lift_ratelimit(user_id)
        assert await send_burst(server, token, room_id, 30) == [200] * 30
    finally:
        await server.stop()
