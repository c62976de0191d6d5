"""Fuzzing the Telegram channel: 10,000 generated updates of every kind through the unmodified channel, the real
python-telegram-bot and real HTTP against the loopback Bot API (tests/support/telegram_emulator.py).

Hypothesis generates batches of updates shaped like Telegram's JSON: messages, edits, channel posts, button presses
with real, mutated, crafted and unknown callback data, inline queries, chat members, polls, reactions, boosts,
business and guest messages, paid media, in private chats, groups, forum supergroups and channels; optional fields
left out or odd, unknown future fields, texts up to 20,000 characters, right-to-left and zero-width marks, astral
emoji, combining stacks, control characters, commands with a bot name, deep links with junk. What Telegram always
sends (the fields the Bot API marks required, with their types) is always there: the bot talks to Telegram, not
to anyone who can post JSON; a few updates are broken on purpose (BREAKAGES), as a broken proxy or a newer Bot API
might send them, and must be skipped. One Hypothesis example is a batch of 20 updates; the bot keeps running
across all batches, so residents' states build up (the same few hundred user ids come back). Button presses are
made on the bot's real messages, with their real buttons mostly, so that the flows are walked as well.

Each batch is queued at once, and then must be done within BATCH_TIMEOUT: every update fetched and confirmed (the
polling loop moves on), every button press acknowledged, every private message, edit and press from a person with
its answer recorded (`processed_events`, written with the answer) and sent (its stored reply confirmed and gone
from the outbox), and its chat got a message or an edit since the batch began. At the end: every group message
addressed to the bot got exactly one group notice; the Bot API answered no call of the bot's with an error (not
even "message is not modified" when a press leads to the screen it was pressed on, a double tap included); no log
record at ERROR or above; the channel still runs and answers a new resident's `/start`.

What deserves no answer, by design: updates without a person (channel posts, polls, boosts), updates of bots,
group chatter not addressed to the bot, business and guest messages (the bot serves no business account), inline
queries, payments, reactions, member changes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App, create_app
from bot.channels.telegram import TelegramChannel
from bot.clock import FixedClock
from bot.conversation.durable import reply_key
from bot.db.engine import create_engine_for_url
from bot.db.models import ProcessedEvent
from bot.outbox.models import OutboxMessage
from tests.support.databases import TUESDAY_MORNING, Database, settings_for
from tests.support.fuzz_text import BOT_NAME, huge_text, short_text, text
from tests.support.telegram_emulator import BotApiEmulator, utf16_len

# The library warns of a type change when the bot reads a service message's auto-delete timer; not the bot's concern.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*message_auto_delete_time.*")]
JSON = dict[str, Any]

BATCHES = 500
BATCH_SIZE = 20  # 10,000 updates; Hypothesis cannot draw much more per example (its buffer overruns)
BATCH_TIMEOUT = 60.0  # seconds for a batch to be fetched and answered; it takes about one on a quiet machine
USERS = 400  # residents, by index; ids far from the other tests' random ones
USER_BASE = 5_000_000_000
GROUPS = 12  # groups, supergroups and channels of each kind, by index
# Telegram lets a bot write 20 messages a minute into one group, and the bot keeps to it (python-telegram-bot's
# AIORateLimiter): a group that got more notices would make the test wait 3 s a notice. So a group is a new chat
# after this many updates; what one busy group does to the others is not this test's subject.
GROUP_TURN = 10
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
SENDS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument"})


# Text (the strategies are in tests/support/fuzz_text.py, shared with Matrix) -------------------------------------
def as_telegram_sends(body: str) -> JSON:
    """A text with the bot_command entity Telegram adds to a leading command."""
    if not body.startswith("/") or not body.split():
        return {"text": body}
    return {"text": body, "entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(body.split()[0])}]}


def fits_callback(data: str) -> str:
    """Telegram's callback data is 1 to 64 bytes."""
    cut = data.encode()[:64].decode(errors="ignore")
    return cut or "x"


# Users, chats and messages ---------------------------------------------------------------------------------------
language_code = st.one_of(
    st.sampled_from(["de", "en", "tr", "ar", "ro", "bg", "uk", "ru", "pl", "de", "en", "de-AT", "en-US", "pt-br"]),
    st.sampled_from([None, "", "xx", "zh-hans", "de@easy", "DE", "e", "ar_EG.UTF-8", "ü"]), st.text(max_size=12),
)


# Fields the bot does not read, in a few shapes each: drawn from pools, which costs Hypothesis one choice.
NAMES = ["", " ", "Ayşe", "محمد", "Олена", "\u202eevil", "a" * 64, "👩‍👩‍👧‍👦", "<b>x</b>", "Robert'); --", "\x00"]
user_extras = st.sampled_from([
    {}, {}, {}, {"last_name": "Öztürk"}, {"username": "anna_horst"}, {"username": "x" * 32}, {"is_premium": True},
    {"added_to_attachment_menu": True}, {"last_name": "\u200f", "is_premium": True},
    {"x_future_field": {"a": [1, None, {"b": "ü"}]}}, {"x_future_field": None}, {"x_future_field": [[], {}]},
])


@st.composite
def person(draw: st.DrawFn) -> JSON:
    index = draw(st.integers(0, USERS - 1))
    user: JSON = {"id": USER_BASE + index, "is_bot": False,
                  "first_name": draw(st.sampled_from([f"Bewohner{index}", f"Bewohner{index}", *NAMES]))}
    if (code := draw(language_code)) is not None:
        user["language_code"] = code
    return user | draw(user_extras)


def file_object(kind: str, number: int) -> JSON:
    base: JSON = {"file_id": f"{kind.upper()}{number}-fuzz", "file_unique_id": f"f{number}"}
    return base | {
        "photo": {"width": 90, "height": 60}, "sticker": {"width": 512, "height": 512, "is_animated": False,
                                                           "is_video": False, "type": "regular"},
        "voice": {"duration": 3}, "audio": {"duration": 0, "title": "♫"}, "video_note": {"length": 240, "duration": 1},
        "video": {"width": 640, "height": 360, "duration": 5}, "animation": {"width": 1, "height": 1, "duration": 0},
        "document": {"file_name": "scan.pdf", "mime_type": "application/pdf", "file_size": 2**31},
    }.get(kind, {})


latitude = st.one_of(st.sampled_from([51.5431, -51.5431, 0.0, 90.0, -90.0, 89.999999, 51.55]),
                     st.floats(-90, 90, allow_nan=False))
longitude = st.one_of(st.sampled_from([7.0282, -172.9718, 0.0, 180.0, -180.0, 7.03]),
                      st.floats(-180, 180, allow_nan=False))
location = st.builds(lambda lat, lon, extra: {"latitude": lat, "longitude": lon} | extra, latitude, longitude,
                     st.fixed_dictionaries({}, optional={"horizontal_accuracy": st.floats(0, 1500),
                                                         "live_period": st.integers(60, 86400),
                                                         "heading": st.integers(1, 360)}))

# What a message carries besides its ids: a text (with or without entities), a caption, media, a service event,
# nothing known at all.
content = st.one_of(
    st.builds(lambda body, mode: as_telegram_sends(body) if mode == "command-entity" else
              ({"text": body} if mode == "plain" else {"text": body, "entities": [
                  {"type": "bold", "offset": 0, "length": 10**6}, {"type": "future_entity", "offset": -1, "length": 0},
                  {"type": "text_link", "offset": 1, "length": 2, "url": "javascript:alert(1)"},
                  {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}]}),
              text, st.sampled_from(["command-entity", "command-entity", "plain", "odd-entities"])),
    st.builds(lambda body, kind, number: {kind: [file_object(kind, number)] if kind == "photo" else
                                          file_object(kind, number)} | ({"caption": body} if body else {}),
              st.one_of(st.just(""), short_text, huge_text),
              st.sampled_from(["photo", "sticker", "voice", "audio", "video", "video_note", "document", "animation"]),
              st.integers(1, 10**6)),
    location.map(lambda place: {"location": place}),
    location.map(lambda place: {"venue": {"location": place, "title": "Quartiersladen", "address": "Essener Str. 1"}}),
    st.just({"contact": {"phone_number": "+49 209 0000000", "first_name": "Nachbarin"}}),
    st.sampled_from(["🎲", "🎯", "🏀", "⚽", "🎳", "🎰"]).map(lambda emoji: {"dice": {"emoji": emoji, "value": 1}}),
    st.just({"poll": {"id": "1", "question": "?", "options": [{"text": "a", "voter_count": 0, "persistent_id": "a"}],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                      "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}}),
    st.sampled_from([
        {}, {"write_access_allowed": {"from_request": True}}, {"group_chat_created": True},
        {"new_chat_title": "Neu"}, {"delete_chat_photo": True}, {"message_auto_delete_timer_changed": {
            "message_auto_delete_time": 86400}}, {"web_app_data": {"data": "{}", "button_text": "Go"}},
        {"story": {"chat": {"id": -1001, "type": "channel", "title": "Kanal"}, "id": 1}},
        {"users_shared": {"request_id": 1, "users": [{"user_id": 1}]}},
        {"chat_shared": {"request_id": 2, "chat_id": -1002}}, {"game": {"title": "g", "description": "d", "photo": []}},
        {"quantum_message_from_the_future": {"x": [1, 2]}}, {"checklist_tasks_done": {}},
    ]),
)
message_extras = st.sampled_from([
    {}, {}, {}, {}, {}, {},
    {"forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "Jemand"}},
    {"forward_origin": {"type": "user", "date": 1700000000, "sender_user": {"id": 42, "is_bot": False,
                                                                            "first_name": "A"}}},
    {"forward_origin": {"type": "channel", "date": 1700000000, "chat": {"id": -1003, "type": "channel",
                                                                        "title": "K"}, "message_id": 5}},
    {"via_bot": {"id": 99, "is_bot": True, "first_name": "Inline", "username": "SomeInlineBot"}},
    {"link_preview_options": {"is_disabled": True}, "has_protected_content": True, "is_from_offline": True},
    {"edit_date": 0}, {"edit_date": 2**31 - 1}, {"effect_id": "5104841245755180586"},
    {"quote": {"text": "\u202e", "position": 0, "is_manual": True}},
    {"external_reply": {"origin": {"type": "hidden_user", "date": 1, "sender_user_name": "X"}}},
    {"reply_markup": {"inline_keyboard": [[{"text": "x", "url": "https://example.org"}]]}},
    {"author_signature": "\u0301" * 30, "sender_boost_count": 10, "media_group_id": "13"},
    {"x_future_field": {"": 1}, "is_automatic_forward": True},
])
date = st.one_of(st.just("now"), st.sampled_from([1, 1_000_000_000, 2**31 - 1]))


# What Telegram would never send (a required field missing or of another type, a message that is no object) but a
# broken proxy or a Bot API version the library does not know yet might: the bot must skip it and go on.
BREAKAGES: dict[str, tuple[str, Callable[[JSON], Any]]] = {
    "message without chat": ("message", lambda message: {k: v for k, v in message.items() if k != "chat"}),
    "message without date": ("message", lambda message: {k: v for k, v in message.items() if k != "date"}),
    "message without id": ("message", lambda message: {k: v for k, v in message.items() if k != "message_id"}),
    "date as text": ("message", lambda message: message | {"date": "gestern"}),
    "chat as text": ("message", lambda message: message | {"chat": str(message["chat"]["id"])}),
    "chat without type": ("message", lambda message: message | {"chat": {"id": message["chat"]["id"]}}),
    "chat without id": ("message", lambda message: message | {"chat": {"type": "private"}}),
    "chat of an unknown type": ("message", lambda message: message | {"chat": message["chat"] | {"type": "secret"}}),
    "sender without id": ("message", lambda message: message | {"from": {"is_bot": False, "first_name": "A"}}),
    "sender as text": ("message", lambda message: message | {"from": "A"}),
    "message null": ("message", lambda message: None),
    "message as text": ("message", lambda message: "hallo"),
    "message as list": ("message", lambda message: [message]),
    "photo as text": ("message", lambda message: message | {"photo": "x"}),
    "location without latitude": ("message", lambda message: message | {"location": {"longitude": 7.0}}),
    "entities as text": ("message", lambda message: message | {"entities": "x"}),
    "reply without chat": ("message", lambda message: message | {"reply_to_message": {"message_id": 1, "date": 1}}),
    "press without sender": ("callback_query", lambda query: {k: v for k, v in query.items() if k != "from"}),
    "press without id": ("callback_query", lambda query: {k: v for k, v in query.items() if k != "id"}),
    "press on a message without chat": ("callback_query", lambda query: query | {"message": {"message_id": 1,
                                                                                             "date": 0}}),
}


@dataclass(frozen=True)
class Spec:
    """One update to make; materialised at run time, when real bot messages and message ids are known."""
    kind: str
    user: JSON
    chat: str  # private, group, supergroup, forum, channel
    group: int
    fields: JSON = field(default_factory=dict)


PRIVATE = st.just("private")


def spec(kind: str, chats: st.SearchStrategy[str] = PRIVATE, **fields: st.SearchStrategy[Any]
         ) -> st.SearchStrategy[Spec]:
    return st.builds(Spec, st.just(kind), person(), chats, st.integers(0, GROUPS - 1), st.fixed_dictionaries(fields))


group_chats = st.sampled_from(["group", "supergroup", "forum"])
any_chat = st.sampled_from(["private", "private", "group", "supergroup", "forum", "channel"])
callback_data = st.one_of(
    st.tuples(st.just("real"), st.integers(0, 30)), st.tuples(st.just("real"), st.integers(0, 30)),
    st.tuples(st.just("real"), st.integers(0, 30)),
    st.tuples(st.just("mutated"), st.integers(0, 30), st.sampled_from([":", ":x", ":-1", ":99999999999999999999",
                                                                     "::", ":\u202e", ":%", ":0:0:0:0"])),
    st.tuples(st.just("crafted"), st.builds(
        lambda namespace, parts: ":".join([namespace, *parts]),
        st.sampled_from(["offers", "desk", "queue", "lang", "survey", "privacy", "events", "help", "soon", "menu",
                         "back", ""]),
        st.lists(st.one_of(st.sampled_from(["home", "c", "o", "q", "s", "n", "f", "set", "pick", "take", "cancel",
                                            "erase", "data", "e", "r", "reg", "l", "ics", "call", "open", "de", "ar",
                                            "1", "0", "-1", "2026-11-24", "9999-99-99", "", "sport_culture"]),
                           st.text(max_size=6)), max_size=4))),
    st.tuples(st.just("junk"), st.text(min_size=1, max_size=64)),
    st.tuples(st.just("absent")),
)
private_message = spec("message", content=content, extras=message_extras, date=date, reply=st.booleans())
button_press = spec("callback_query", data=callback_data, index=st.integers(0, 50),
                    group=st.integers(0, 5).map(lambda roll: roll == 0),  # one press in six in a group
                    where=st.sampled_from(["real", "real", "real", "inaccessible", "inline"]))
edit_or_group = st.one_of(
    spec("edited_message", any_chat, content=content, extras=message_extras, date=date, reply=st.booleans()),
    spec("message", group_chats, content=content, extras=message_extras, date=date, reply=st.booleans(),
         sender=st.sampled_from(["person", "person", "anonymous", "channel"]),
         addressed=st.sampled_from(["no", "command", "mention", "reply"])),
)
other_kinds = st.one_of(
    spec("channel_post", st.just("channel"), content=content, extras=message_extras, date=date, reply=st.booleans()),
    spec("edited_channel_post", st.just("channel"), content=content, extras=message_extras, date=date,
         reply=st.booleans()),
    spec("business_message", content=content, extras=message_extras, date=date, reply=st.booleans()),
    spec("edited_business_message", content=content, extras=message_extras, date=date, reply=st.booleans()),
    spec("guest_message", any_chat, content=content, extras=message_extras, date=date, reply=st.booleans()),
    spec("inline_query", query=text.map(lambda body: body[:256]), chat_type=st.sampled_from(
        [None, "sender", "private", "group", "supergroup", "channel"])),
    spec("chosen_inline_result", query=short_text),
    spec("shipping_query"), spec("pre_checkout_query", amount=st.integers(0, 2**31 - 1)),
    spec("poll", question=short_text), spec("poll_answer", options=st.lists(st.integers(0, 9), max_size=3),
                                            anonymous=st.booleans()),
    spec("my_chat_member", any_chat, status=st.sampled_from(["member", "left", "kicked"])),
    spec("chat_member", group_chats, status=st.sampled_from(["member", "left", "kicked"])),
    spec("chat_join_request", group_chats, bio=short_text),
    spec("chat_boost", st.sampled_from(["channel", "supergroup"])),
    spec("removed_chat_boost", st.sampled_from(["channel", "supergroup"])),
    spec("message_reaction", any_chat, emoji=st.sampled_from(["👍", "❤", "🔥", "🤡", "x"]), anonymous=st.booleans()),
    spec("message_reaction_count", any_chat),
    spec("business_connection", enabled=st.booleans()),
    spec("deleted_business_messages", ids=st.lists(st.integers(1, 2**31 - 1), max_size=5)),
    spec("purchased_paid_media", payload=short_text.map(lambda body: body or "p")),
    spec("managed_bot"),
    spec("malformed", breakage=st.sampled_from(sorted(BREAKAGES))),
)
FAMILIES = (private_message, private_message, button_press, button_press, edit_or_group, other_kinds)


@st.composite
def update(draw: st.DrawFn) -> Spec:
    """One in three updates is a private message, one in three a button press, one in six an edit or group message,
    one in six another kind. (`one_of` would flatten the nested choices and favour the many small kinds.)"""
    return draw(FAMILIES[draw(st.sampled_from(range(len(FAMILIES))))])


batches = st.lists(update(), min_size=BATCH_SIZE, max_size=BATCH_SIZE)


# Running the batches ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """What the bot owes for one update: an answer in a private chat, the notice in a group, an acknowledgement."""
    private: int | None = None
    group: int | None = None
    callback: str | None = None
    # A press on one of the bot's messages may lead to the screen that message shows already: then nothing is
    # sent (Telegram refuses such an edit), and the recorded, sent answer is all there is to see.
    on_screen: bool = False


@dataclass
class Batch:
    started: float
    first_call: int  # the emulator's calls before it
    needs: dict[int, Need] = field(default_factory=dict)  # update id → what the bot owes for it


@dataclass
class World:
    emulator: BotApiEmulator
    app: App
    stop: asyncio.Event
    task: asyncio.Task[None]
    counts: Counter[str] = field(default_factory=Counter)
    owed_groups: list[Need] = field(default_factory=list)
    group_uses: Counter[tuple[str, int]] = field(default_factory=Counter)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    batch_seconds: list[float] = field(default_factory=list)

    def chat(self, chat_type: str, user: JSON, group: int) -> JSON:
        """A private chat is the resident's own; group `group` moves to a new chat id every GROUP_TURN updates."""
        if chat_type == "private":
            chat_id, extra = user["id"], {"first_name": user["first_name"]}
        else:
            turn = self.group_uses[(chat_type, group)] // GROUP_TURN
            self.group_uses[(chat_type, group)] += 1
            base = {"group": 4_000_000_000, "channel": 1_002_000_000_000}.get(chat_type, 1_001_000_000_000)
            chat_id, extra = -(base + group * 100_000 + turn), {"title": f"{chat_type} {group}/{turn}"}
            extra |= {"is_forum": True} if chat_type == "forum" else {}
        real_type = "supergroup" if chat_type == "forum" else chat_type
        self.emulator._ensure_chat(chat_id, real_type)  # a chat the bot can write to
        return {"id": chat_id, "type": real_type} | extra

    def message(self, spec: Spec, chat: JSON, sender: JSON | None) -> JSON:
        fields, chat_id = spec.fields, chat["id"]
        message: JSON = {"message_id": next(self.emulator._message_ids[chat_id]), "chat": chat,
                         "date": int(time.time()) if fields["date"] == "now" else fields["date"],
                         **fields["content"], **fields["extras"]}
        if sender is not None:
            message["from"] = sender
        else:
            message["sender_chat"] = chat if chat["type"] == "channel" else {"id": -1003, "type": "channel",
                                                                             "title": "Kanal"}
        if spec.chat == "forum":
            message |= {"message_thread_id": 1 + spec.group, "is_topic_message": True}
        if fields["reply"] and (ours := self.emulator.messages(chat_id)):
            message["reply_to_message"] = self.emulator._message_json(ours[-1])
        elif fields["reply"]:
            message["reply_to_message"] = {"message_id": 1, "chat": chat, "date": 1, "text": "früher",
                                           "from": sender or ANONYMOUS_ADMIN}
        return message

    def materialise(self, spec: Spec, batch: Batch) -> tuple[str, JSON, Need]:
        """The update's kind and payload, and what the bot owes for it."""
        if spec.kind == "callback_query":
            return self._callback(spec, batch)
        if spec.kind == "message" and spec.chat != "private":
            return self._group_message(spec)
        if spec.kind == "malformed":
            return self._malformed(spec)
        user, fields, number = spec.user, spec.fields, next(self.numbers)
        chat = self.chat(spec.chat, user, spec.group)
        if spec.kind in ("message", "edited_message", "business_message", "edited_business_message",
                         "guest_message", "channel_post", "edited_channel_post"):
            message = self.message(spec, chat, None if spec.kind.endswith("channel_post") else user)
            if spec.kind.startswith("edited"):
                message |= {"message_id": max(1, message["message_id"] - 1), "edit_date": int(time.time())}
            if spec.kind.endswith("business_message"):
                message["business_connection_id"] = "biz-1"
            if spec.kind == "guest_message":
                message["guest_query_id"] = f"guest-{number}"
            private = spec.kind in ("message", "edited_message") and chat["type"] == "private"
            return spec.kind, message, Need(private=chat["id"] if private else None)
        bot, now = self.emulator.bot_user, int(time.time())
        member = {"status": fields.get("status"), "user": bot if spec.kind == "my_chat_member" else user}
        member |= {"until_date": 0} if fields.get("status") == "kicked" else {}
        boost_source = {"source": "premium", "user": user}
        payloads: dict[str, Any] = {
            "inline_query": lambda: {"id": str(number), "from": user, "query": fields["query"], "offset": ""} | (
                {"chat_type": fields["chat_type"]} if fields["chat_type"] else {}),
            "chosen_inline_result": lambda: {"result_id": str(number), "from": user, "query": fields["query"]},
            "shipping_query": lambda: {"id": str(number), "from": user, "invoice_payload": "x", "shipping_address": {
                "country_code": "DE", "state": "", "city": "Gelsenkirchen", "street_line1": "Essener Str. 1",
                "street_line2": "", "post_code": "45899"}},
            "pre_checkout_query": lambda: {"id": str(number), "from": user, "currency": "EUR",
                                           "total_amount": fields["amount"], "invoice_payload": "x"},
            "poll": lambda: {"id": str(number), "question": fields["question"] or "?", "options": [
                {"text": "Ja", "voter_count": 1, "persistent_id": "ja"}], "total_voter_count": 1, "is_closed": True,
                "is_anonymous": True, "type": "quiz", "allows_multiple_answers": False, "allows_revoting": True,
                "members_only": False},
            "poll_answer": lambda: {"poll_id": str(number), "option_ids": fields["options"],
                                   "option_persistent_ids": [str(option) for option in fields["options"]]} | (
                {"voter_chat": chat} if fields["anonymous"] else {"user": user}),
            "my_chat_member": lambda: {"chat": chat, "from": user, "date": now, "old_chat_member": {
                "status": "member", "user": bot}, "new_chat_member": member},
            "chat_member": lambda: {"chat": chat, "from": user, "date": now, "old_chat_member": {
                "status": "left", "user": user}, "new_chat_member": member},
            "chat_join_request": lambda: {"chat": chat, "from": user, "user_chat_id": user["id"], "date": now,
                                          "bio": fields["bio"]},
            "chat_boost": lambda: {"chat": chat, "boost": {"boost_id": str(number), "add_date": 1,
                                                           "expiration_date": 2**31 - 1, "source": boost_source}},
            "removed_chat_boost": lambda: {"chat": chat, "boost_id": str(number), "remove_date": 1,
                                           "source": boost_source},
            "message_reaction": lambda: {"chat": chat, "message_id": 1, "date": now, "old_reaction": [],
                                         "new_reaction": [{"type": "emoji", "emoji": fields["emoji"]},
                                                          {"type": "paid"}]} | (
                {"actor_chat": chat} if fields["anonymous"] else {"user": user}),
            "message_reaction_count": lambda: {"chat": chat, "message_id": 1, "date": now, "reactions": [
                {"type": {"type": "custom_emoji", "custom_emoji_id": "1"}, "total_count": 3}]},
            "business_connection": lambda: {"id": "biz-1", "user": user, "user_chat_id": user["id"], "date": now,
                                            "is_enabled": fields["enabled"], "can_reply": True},
            "deleted_business_messages": lambda: {"business_connection_id": "biz-1", "chat": chat,
                                                  "message_ids": fields["ids"]},
            "purchased_paid_media": lambda: {"from": user, "paid_media_payload": fields["payload"]},
            "managed_bot": lambda: {"user": user, "bot": {"id": 77, "is_bot": True, "first_name": "Managed",
                                                          "username": "ManagedBot"}},
        }
        return spec.kind, payloads[spec.kind](), Need()

    def _group_message(self, spec: Spec) -> tuple[str, JSON, Need]:
        """Group chatter; what is addressed to the bot (a command, its @name, a reply to it) gets the notice."""
        fields, chat = spec.fields, self.chat(spec.chat, spec.user, spec.group)
        sender = {"person": spec.user, "anonymous": ANONYMOUS_ADMIN, "channel": None}[fields["sender"]]
        message = self.message(spec, chat, sender)
        bot = self.emulator.bot_user
        if fields["addressed"] == "command":
            message |= as_telegram_sends("/start" + ("" if spec.user["id"] % 2 else f"@{BOT_NAME}"))
        elif fields["addressed"] == "mention":
            message |= {"text": f"Hallo @{BOT_NAME}, {message.get('text', '')}"[:5000]}
        elif fields["addressed"] == "reply":
            message["reply_to_message"] = {"message_id": 1, "chat": chat, "date": 1, "text": "Hinweis", "from": bot}
        body = message.get("text")
        addressed = (isinstance(body, str) and (body.startswith("/") or f"@{BOT_NAME}" in body)) or (
            message.get("reply_to_message", {}).get("from", {}).get("id") == bot["id"])
        return "message", message, Need(group=chat["id"] if addressed and fields["sender"] == "person" else None)

    def _malformed(self, spec: Spec) -> tuple[str, JSON, Need]:
        """A private /start or a press of "menu", broken: owed nothing but an acknowledgement of a readable press."""
        kind, breaking = BREAKAGES[spec.fields["breakage"]]
        self.counts["broken on purpose: skipped"] += 1
        chat = self.chat("private", spec.user, 0)
        if kind == "message":
            message = {"message_id": next(self.emulator._message_ids[chat["id"]]), "chat": chat,
                       "date": int(time.time()), "from": spec.user, **as_telegram_sends("/start")}
            return kind, breaking(message), Need()
        query_id = str(6_000_000_000_000_000 + next(self.emulator._ids))
        query = breaking({"id": query_id, "from": spec.user, "chat_instance": "1", "data": "menu",
                          "message": {"message_id": 1, "chat": chat, "date": 0}})
        if "id" not in query:
            return kind, query, Need()
        self.emulator._callbacks[query_id] = query
        return kind, query, Need(callback=query_id)

    def _callback(self, spec: Spec, batch: Batch) -> tuple[str, JSON, Need]:
        """A button press: on a real bot message (with one of its buttons, changed or not, or crafted data), on
        a message the bot can no longer see, or on an inline message (no chat)."""
        fields, user = spec.fields, spec.user
        number = next(self.emulator._ids)
        query_id = str(5_000_000_000_000_000 + number)
        query: JSON = {"id": query_id, "from": user, "chat_instance": f"-{user['id']}42"}
        chat = self.chat("group" if fields["group"] else "private", user, spec.group)
        ours = self.emulator.messages(chat["id"])
        pressed = ours[fields["index"] % len(ours)] if ours and fields["where"] == "real" else None
        if pressed is not None:
            query["message"] = self.emulator._message_json(pressed)
        elif fields["where"] != "inline":
            query["message"] = {"message_id": 1 + fields["index"], "chat": chat, "date": 0}  # inaccessible
        else:
            query["inline_message_id"] = f"inline-{number}"
        markup = (pressed.reply_markup or {}) if pressed is not None else {}
        buttons = [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row
                   if "callback_data" in button]
        mode, *rest = fields["data"]
        if mode in ("real", "mutated") and buttons:
            query["data"] = fits_callback(buttons[rest[0] % len(buttons)] + (rest[1] if mode == "mutated" else ""))
        elif mode in ("crafted", "junk"):
            query["data"] = fits_callback(rest[0])
        elif mode == "absent":
            query["game_short_name"] = "quiz"
        else:
            query["data"] = "menu"
        self.emulator._callbacks[query_id] = query  # a press Telegram knows: its acknowledgement must succeed
        if "message" not in query:
            return "callback_query", query, Need(callback=query_id)
        if chat["type"] == "private":
            return "callback_query", query, Need(private=chat["id"], callback=query_id, on_screen=pressed is not None)
        return "callback_query", query, Need(group=chat["id"], callback=query_id)

    async def run_batch(self, specs: list[Spec]) -> None:
        """Queue a batch at once, then wait until the bot has done all it owes for it."""
        batch = Batch(time.monotonic(), len(self.emulator.calls))
        for item in specs:
            kind, payload, need = self.materialise(item, batch)
            batch.needs[self.emulator._enqueue(kind, payload)["update_id"]] = need
            self.counts[kind] += 1
        await self.settle(batch)

    async def settle(self, batch: Batch) -> None:
        missing = "nothing checked"
        deadline = time.monotonic() + BATCH_TIMEOUT
        while time.monotonic() < deadline:
            if not (missing := await self.missing(batch)):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"after {BATCH_TIMEOUT:.0f} s: {missing}")
        needs = batch.needs.values()
        self.counts["private: answered"] += sum(1 for need in needs if need.private is not None)
        self.owed_groups += [need for need in needs if need.group is not None]
        self.counts["press: acknowledged"] += sum(1 for need in needs if need.callback is not None)
        self.batch_seconds.append(time.monotonic() - batch.started)

    async def missing(self, batch: Batch) -> str:
        """What the bot has not done yet for this batch ("" when nothing)."""
        emulator, needs = self.emulator, batch.needs
        if pending := [update["update_id"] for update in emulator._updates if update["update_id"] in needs]:
            return f"{len(pending)} updates not fetched"
        if unanswered := {need.callback for need in needs.values() if need.callback} - set(emulator.answered_callbacks):
            return f"{len(unanswered)} button presses not acknowledged"
        sends = sends_per_chat(emulator.calls[batch.first_call:])
        private = {update_id: need.private for update_id, need in needs.items() if need.private is not None}
        may_stay_silent = {need.private for need in needs.values() if need.on_screen} - {
            need.private for need in needs.values() if need.private is not None and not need.on_screen}
        if silent := {chat for chat in private.values() if not sends[chat] and chat not in may_stay_silent}:
            return f"{len(silent)} private chats got no message"
        events = [f"u{update_id}" for update_id in private]
        keys = [reply_key("telegram", event) for event in events]
        async with self.app.sessions() as session:
            recorded = set(await session.scalars(select(ProcessedEvent.event_id).where(
                ProcessedEvent.channel == "telegram", ProcessedEvent.event_id.in_(events))))
            # Read after the records: an answer is stored with its record, and its row goes once it is sent.
            unsent = (await session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status,
                                                   OutboxMessage.last_error)
                                            .where(OutboxMessage.idempotency_key.in_(keys)))).all()
        if not_recorded := set(events) - recorded:
            return f"{len(not_recorded)} private updates without a recorded answer: {sorted(not_recorded)[:5]}"
        if unsent:
            return f"{len(unsent)} answers not sent: {[tuple(row) for row in unsent[:5]]}"
        return ""


def sends_per_chat(calls: list[tuple[str, JSON]]) -> Counter[int]:
    return Counter(int(params["chat_id"]) for method, params in calls
                   if method in SENDS and str(params.get("chat_id", "")).lstrip("-").isdigit())


async def start(database: Database, tmp_path: Path) -> World:
    emulator = BotApiEmulator(bot_username=BOT_NAME)
    await emulator.start()
    # The emulator has no flood limits here, and the bot's pacing at Telegram's 30 messages a second would make
    # this test mostly wait: robustness is tested here, pacing in test_telegram_emulator and benchmarks/reminders.py.
    settings = settings_for(database, tmp_path, telegram_token=emulator.token, telegram_api_url=emulator.base_url,
                            telegram_max_rate=5000)
    # Hypothesis drives this test's own event loop: engines must not cross event loops.
    app = await create_app(settings, clock=FixedClock(TUESDAY_MORNING), migrate=False,
                           engine=create_engine_for_url(database.url))
    stop = asyncio.Event()
    task = asyncio.create_task(TelegramChannel(app.conversation, settings).run(stop))
    await emulator.wait_until(lambda: any(method == "getUpdates" for method, _ in emulator.calls), timeout=30)
    return World(emulator, app, stop, task)


async def close(world: World) -> None:
    world.stop.set()
    try:
        await asyncio.wait_for(world.task, 30)
    finally:
        await world.app.close()
        await world.emulator.stop()


def test_ten_thousand_generated_updates(database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
                                        ) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    with asyncio.Runner() as runner:
        world = runner.run(start(database, tmp_path))
        try:
            # No shrinking: the bot keeps its state across batches, so a smaller batch would meet another bot.
            @settings(max_examples=BATCHES, deadline=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.explicit, Phase.reuse, Phase.generate])
            @given(batch=batches)
            def fuzz(batch: list[Spec]) -> None:
                runner.run(world.run_batch(batch))
                assert not world.task.done(), "the Telegram channel stopped"

            started = time.monotonic()
            fuzz()
            # The loop is not stalled: a new resident's /start is answered, and every update was fetched.
            user = random.randint(10**8, 10**9)
            world.emulator.send_text(user, "/start", language_code="en")
            runner.run(world.emulator.wait_for_messages(user, 2, timeout=30))
            runner.run(world.emulator.wait_until(lambda: not world.emulator._updates, timeout=30))
            assert not world.task.done(), "the Telegram channel stopped"
            seconds = time.monotonic() - started
        finally:
            runner.run(close(world))
    emulator, counts = world.emulator, world.counts
    updates_sent = sum(count for kind, count in counts.items() if ":" not in kind)
    counts["group: notice sent"] = len(world.owed_groups)
    warnings = Counter(record.getMessage()[:60] for record in caplog.records if record.levelno == logging.WARNING)
    print(f"\n{updates_sent} updates in {seconds:.0f} s (each batch answered within {max(world.batch_seconds):.1f} s); "
          f"{dict(counts)}; {len(emulator.calls)} Bot API calls; warnings: {dict(warnings)}")
    assert updates_sent == BATCHES * BATCH_SIZE
    assert [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR] == []
    # Every group notice owed was sent, once; nothing else went to a group.
    owed = Counter(need.group for need in world.owed_groups)
    sent = sends_per_chat(emulator.calls)
    assert {chat: sent[chat] for chat in owed if sent[chat] != owed[chat]} == {}
    assert {chat for chat in sent if chat < 0} <= set(owed)
    # No error answer the bot caused, "message is not modified" included.
    assert emulator.errors == []
