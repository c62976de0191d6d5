"""Matrix: matrix-nio with end-to-end encryption as the transport; flows live in the core.

Residents open a direct chat (Element encrypts it by default); the bot joins, decrypts, and
answers encrypted where the room is. Device trust: the bot encrypts for every device of the
people in a room without verifying them (`ignore_unverified_devices`), as a public contact
point cannot verify strangers; it never shares keys with devices that are not in the room.

No loss, no replay: the sync token is saved only after every event of that sync was handled,
each event id is answered at most once (recorded with the answer, see `Incoming.event_id`),
and history written before the bot's very first start is never answered. A sync that carries
only the newest events of a room (more came while the bot was away) is completed from the room's
history back to the last sync. Answers are stored with the record that their message was handled
(conversation/durable), sent in order when the homeserver is reachable, with transaction ids the
homeserver deduplicates; nio itself waits out M_LIMIT_EXCEEDED.

Proactive messages (the outbox: reminders, queue calls) go only into a direct chat that the
resident has joined alone with the bot (`direct_room`); being in a room, or invited to one, is not enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    RoomMessage,
    RoomMessagesError,
    RoomMessageText,
    RoomSendError,
    SyncError,
    SyncResponse,
    Timeline,
    UploadError,
)

from bot import logs
from bot.channels.matrix_render import render
from bot.config import Settings
from bot.conversation.channel import Delivery
from bot.conversation.core import Conversation
from bot.conversation.durable import Answer
from bot.conversation.messages import Attachment, Incoming, Reply, parse_text
from bot.files import private_dir, write_private

CHANNEL = "matrix"
log = logging.getLogger(__name__)
SYNC_TIMEOUT_MS = 30_000
MAX_BACKOFF_SECONDS = 30.0
# How long an outbox message waits for the channel's first sync of a run (`send_proactive`) before it counts as
# a failed attempt: longer than a start takes (log in with the stored device, one sync), shorter than the
# dispatcher waits for messages in flight at shutdown.
STARTING_WAIT_SECONDS = 10.0
TIMELINE_LIMIT = 50  # events per room and sync; more are read back from the room's history (`_missed`)
SYNC_FILTER = {"room": {"timeline": {"limit": TIMELINE_LIMIT}}}
GEO_URI = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")
MEDIA_TYPES = {"m.image": "photo", "m.audio": "voice", "m.video": "video", "m.file": "document",
               "m.sticker": "sticker"}
# Nobody enters a room with these join rules unless a member invites them (a knock waits for an invitation too).
CLOSED_JOIN_RULES = frozenset({"invite", "knock"})


def transaction_id(key: str, index: int) -> str:
    """The homeserver's idempotency key for one reply of an outbox message (its unique key: outbox row ids
    may be reused on SQLite, and a second copy under a reused id would be dropped as a duplicate)."""
    return f"qb-{hashlib.sha256(key.encode()).hexdigest()[:32]}-{index}"


def is_direct_with(room: MatrixRoom, user_id: str) -> bool:
    """Whether what the bot writes into `room` is read by `user_id` alone, now and later.

    Both have joined: an invitation is not enough, because anyone can create a room, invite the bot (which
    joins on any invitation) and a resident who never opens it, and leave; the room would then hold the
    resident's reminders for whoever gets in later. Nobody else is joined or invited (an invitee gets the
    room keys and can read on after joining), nobody can enter without an invitation, and the history is not
    readable by everyone. nio lists invited people in `users` as well; `invited_users`, the members' `invited`
    flag and the homeserver's summary (`joined_count`, `invited_count`) tell them apart.
    """
    own = room.own_user_id
    members = room.users
    return (user_id != own and set(members) == {own, user_id} and not room.invited_users
            and not any(member.invited for member in members.values())
            and room.joined_count == 2 and room.invited_count == 0
            and room.join_rule in CLOSED_JOIN_RULES and room.history_visibility != "world_readable")


def direct_room(rooms: Iterable[MatrixRoom], user_id: str, last_written: str | None,
                activity: Mapping[str, int]) -> MatrixRoom | None:
    """The room for a message meant for `user_id` alone, or None: never any other room instead.

    Among several direct chats, the one the resident last wrote in (`last_written`: kept with the resident
    in the database, so it holds across restarts and processes), where the conversation is. Without it (a
    resident who has not written since, or whose chat no longer qualifies), the chat with the latest event
    this run has seen (`activity`: the first sync of a run brings every room's
    whole state, later syncs the new events), so the chat whose messages or members changed last; the room
    id breaks ties, so the same rooms always give the same choice. Latest activity rather than "created by
    the resident": a room that passes `is_direct_with` is private whoever created it, and the newest chat is
    the one the resident most likely still has open.
    """
    candidates = [room for room in rooms if is_direct_with(room, user_id)]
    preferred = next((room for room in candidates if room.room_id == last_written), None)
    if preferred is not None or not candidates:
        return preferred
    return max(candidates, key=lambda room: (activity.get(room.room_id, 0), room.room_id))


class MatrixChannel:
    def __init__(self, conversation: Conversation, settings: Settings) -> None:
        if not settings.matrix_homeserver or not settings.matrix_user_id:
            raise ValueError("QB_MATRIX_HOMESERVER and QB_MATRIX_USER_ID are not set")
        self.conversation = conversation
        self.settings = settings
        self.folder = settings.data_dir / "matrix" / re.sub(r"[^A-Za-z0-9_.-]", "_", settings.matrix_user_id)
        self.store = self.folder / "store"
        private_dir(self.store)  # nio needs it before login; it holds the account's end-to-end keys
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False, max_limit_exceeded=None,
                                   max_timeouts=None)
        self.client = AsyncClient(settings.matrix_homeserver, settings.matrix_user_id, store_path=str(self.store),
                                  config=config)
        self.outbox: asyncio.Queue[tuple[MatrixRoom, str, Answer]] = asyncio.Queue()  # answers, in order
        self.serving_since_ms = 0
        self.rooms_known = False  # set after the first full sync of this run: before, every room looks unknown
        self._started = asyncio.Event()  # set with rooms_known, and when the run ends (nobody waits for it then)
        # For choosing a resident's direct chat (see `direct_room`); in memory, for this run only.
        self.activity: dict[str, int] = {}  # room → the latest server timestamp seen in a sync
        self.left: set[str] = set()  # rooms the bot left or was removed from: nio keeps them as they were

    @property
    def _credentials(self) -> Path:
        return self.folder / "credentials.json"

    @property
    def _token_file(self) -> Path:
        return self.folder / "sync_token"

    @property
    def _since_file(self) -> Path:
        return self.folder / "serving_since"

    async def login(self) -> None:
        """Reuse the stored device; log in (a new device) only the very first time."""
        settings = self.settings
        if self._credentials.exists():
            saved = json.loads(self._credentials.read_text(encoding="utf-8"))
            self.client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
            return
        if settings.matrix_access_token is not None and settings.matrix_device_id:
            self.client.restore_login(settings.matrix_user_id, settings.matrix_device_id,
                                      settings.matrix_access_token.get_secret_value())
        else:
            assert settings.matrix_password is not None
            response = await self.client.login(settings.matrix_password.get_secret_value(), device_name="Quartiersbot")
            if not isinstance(response, LoginResponse):
                raise RuntimeError(f"Matrix login failed: {response}")
        self._save(self._credentials, json.dumps({"user_id": self.client.user_id, "device_id": self.client.device_id,
                                                  "access_token": self.client.access_token}))

    async def run(self, stop: asyncio.Event) -> None:
        await self.login()
        logs.register_secret(self.client.access_token)  # restored or obtained: never in a log line
        if self.client.should_upload_keys:
            # Before joining any room: a resident who writes at once must find the bot's device keys.
            await self.client.keys_upload()
        sender = asyncio.create_task(self._send_loop())
        try:
            token = self._token_file.read_text(encoding="utf-8").strip() if self._token_file.exists() else None
            if not self._since_file.exists():
                # History written before the bot ever served is never answered, also in rooms it joins later.
                self._save(self._since_file, str(int(time.time() * 1000)))
            self.serving_since_ms = int(self._since_file.read_text(encoding="utf-8"))
            if token is None:
                first = await self._sync(None, stop, timeout=0, full_state=True)
                if first is None:
                    return
                await self._after_sync(first, handle_messages=False)  # history is never answered
                token = first.next_batch
                self._save(self._token_file, token)
            log.info("Matrix channel is serving as %s (device %s)", self.client.user_id, self.client.device_id)
            full_state = True  # nio keeps no rooms across restarts: the first sync of a run brings them
            while not stop.is_set():
                response = await self._sync(token, stop, timeout=0 if full_state else SYNC_TIMEOUT_MS,
                                            full_state=full_state)
                full_state = False
                if response is None:
                    break
                await self._after_sync(response, handle_messages=True, since=token)
                self.rooms_known = True
                self._started.set()
                token = response.next_batch
                self._save(self._token_file, token)  # only now: a crash above re-delivers, never skips
            await self._drain()
        finally:
            self._started.set()
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            await self.client.close()

    async def _sync(self, token: str | None, stop: asyncio.Event, timeout: int,  # noqa: ASYNC109
                    full_state: bool = False) -> SyncResponse | None:
        """One sync, retried with backoff while the homeserver is away; None when asked to stop."""
        delay = 1.0
        while not stop.is_set():
            sync = asyncio.ensure_future(self.client.sync(timeout=timeout, since=token, full_state=full_state,
                                                          sync_filter=SYNC_FILTER))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({sync, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if sync not in done:
                sync.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sync
                return None
            stopping.cancel()
            try:
                response = sync.result()
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                response = SyncError(str(error))
            if isinstance(response, SyncResponse):
                return response
            log.warning("Matrix sync failed (%s); trying again in %.0f s", response, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        return None

    async def _after_sync(self, response: SyncResponse, handle_messages: bool, since: str | None = None) -> None:
        await self._keep_keys()
        for room_id in response.rooms.invite:
            joined = await self.client.join(room_id)
            log.info("joined a room after an invitation (%s)", type(joined).__name__)  # its id: a resident's chat
        self._note_rooms(response)
        if not handle_messages:
            return
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            missed = await self._missed(room_id, info.timeline, since) if info.timeline.limited else []
            for event in [*missed, *info.timeline.events]:
                if (isinstance(event, RoomMessage | MegolmEvent) and event.sender != self.client.user_id
                        and event.server_timestamp >= self.serving_since_ms):
                    await self._on_message(room, event)
        await self._keep_keys()

    async def _missed(self, room_id: str, timeline: Timeline, since: str | None) -> list[Event]:
        """The events of a room between the last sync and the first one this sync carries, oldest first:
        a sync brings at most TIMELINE_LIMIT per room, and a resident may have written more meanwhile."""
        if since is None or timeline.prev_batch is None:
            return []
        missed: list[Event] = []
        start: str | None = timeline.prev_batch
        delay = 1.0
        while start is not None:
            try:
                response = await self.client.room_messages(room_id, start=start, end=since,
                                                           direction=MessageDirection.back, limit=100)
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                response = RoomMessagesError(str(error))
            if isinstance(response, RoomMessagesError):
                log.warning("could not read a room's history (%s); trying again in %.0f s",
                            response.status_code or "no answer", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                continue
            missed.extend(response.chunk)
            start = response.end if response.chunk and response.end != start else None
        return missed[::-1]

    def _note_rooms(self, response: SyncResponse) -> None:
        """What choosing a direct chat needs and nio does not keep: each room's latest event, and the rooms the
        bot is no longer in (nio ignores a sync's left rooms, so their last state would still show the bot)."""
        for room_id, info in response.rooms.join.items():
            self.left.discard(room_id)
            stamps = [getattr(event, "server_timestamp", 0) or 0 for event in [*info.state, *info.timeline.events]]
            self.activity[room_id] = max([self.activity.get(room_id, 0), *stamps])
        self.left.update(response.rooms.leave)

    async def _keep_keys(self) -> None:
        """What nio's sync_forever does after each sync; keys_query matters most (new resident devices)."""
        await self.client.send_to_device_messages()
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())

    def to_incoming(self, room: MatrixRoom, event: RoomMessage | MegolmEvent) -> Incoming | None:
        # Answers can be personal (a waiting number, "my data" as a file), so the bot serves only a room that
        # nobody but the resident can read, now or later: the same rule as for proactive messages. Anywhere
        # else it answers a mention by asking to be written to directly, as in any group.
        private = is_direct_with(room, event.sender)
        base: dict[str, Any] = {"channel": CHANNEL, "user_id": event.sender, "private": private,
                                "event_id": event.event_id, "address": room.room_id if private else None}
        if isinstance(event, MegolmEvent):
            log.warning("could not decrypt a message; asking for its keys")
            log.debug("undecryptable event %s in room %s", event.event_id, room.room_id)
            return None
        content = event.source.get("content", {})
        if not private and not self._mentioned(content):
            return None
        relates = content.get("m.relates_to")
        if isinstance(relates, dict) and relates.get("rel_type") == "m.replace":
            # An edit ("* 2" with the new text beside it): answered as on Telegram, never read as a new message.
            return Incoming(**base, unsupported="edited") if private else None
        if isinstance(event, RoomMessageText):
            incoming = parse_text(CHANNEL, event.sender, _without_reply_fallback(event.body),
                                  command_prefixes=("/", "!"))
            return dataclasses.replace(incoming, private=private, event_id=event.event_id, address=base["address"])
        msgtype = content.get("msgtype", "")
        geo_uri = content.get("geo_uri")  # free text of the sender's client, or not even text
        if msgtype == "m.location" and isinstance(geo_uri, str) and (match := GEO_URI.match(geo_uri)):
            return Incoming(**base, location=(float(match[1]), float(match[2])))
        return Incoming(**base, unsupported=MEDIA_TYPES.get(msgtype, "other"))

    def _mentioned(self, content: dict[str, Any]) -> bool:
        user_id = self.client.user_id
        mentions = content.get("m.mentions")
        user_ids = mentions.get("user_ids") if isinstance(mentions, dict) else None
        if isinstance(user_ids, list) and user_id in user_ids:
            return True
        body = str(content.get("body", ""))
        return user_id in body or user_id.split(":")[0].lstrip("@") in body.lower()

    async def _on_message(self, room: MatrixRoom, event: RoomMessage | MegolmEvent) -> None:
        if isinstance(event, MegolmEvent):
            with contextlib.suppress(LocalProtocolError):  # asked already, for an earlier message of the session
                await self.client.request_room_key(event)
        try:
            incoming = self.to_incoming(room, event)
        except Exception:
            # An event this code cannot read must not stop the channel: after a restart the same sync would
            # bring it again. It is answered as something the bot cannot read.
            log.exception("could not read a message")
            if not is_direct_with(room, event.sender):
                return
            incoming = Incoming(CHANNEL, event.sender, unsupported="other", event_id=event.event_id,
                                address=room.room_id)
        if incoming is None:
            return
        answer = await self.conversation.answer(incoming)
        if answer.replies:
            await self.outbox.put((room, incoming.user_id, answer))

    async def _send_loop(self) -> None:
        """Send answers in order; an answer that cannot be sent waits and is tried again, never dropped.

        A stored answer (see conversation/durable) is sent with transaction ids made of its outbox key, the
        same the outbox dispatcher uses for it after a crash: the homeserver keeps one copy whichever sends.
        """
        while True:
            room, user_id, answer = await self.outbox.get()
            key = answer.key if answer.key is not None else uuid.uuid4().hex
            delivery = Delivery("sent", sent_replies=len(answer.replies))
            for index, reply in enumerate(answer.replies):
                if not await self._send_patiently(room, reply, transaction_id(key, index)):
                    delivery = Delivery("failed", error="the homeserver refused the message", sent_replies=index)
                    break
            if answer.reply_id is not None:
                await self.conversation.confirm(answer, delivery, CHANNEL, user_id)
            self.outbox.task_done()

    async def _send_patiently(self, room: MatrixRoom, reply: Reply, transaction: str) -> bool:
        """One reply (and its file), retried while the homeserver is away; False if it refuses the room."""
        contents = [render(reply)]
        if reply.attachment is not None:
            content = await self._file_content(room, reply.attachment)
            if content is not None:
                contents.append(content)
        for part, content in enumerate(contents):
            delay = 1.0
            while True:
                try:
                    response = await self.client.room_send(room.room_id, "m.room.message", content,
                                                           tx_id=f"{transaction}-{part}",
                                                           ignore_unverified_devices=True)
                except (TimeoutError, aiohttp.ClientError, OSError) as error:
                    response = RoomSendError(str(error))
                if not isinstance(response, RoomSendError):
                    break
                if response.status_code == "M_FORBIDDEN":
                    log.info("may not write to a room (M_FORBIDDEN); reply dropped")
                    log.debug("may not write to room %s (%s)", room.room_id, response.message)
                    return False
                # The homeserver's message may name the room or its members: only the code above DEBUG.
                log.warning("could not send a reply (%s); trying again in %.0f s", response.status_code or "no answer",
                            delay)
                log.debug("could not send to room %s (%s)", room.room_id, response)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        return True

    async def _file_content(self, room: MatrixRoom, attachment: Attachment) -> dict[str, Any] | None:
        """Upload a file (encrypted in encrypted rooms) and return the m.file message that shows it."""
        try:
            response, keys = await self.client.upload(io.BytesIO(attachment.content),
                                                      content_type=attachment.mime_type,
                                                      filename=attachment.filename, encrypt=room.encrypted,
                                                      filesize=len(attachment.content))
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            log.warning("could not upload %s (%s); the text went without it", attachment.filename, error)
            return None
        if isinstance(response, UploadError):
            log.warning("could not upload %s (%s); the text went without it", attachment.filename, response)
            return None
        content: dict[str, Any] = {"msgtype": "m.file", "body": attachment.filename,
                                   "info": {"mimetype": attachment.mime_type, "size": len(attachment.content)}}
        if room.encrypted and keys:
            content["file"] = {**keys, "url": response.content_uri}
        else:
            content["url"] = response.content_uri
        return content

    async def send_proactive(self, user_id: str, key: str, replies: list[Reply], address: str | None = None,
                             first: int = 0) -> Delivery:
        """One outbox message into the resident's direct chat (`direct_room`: the one they last wrote from,
        `address`, while it qualifies), never into another room.

        Without such a chat the message waits ("retry": the dispatcher backs off and, after its last attempt,
        marks it failed with this reason). Not "blocked", which would mark the resident unreachable and drop
        every later message: a resident who is only invited, or who opens a chat with the bot a little later,
        is still to get it, and being in no direct chat at the moment does not say they refused the bot. The
        transaction ids come from the outbox key and each reply's place in the message (`first`: the place
        of the first of `replies`), so a message sent again after a crash is dropped by the homeserver as a
        duplicate.

        The dispatcher's first turn comes before the channel's first sync: the message waits for it here
        rather than going back as "retry", which would spend one of its attempts on every start. After a series
        of quick restarts (a crash loop) an answer cut off by the first one would reach its last attempt and be
        given up unsent (tests/test_matrix_kill.py)."""
        if not self.rooms_known:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._started.wait(), STARTING_WAIT_SECONDS)
        if not self.rooms_known:
            return Delivery("retry", 2.0, "the Matrix channel is still starting")
        rooms = (room for room_id, room in self.client.rooms.items() if room_id not in self.left)
        room = direct_room(rooms, user_id, address, self.activity)
        if room is None:
            return Delivery("retry", error="no direct chat that the resident has joined alone with the bot")
        for index, reply in enumerate(replies):
            contents = [render(reply)]
            if reply.attachment is not None:  # a stored answer with a file ("my data", a calendar entry)
                content = await self._file_content(room, reply.attachment)
                if content is None:
                    return Delivery("retry", error="the file could not be uploaded", sent_replies=index)
                contents.append(content)
            for part, content in enumerate(contents):
                try:
                    response = await self.client.room_send(room.room_id, "m.room.message", content,
                                                           tx_id=f"{transaction_id(key, first + index)}-{part}",
                                                           ignore_unverified_devices=True)
                except (TimeoutError, aiohttp.ClientError, OSError) as error:
                    return Delivery("retry", error=f"{type(error).__name__}: {error}", sent_replies=index)
                if isinstance(response, RoomSendError):
                    if response.status_code == "M_FORBIDDEN":
                        return Delivery("blocked", error=response.message, sent_replies=index)
                    retry = (response.retry_after_ms or 0) / 1000
                    return Delivery("retry", retry, f"{response.status_code}: {response.message}", index)
        return Delivery("sent", sent_replies=len(replies))

    async def _drain(self) -> None:
        """On shutdown, give queued replies a moment to go out."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.outbox.join(), 10)

    @staticmethod
    def _save(path: Path, text: str) -> None:
        """Write atomically and privately from the first byte: these files hold the account's access token."""
        write_private(path, text.encode("utf-8"))


def _without_reply_fallback(body: str) -> str:
    """Replies quote the original as "> " lines first; the resident's words follow them."""
    lines = body.split("\n")
    while lines and lines[0].startswith("> "):
        lines.pop(0)
    return "\n".join(lines).strip() or body

