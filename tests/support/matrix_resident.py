"""A resident on Matrix for the tests: a real matrix-nio client with end-to-end encryption."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DownloadResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomEncryptedFile,
    RoomMessageFile,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)
from nio.crypto.attachments import decrypt_attachment

ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


class MatrixResident:
    def __init__(self, homeserver: str, user_id: str, password: str, folder: Path) -> None:
        self.password = password
        store = folder / user_id.strip("@").replace(":", "_")
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(homeserver, user_id, store_path=str(store),
                                  config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True))
        self.room_id = ""
        self.received: list[RoomMessageText] = []
        self.files: list[RoomEncryptedFile | RoomMessageFile] = []
        self.undecryptable: list[MegolmEvent] = []
        self._token: str | None = None

    async def login(self) -> None:
        response = await self.client.login(self.password, device_name="resident phone")
        assert isinstance(response, LoginResponse), response
        await self.sync(timeout=0)

    async def close(self) -> None:
        await self.client.close()

    async def open_dm(self, bot_user_id: str, encrypted: bool = True, others: tuple[str, ...] = ()) -> str:
        response = await self.client.room_create(
            is_direct=not others, invite=[bot_user_id, *others], initial_state=[ENCRYPTION] if encrypted else [])
        assert isinstance(response, RoomCreateResponse), response
        self.room_id = response.room_id
        while self.room_id not in self.client.rooms:  # nio sends only to rooms it has synced
            await self.sync(timeout=1000)
        return self.room_id

    async def wait_for_device_keys(self, user_id: str, timeout: float = 60) -> None:  # noqa: ASYNC109
        """Until `user_id` has published device keys (a bot that has just started for the first time)."""
        deadline = time.monotonic() + timeout
        url = f"{self.client.homeserver}/_matrix/client/v3/keys/query"
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                async with session.post(url, json={"device_keys": {user_id: []}}, headers=headers) as response:
                    if (await response.json()).get("device_keys", {}).get(user_id):
                        return
                await asyncio.sleep(0.2)
        raise AssertionError(f"{user_id} published no device keys")

    async def wait_for_member(self, user_id: str, timeout: float = 30) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.sync(timeout=1000)
            room = self.client.rooms.get(self.room_id)
            if room is not None and user_id in room.users and user_id not in room.invited_users:
                return  # joined, not merely invited
        raise AssertionError(f"{user_id} did not join {self.room_id}")

    async def say(self, text: str) -> None:
        await self._keys()
        response = await self.client.room_send(self.room_id, "m.room.message", {"msgtype": "m.text", "body": text},
                                               ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response

    async def send_content(self, content: dict[str, Any]) -> None:
        await self._keys()
        response = await self.client.room_send(self.room_id, "m.room.message", content,
                                               ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response

    async def replies(self, count: int, sender: str, timeout: float = 30) -> list[RoomMessageText]:  # noqa: ASYNC109
        """Wait until `count` messages from `sender` were received (decrypted) in total."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine = [event for event in self.received if event.sender == sender]
            if len(mine) >= count:
                return mine
            await self.sync(timeout=1000)
        mine = [event.body[:60] for event in self.received if event.sender == sender]
        raise AssertionError(f"{len(mine)} of {count} messages from {sender}: {mine}; "
                             f"undecryptable: {len(self.undecryptable)}")

    async def sync(self, timeout: int = 0) -> None:  # noqa: ASYNC109
        response = await self.client.sync(timeout=timeout, since=self._token, full_state=self._token is None)
        if not isinstance(response, SyncResponse):
            await asyncio.sleep(0.5)
            return
        self._token = response.next_batch
        for room_id in response.rooms.invite:
            await self.client.join(room_id)
        for info in response.rooms.join.values():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageText):
                    self.received.append(event)
                elif isinstance(event, RoomEncryptedFile | RoomMessageFile):
                    self.files.append(event)
                elif isinstance(event, MegolmEvent):
                    self.undecryptable.append(event)
        await self._keys()

    async def download(self, event: RoomEncryptedFile | RoomMessageFile) -> bytes:
        """A received file's content, decrypted as a resident's app would."""
        response = await self.client.download(event.url)
        assert isinstance(response, DownloadResponse), response
        if isinstance(event, RoomEncryptedFile):
            return decrypt_attachment(response.body, event.key["k"], event.hashes["sha256"], event.iv)
        return response.body

    async def _keys(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
