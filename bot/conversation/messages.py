"""What channels hand to the core and get back: no platform types cross this line."""

from __future__ import annotations

from dataclasses import dataclass

SELECTED_MARK = "✅ "
UNSELECTED_MARK = "☐ "
MAX_PAYLOAD_BYTES = 64  # Telegram's limit for callback data; every channel keeps to it
MAX_ROW_ID = 2**31 - 1  # the database's integer; a longer number in button data names no row


@dataclass(frozen=True)
class Incoming:
    """One message from a resident, as any channel sees it.

    The content is one of: `payload` (a chosen option), `command` (without its slash),
    `location` (latitude, longitude), `unsupported` (what arrived that the bot cannot read:
    "photo", "voice", "edited" …) or `text`. `language_hint` is what the platform says the
    resident's language is; `private` is False for group rooms, which the bot does not serve.
    """

    channel: str
    user_id: str
    text: str = ""
    payload: str | None = None
    command: str | None = None
    args: str = ""
    language_hint: str | None = None
    location: tuple[float, float] | None = None
    unsupported: str | None = None
    private: bool = True
    event_id: str | None = None  # the platform's id; given, a replayed event is answered only once
    address: str | None = None  # where on the channel it came from (a Matrix room), where proactive messages go


@dataclass(frozen=True)
class Choice:
    """A button. `selected` is True for a given answer and False for a tick box left empty (None: neither).

    The mark is drawn by the channel and never stored with the label, so what a resident
    ticked does not end up in the conversation state kept next to them.
    """

    label: str
    payload: str
    selected: bool | None = None

    @property
    def shown_label(self) -> str:
        if self.selected is None:
            return self.label
        return (SELECTED_MARK if self.selected else UNSELECTED_MARK) + self.label

    def __post_init__(self) -> None:
        size = len(self.payload.encode("utf-8"))
        if not 1 <= size <= MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload {self.payload!r} is {size} bytes; 1 to {MAX_PAYLOAD_BYTES} allowed")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply, e.g. an .ics calendar entry."""

    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    """One message to the resident.

    `title` is shown emphasised where the channel can; `route` is the payload that renders
    this screen again (the core keeps it for "back"); `edit` asks channels that can to
    replace the previous message instead of sending a new one (paging, toggles). `numbered` is
    False where a typed number is the answer itself (a survey's number or text question): the
    channels that number their choices (console, Matrix) then list them without numbers, to be
    typed by their words, so "2" is never both an answer and a button.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    title: str = ""
    route: str | None = None
    edit: bool = False
    right_to_left: bool = False
    attachment: Attachment | None = None
    numbered: bool = True


def parse_text(channel: str, user_id: str, text: str, language_hint: str | None = None,
               command_prefixes: tuple[str, ...] = ("/",)) -> Incoming:
    """Turn typed text into a command ("/start offers", "/menu@QuartiersBot") or plain text."""
    stripped = text.strip()
    if stripped[:1] in command_prefixes and len(stripped) > 1 and not stripped[1].isspace():
        head, _, args = stripped[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        if name.replace("_", "").isalnum() and name.isascii():
            return Incoming(channel, user_id, command=name, args=args.strip(), language_hint=language_hint)
    return Incoming(channel, user_id, text=text, language_hint=language_hint)


def row_id(text: str) -> int | None:
    """The row a part of button data names ("events:e:12:…"); None for anything that cannot be one (made-up
    or mangled data), so it never reaches the database as an out-of-range integer."""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
    return number if 0 < number <= MAX_ROW_ID else None
