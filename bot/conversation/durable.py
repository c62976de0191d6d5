"""Replies kept in the database until they are sent, so that no crash loses an answer.

The answer to a message is written (as an outbox row of kind `reply`) in the same transaction
that records the message as handled: either both are there, or neither and the message comes
again. The channel then sends it at once and deletes the row; what a crash left unsent, the
outbox dispatcher sends as soon as the crashed process is known to be gone (outbox/owner.py).
A sent reply is not kept.

Replies are stored as they were made, already in the resident's language: sending them later
must say exactly what the resident would have read then.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from bot.conversation.messages import Attachment, Choice, Reply

REPLY = "reply"
# How long a reply being sent live may stay unconfirmed before another process sends it: longer than a
# channel retries one reply through flood limits and network trouble (Telegram: 90 s).
REPLY_LEASE = dt.timedelta(seconds=120)


@dataclass(frozen=True)
class Answer:
    """What the core answered to one message, for a channel that sends it itself.

    `reply_id` is the stored reply to confirm once sent (None: nothing to send, e.g. a message seen
    before), `key` its unique outbox key (for channels that send idempotently); `screen` is the
    channel's id of the newest message the resident has from the bot, as the channel last reported it
    (to replace it rather than send a new one).
    """

    replies: list[Reply]
    reply_id: int | None = None
    screen: str | None = None
    key: str | None = None


def reply_key(channel: str, event_id: str) -> str:
    """The outbox key of the answer to one platform event: one answer per event, whoever stores it."""
    key = f"{REPLY}:{channel}:{event_id}"
    return key if len(key) <= 200 else f"{REPLY}:{channel}:#{hashlib.sha256(event_id.encode()).hexdigest()}"


def stored(replies: list[Reply]) -> dict[str, Any]:
    return {"replies": [_reply(reply) for reply in replies]}


def restored(payload: dict[str, Any]) -> list[Reply]:
    """The replies of a stored answer, without those already sent (`sent`: how many)."""
    replies = [_from(item) for item in payload.get("replies", [])]
    return replies[int(payload.get("sent", 0)):]


def _reply(reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {"text": reply.text, "title": reply.title, "edit": reply.edit,
                            "rtl": reply.right_to_left, "numbered": reply.numbered,
                            "choices": [[choice.label, choice.payload, choice.selected] for choice in reply.choices]}
    if reply.attachment is not None:
        data["file"] = {"name": reply.attachment.filename, "type": reply.attachment.mime_type,
                        "content": base64.b64encode(reply.attachment.content).decode("ascii")}
    return data


def _from(data: dict[str, Any]) -> Reply:
    attachment = None
    if "file" in data:
        attachment = Attachment(data["file"]["name"], data["file"]["type"], base64.b64decode(data["file"]["content"]))
    return Reply(text=data["text"], title=data.get("title", ""), edit=bool(data.get("edit")),
                 right_to_left=bool(data.get("rtl")), attachment=attachment, numbered=bool(data.get("numbered", True)),
                 choices=tuple(Choice(label, payload, selected) for label, payload, selected in data["choices"]))
