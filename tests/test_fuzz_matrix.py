"""Fuzzing the Matrix channel: 2,000 generated events from a resident's real matrix-nio client, through a real
Synapse, into an unencrypted direct chat with the unmodified bot.

Hypothesis generates batches of events: `m.room.message` of every msgtype (text, notice, emote, media with and
without a url, locations with odd geo URIs, unknown msgtypes), bodies up to 12,000 characters with unicode edge
cases, HTML with script tags or not a string, replies with and without their fallback, threads, edits with and
without `m.new_content`, mentions, unknown fields; and reactions, redactions, state events (topic, name, an unknown
type), stickers, unknown event types and `m.room.encrypted` events nobody can decrypt. What Synapse itself refuses
(a message without msgtype or body, or with either not a string; mentions that are no object) never reaches a bot
through it and is not generated.

Which events deserve an answer is what matrix-nio makes of them, as the bot sees them: a message that parses as a
`RoomMessage` (nio drops one whose fields are of the wrong type, e.g. an image without url) is answered, once: its
answer is recorded with its event id (`processed_events`) and sent (its stored reply confirmed and gone from the
outbox). An `m.notice` may be answered or not: Matrix asks bots never to answer notices (another bot's loop).
Nothing else is answered. Each batch is sent, four events at a time, then must be answered within BATCH_TIMEOUT.
At the end: no log record of the bot's at ERROR or above, no request of the bot's that Synapse answered with 4xx
(read from Synapse's request log), the channel still runs and answers a last `!start`.

What the fuzzing found is kept as regression tests at the end of this file: a geo URI that is no text and a
second undecryptable message of one megolm session stopped the channel, a place off the Earth broke the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from nio import Event, MegolmEvent, RoomMessage, RoomMessageNotice, RoomSendError, RoomSendResponse
from sqlalchemy import select

from bot.app import App, create_app
from bot.channels.matrix import CHANNEL as MATRIX
from bot.channels.matrix import MatrixChannel
from bot.clock import FixedClock
from bot.conversation.durable import reply_key
from bot.conversation.messages import Incoming
from bot.db.engine import create_engine_for_url
from bot.db.models import ProcessedEvent
from bot.outbox.models import OutboxMessage
from tests.support.chat import Chat
from tests.support.databases import TUESDAY_MORNING, Database
from tests.support.fuzz_text import ASTRAL, BIDI, COMBINING, CONTROL, ODD, ZERO_WIDTH, huge_text, mixed_text, text
from tests.support.matrix import PASSWORD, matrix_settings, new_bot_account
from tests.support.matrix_resident import MatrixResident
from tests.support.synapse import Synapse

JSON = dict[str, Any]

BATCHES = 80
BATCH_SIZE = 25  # 2,000 events
BATCH_TIMEOUT = 90.0
SENDING_AT_ONCE = 4
MAX_CONTENT_BYTES = 60_000  # Synapse refuses events over 64 KiB (M_TOO_LARGE): the resident's client, not the bot
MXC = "mxc://localhost/AbCdEfGhIjKlMnOpQrStUvWx"
REQUEST_LINE = re.compile(r"\{(@[^}]+)\} Processed request: .*? \d+B (\d{3}) \"")

# Contents ---------------------------------------------------------------------------------------------------------
body = st.one_of(text, text, text.map(lambda words: words.replace("/", "!", 1)),
                 huge_text.map(lambda big: big[:12_000]))
odd_body = st.sampled_from([None, 5, True, [], ["Deutschkurs"], {"text": "Tafel"}, ""])  # Synapse takes no floats
html = st.one_of(
    body.map(lambda words: f"<p>{words}</p>"),
    st.sampled_from([
        "<script>alert(1)</script>Deutschkurs", "<img src=x onerror=alert(1)>", "<b>Tafel", "</mx-reply>Menü",
        "<mx-reply><blockquote>früher</blockquote></mx-reply>1", "<a href='javascript:alert(1)'>2</a>",
        "<table>" * 500, "&lt;&amp;&#0;&#x10FFFF;", "<div dir=rtl>\u202eابحث</div>", "<!-- !start -->",
    ]),
)
mentions = st.sampled_from([{"user_ids": ["@somebody:localhost"]}, {"room": True}, {"user_ids": []}, {},
                            {"user_ids": ["@quartiersbot:localhost", "@quartiersbot:localhost"]}])
geo_uri = st.sampled_from([
    "geo:51.5431,7.0282", "geo:51.5431,7.0282;u=35", "geo:51.54,7.03,80", "geo:-90,-180", "geo:90,180",
    "geo:-51.5431,-172.9718", "geo:0,0", "geo:1000,1000", "geo:91,181", "geo:-0.0,-0.0", "geo:51.5431",
    "geo:abc,def", "GEO:51.5,7.0", "", " geo:51.5,7.0", "geo:9999999999999999999999999,1", "geo:51,7" + "0" * 5000,
    "geo:" + "9" * 400 + ",1", ["geo:51.5431,7.0282"], 51, None, {"uri": "geo:51.5,7.0"},  # Synapse refuses floats
])
MSGTYPES = ["m.text"] * 8 + ["m.notice", "m.emote", "m.image", "m.file", "m.audio", "m.video", "m.location",
                             "m.location", "org.example.custom", "m.key.verification.request", "m.server_notice",
                             "", "M.TEXT"]


@st.composite
def message(draw: st.DrawFn) -> JSON:
    """An m.room.message content; its relation to an earlier event is made when those are known (`relate`).

    Synapse refuses what the Matrix spec forbids outright (no msgtype or body, either not a string, mentions that
    are not an object), so such messages never reach a bot through it and are not generated."""
    content: JSON = {"msgtype": draw(st.sampled_from(MSGTYPES)), "body": draw(body)}
    if draw(st.integers(0, 3)) == 0:
        content |= {"format": draw(st.sampled_from(["org.matrix.custom.html", "text/html", 5])),
                    "formatted_body": draw(st.one_of(html, html, odd_body))}
    msgtype = content["msgtype"]
    if msgtype == "m.location":
        if draw(st.integers(0, 4)):
            content["geo_uri"] = draw(geo_uri)
        content |= draw(st.sampled_from([{}, {"org.matrix.msc3488.location": {"uri": "geo:51.5,7.0"}},
                                         {"info": {"thumbnail_url": MXC}}]))
    elif msgtype in ("m.image", "m.file", "m.audio", "m.video"):
        content |= draw(st.sampled_from([{"url": MXC}, {"url": MXC, "info": {"size": -1, "mimetype": 5}}, {},
                                         {"url": 5}, {"file": {"url": MXC, "v": "v2"}}, {"url": ""}]))
    if draw(st.integers(0, 4)) == 0:
        content["m.mentions"] = draw(mentions)
    content["relation"] = draw(st.sampled_from(["none"] * 6 + ["reply", "reply without fallback", "thread", "edit",
                                                              "edit without new content", "odd"]))
    if draw(st.integers(0, 9)) == 0:
        content[draw(st.sampled_from(["x_future_field", "m.new_content", "org.matrix.msc1767.text", ""]))] = draw(
            st.sampled_from([None, 0, "x", [], {"rel_type": "m.replace"}]))
    return content


unicode_text = st.lists(st.sampled_from(ZERO_WIDTH + BIDI + COMBINING + ASTRAL + CONTROL + ODD), max_size=6).map(
    "".join)
state_event = st.one_of(
    st.builds(lambda topic: ("m.room.topic", {"topic": topic}), st.one_of(mixed_text, unicode_text)),
    st.builds(lambda name: ("m.room.name", {"name": name[:255]}), st.one_of(mixed_text, unicode_text)),
    st.builds(lambda content: ("org.example.fuzz", content),
              st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), mixed_text), max_size=3)),
)
other_event = st.one_of(
    st.builds(lambda key: ("m.reaction", {"key": key}), st.one_of(st.sampled_from(["👍", "❤️", "1", "!start"]),
                                                                  unicode_text)),
    st.builds(lambda content: ("m.sticker", content), st.sampled_from([
        {"body": "😺", "url": MXC, "info": {}}, {"body": "😺"}, {"url": MXC}, {"body": 5, "url": MXC}])),
    st.builds(lambda content: ("org.example.ping", content),
              st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), mixed_text), max_size=3)),
    st.builds(lambda content: ("m.call.invite", content), st.sampled_from([{}, {"call_id": "1", "version": 0}])),
    st.just(("m.room.encrypted", {})),  # a megolm session id is filled in when sent
)
SESSIONS = ["phone-without-keys", "tablet-without-keys"]  # several undecryptable messages of one session


@dataclass(frozen=True)
class Spec:
    op: str  # message, state, redaction, other
    event_type: str
    content: JSON
    target: int  # which earlier event a relation, reaction or redaction points at


def spec(op: str, events: st.SearchStrategy[tuple[str, JSON]]) -> st.SearchStrategy[Spec]:
    return st.builds(lambda event, target: Spec(op, event[0], event[1], target), events, st.integers(0, 10**6))


FAMILIES = (
    spec("message", message().map(lambda content: ("m.room.message", content))),
    spec("message", message().map(lambda content: ("m.room.message", content))),
    spec("message", message().map(lambda content: ("m.room.message", content))),
    spec("message", message().map(lambda content: ("m.room.message", content))),
    st.one_of(spec("state", state_event), spec("redaction", st.just(("m.room.redaction", {}))),
              spec("other", other_event)),
)


@st.composite
def matrix_event(draw: st.DrawFn) -> Spec:
    """Four in five events are messages; one in five a state event, redaction, reaction or other event."""
    return draw(FAMILIES[draw(st.sampled_from(range(len(FAMILIES))))])


batches = st.lists(matrix_event(), min_size=BATCH_SIZE, max_size=BATCH_SIZE)


# Sending and checking ---------------------------------------------------------------------------------------------
@dataclass
class World:
    app: App
    channel: MatrixChannel
    task: asyncio.Task[None]
    stop: asyncio.Event
    resident: MatrixResident
    room: str
    bot_user: str
    sent: list[str] = field(default_factory=list)  # the resident's event ids, oldest first
    plain: list[str] = field(default_factory=list)  # those of messages without a relation
    settled: int = 0  # how many of `sent` are from batches already answered
    counts: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # what Synapse refused the resident, by errcode
    batch_seconds: list[float] = field(default_factory=list)

    def relate(self, spec: Spec) -> JSON:
        """The content with its relation to an earlier event, as clients write them."""
        content = dict(spec.content)
        relation = content.pop("relation", "none")
        if not self.plain or relation == "none":
            return content
        target = self.plain[spec.target % len(self.plain)]  # Synapse starts no thread at an event with a relation
        words = content.get("body") if isinstance(content.get("body"), str) else "x"
        if relation == "reply":
            content |= {"m.relates_to": {"m.in_reply_to": {"event_id": target}},
                        "body": f"> <{self.resident.client.user_id}> früher\n> noch früher\n\n{words}"}
        elif relation == "reply without fallback":
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": target}}
        elif relation == "thread":
            content["m.relates_to"] = {"rel_type": "m.thread", "event_id": target, "is_falling_back": True,
                                       "m.in_reply_to": {"event_id": target}}
        elif relation == "edit":
            content |= {"body": f" * {words}", "m.new_content": {"msgtype": "m.text", "body": words},
                        "m.relates_to": {"rel_type": "m.replace", "event_id": target}}
        elif relation == "edit without new content":
            content["m.relates_to"] = {"rel_type": "m.replace", "event_id": target}
        else:  # a reaction's relation on a message; Synapse refuses the same one twice
            content["m.relates_to"] = {"rel_type": "m.annotation", "event_id": target, "key": f"?{len(self.sent)}"}
        return content

    async def send(self, spec: Spec) -> tuple[str, JSON] | None:
        """Send one event as the resident; its id and the event as the bot will see it, or None if refused."""
        client, content = self.resident.client, self.relate(spec)
        if spec.op == "redaction":
            if not self.settled:
                self.refused["redaction skipped: nothing answered yet"] += 1
                return None
            # Only events of answered batches: a message redacted before the bot synced it reaches the bot empty.
            response = await client.room_redact(self.room, self.sent[spec.target % self.settled], reason="fuzz")
            kind = "m.room.redaction"
        elif spec.op == "state":
            response = await client.room_put_state(self.room, spec.event_type, content,
                                                   state_key="" if spec.event_type.startswith("m.") else "k")
            kind = spec.event_type
        else:
            if spec.event_type == "m.reaction":
                target = self.sent[spec.target % len(self.sent)] if self.sent else "$none"
                # Synapse refuses the same reaction twice; a number keeps each one new.
                content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target,
                                            "key": f"{content['key']}{len(self.sent)}"}}
            elif spec.event_type == "m.room.encrypted":
                content = {"algorithm": "m.megolm.v1.aes-sha2", "sender_key": "x" * 43, "device_id": "FUZZ",
                           "session_id": SESSIONS[spec.target % 3] if spec.target % 3 < 2 else uuid.uuid4().hex,
                           "ciphertext": "AwgAEpAB" + "A" * 40}
            content = fitted(content)
            response = await client.room_send(self.room, spec.event_type, content)
            kind = spec.event_type
        if isinstance(response, RoomSendError) or not hasattr(response, "event_id"):
            self.refused[getattr(response, "status_code", None) or type(response).__name__] += 1
            return None
        self.counts[kind] += 1
        return response.event_id, {"type": kind, "content": content}

    async def run_batch(self, specs: list[Spec]) -> None:
        """Send a batch, a few events at a time as a busy client would, then wait for every answer it is owed."""
        started = time.monotonic()
        sending = asyncio.Semaphore(SENDING_AT_ONCE)

        async def send(item: Spec) -> tuple[str, JSON] | None:
            async with sending:
                return await self.send(item)

        must: list[str] = []
        for sent in await asyncio.gather(*(send(item) for item in specs)):
            if sent is None:
                continue
            event_id, event = sent
            self.sent.append(event_id)
            if event["type"] == "m.room.message" and "m.relates_to" not in event["content"]:
                self.plain.append(event_id)
            verdict = deserves(event, event_id, self.resident.client.user_id)
            self.counts[f"answer: {verdict}"] += 1
            if verdict == "owed":
                must.append(event_id)
        deadline = time.monotonic() + BATCH_TIMEOUT
        while (missing := await self.unanswered(must)) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        assert not missing, f"after {BATCH_TIMEOUT:.0f} s, {len(missing)} messages without an answer: {missing[:3]}"
        assert not self.task.done(), "the Matrix channel stopped"
        self.settled = len(self.sent)
        self.batch_seconds.append(time.monotonic() - started)

    async def unanswered(self, event_ids: list[str]) -> list[str]:
        """The events whose answer is not recorded, or recorded but not yet sent."""
        if not event_ids:
            return []
        keys = {reply_key(MATRIX, event_id): event_id for event_id in event_ids}
        async with self.app.sessions() as session:
            recorded = set(await session.scalars(select(ProcessedEvent.event_id).where(
                ProcessedEvent.channel == MATRIX, ProcessedEvent.event_id.in_(event_ids))))
            # Read after the records: an answer is stored with its record, and its row goes once it is sent.
            unsent = set(await session.scalars(select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_(keys))))
        return [event_id for event_id in event_ids if event_id not in recorded] + [keys[key] for key in unsent]


def fitted(content: JSON) -> JSON:
    """Cut a long body so that the event stays under Synapse's size limit."""
    while len(json.dumps(content, ensure_ascii=False).encode()) > MAX_CONTENT_BYTES:
        for key in ("formatted_body", "body"):
            if isinstance(content.get(key), str) and len(content[key]) > 100:
                content = content | {key: content[key][: len(content[key]) // 2]}
                break
        else:
            break
    return content


def deserves(event: JSON, event_id: str, sender: str) -> str:
    """"owed", "optional" (a notice) or "none", from what matrix-nio makes of the event."""
    parsed = Event.parse_event({**event, "event_id": event_id, "sender": sender, "origin_server_ts": 1})
    if isinstance(parsed, MegolmEvent) or not isinstance(parsed, RoomMessage):
        return "none"
    return "optional" if isinstance(parsed, RoomMessageNotice) else "owed"


def bot_requests(synapse: Synapse, bot_user: str, offset: int) -> Counter[int]:
    """Status codes of the bot's requests in Synapse's request log since `offset`."""
    with synapse.log_path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    return Counter(int(match[2]) for line in lines if (match := REQUEST_LINE.search(line)) and match[1] == bot_user)


async def start(database: Database, folder: Path, synapse: Synapse) -> World:
    bot_user = await new_bot_account(synapse)
    settings = matrix_settings(database, folder / "bot", synapse, bot_user)
    # Hypothesis drives this test's own event loop: engines must not cross event loops.
    app = await create_app(settings, clock=FixedClock(TUESDAY_MORNING), migrate=False,
                           engine=create_engine_for_url(database.url))
    channel, stop = MatrixChannel(app.conversation, settings), asyncio.Event()
    task = asyncio.create_task(channel.run(stop))
    localpart = f"fuzzer-{uuid.uuid4().hex[:8]}"
    resident_user = await synapse.register(localpart, PASSWORD)
    await synapse.lift_ratelimit(resident_user)
    resident = MatrixResident(synapse.base_url, resident_user, PASSWORD, folder / "residents")
    await resident.login()
    await resident.wait_for_device_keys(bot_user)  # the bot has logged in and serves
    room = await resident.open_dm(bot_user, encrypted=False)
    await resident.wait_for_member(bot_user)
    return World(app, channel, task, stop, resident, room, bot_user)


async def close(world: World) -> None:
    world.stop.set()
    try:
        with contextlib.suppress(Exception):  # a channel that stopped with an error: the tests say so themselves
            await asyncio.wait_for(world.task, 60)
    finally:
        await world.resident.close()
        await world.app.close()


async def last_start_is_answered(world: World) -> None:
    """A last `!start` gets its answer: recorded, sent, and read by the resident."""
    client, written = world.resident.client, int(time.time() * 1000) - 1000
    response = await client.room_send(world.room, "m.room.message", {"msgtype": "m.text", "body": "!start"})
    assert isinstance(response, RoomSendResponse), response
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await world.resident.sync(timeout=1000)
        answers = [event for event in world.resident.received
                   if event.sender == world.bot_user and event.server_timestamp >= written]
        if answers and not await world.unanswered([response.event_id]):
            return
    raise AssertionError("the last !start got no answer")


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
def test_two_thousand_generated_events(database: Database, synapse: Synapse, tmp_path: Path,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    log_offset = synapse.log_path.stat().st_size if synapse.log_path.exists() else 0
    with asyncio.Runner() as runner:
        world = runner.run(start(database, tmp_path, synapse))
        try:
            # No shrinking: the bot keeps its state across batches, so a smaller batch would meet another bot.
            @settings(max_examples=BATCHES, deadline=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.explicit, Phase.reuse, Phase.generate])
            @given(batch=batches)
            def fuzz(batch: list[Spec]) -> None:
                runner.run(world.run_batch(batch))

            started = time.monotonic()
            fuzz()
            runner.run(last_start_is_answered(world))
            seconds = time.monotonic() - started
            assert not world.task.done(), "the Matrix channel stopped"
        finally:
            runner.run(close(world))
    statuses = bot_requests(synapse, world.bot_user, log_offset)
    warnings = Counter(f"{record.name}: {record.getMessage()[:40]}" for record in caplog.records
                       if record.levelno == logging.WARNING)
    events = sum(count for kind, count in world.counts.items() if ":" not in kind)
    print(f"\n{events} events in {seconds:.0f} s (each batch answered within {max(world.batch_seconds):.1f} s); "
          f"{dict(world.counts)}; refused by Synapse: {dict(world.refused)}; the bot's requests by status: "
          f"{dict(statuses)}; warnings: {dict(warnings)}")
    assert events + sum(world.refused.values()) == BATCHES * BATCH_SIZE
    assert events >= BATCHES * BATCH_SIZE * 0.99  # Synapse refuses a few (a thread on an edit's target)
    # The bot's own records; matrix-nio's are the resident's client's too, and it logs refused events at WARNING.
    assert [f"{r.name}: {r.getMessage()[:300]}" for r in caplog.records
            if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("bot", "handlers", "quartiersbot")] == []
    assert {status: count for status, count in statuses.items() if 400 <= status < 500} == {}


# What the fuzzing found ---------------------------------------------------------------------------------------------
# The first two stopped the channel: the exception left MatrixChannel.run, and since the sync token is saved only
# after a sync's events were handled, a restarted bot got the same event again and stopped again.
async def still_answers_after(world: World, contents: list[tuple[str, JSON]]) -> bool:
    for event_type, content in contents:
        response = await world.resident.client.room_send(world.room, event_type, content)
        assert isinstance(response, RoomSendResponse), response  # Synapse takes them
    response = await world.resident.client.room_send(world.room, "m.room.message",
                                                     {"msgtype": "m.text", "body": "!help"})
    assert isinstance(response, RoomSendResponse), response
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not world.task.done():
        if not await world.unanswered([response.event_id]):
            return True
        await asyncio.sleep(0.2)
    return False


def answered_after(database: Database, synapse: Synapse, folder: Path, contents: list[tuple[str, JSON]]) -> str:
    """"" when the channel answered a `!help` sent after `contents`; else why not."""
    with asyncio.Runner() as runner:
        world = runner.run(start(database, folder, synapse))
        try:
            if runner.run(still_answers_after(world, contents)):
                return ""
            stopped = world.task.done() and world.task.exception()
            return f"the channel stopped: {stopped!r}" if stopped else "no answer within 30 s"
        finally:
            runner.run(close(world))


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
def test_a_location_whose_geo_uri_is_a_number_does_not_stop_the_channel(database: Database, synapse: Synapse,
                                                                         tmp_path: Path) -> None:
    location = {"msgtype": "m.location", "body": "Ich bin hier", "geo_uri": ["geo:51.5431,7.0282"]}
    assert not (why := answered_after(database, synapse, tmp_path, [("m.room.message", location)])), why


@pytest.mark.slow
@pytest.mark.xdist_group("synapse")
def test_two_undecryptable_messages_of_one_session_do_not_stop_the_channel(database: Database, synapse: Synapse,
                                                                           tmp_path: Path) -> None:
    """As when a resident's phone has not shared its room key with the bot: every message of that session is
    undecryptable, and each asks for the same key."""
    encrypted = {"algorithm": "m.megolm.v1.aes-sha2", "sender_key": "x" * 43, "device_id": "PHONE",
                 "session_id": "one-session-" + uuid.uuid4().hex, "ciphertext": "AwgAEpAB" + "A" * 40}
    assert not (why := answered_after(database, synapse, tmp_path, [("m.room.encrypted", encrypted)] * 2)), why


@pytest.mark.parametrize("place", [(1000.0, 1000.0), (91.0, 7.0), (51.5, -181.0), (float("inf"), 7.0),
                                   (float("nan"), float("nan")), (-90.0, 180.0)])
async def test_a_location_anywhere_or_nowhere_is_answered(app: App, place: tuple[float, float],
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """What the fuzzing found: a Matrix geo URI is free text ("geo:1000,1000", 400 nines), and the distance to
    a place that is none raised in the middle of the answer. Off the Earth, it is not read, like a picture."""
    chat = Chat(app, channel=MATRIX, language_hint="en")
    await chat.tap("lang:set:en")
    replies = await app.conversation.handle(Incoming(MATRIX, chat.user, location=place, language_hint="en"))
    texts = "\n".join(reply.text for reply in replies)
    assert "went wrong" not in texts and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if place == (-90.0, 180.0):
        assert "Offers near you" in "\n".join(reply.title + reply.text for reply in replies)
    else:
        assert "cannot read" in texts
