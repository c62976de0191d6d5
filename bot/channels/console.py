"""The console channel: a chat in the terminal, or a scripted one from standard input.

On a terminal it prompts; otherwise it reads one resident message per line, prints the
replies with numbered choices and ends at the end of input, so conversations can be scripted:
`printf '/start\nDeutschkurs\n' | quartiersbot chat --lang de`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.conversation.channel import Delivery
from bot.conversation.core import Conversation
from bot.conversation.messages import Reply, parse_text
from bot.files import private_dir, write_private

CHANNEL = "console"
PULSE_SECONDS = 2
log = logging.getLogger(__name__)


def render(reply: Reply, saved_as: Path | None = None) -> str:
    lines = []
    if reply.title:
        lines.append(f"*{reply.title}*")
    lines.append(reply.text)
    if reply.attachment is not None:
        lines.append(f"📎 {saved_as or reply.attachment.filename}")
    if reply.numbered:
        lines += [f"  [{number}] {choice.shown_label}" for number, choice in enumerate(reply.choices, start=1)]
    else:
        lines += [f"  • {choice.shown_label}" for choice in reply.choices]
    return "\n".join(lines)


class ConsoleChannel:
    def __init__(self, conversation: Conversation, user: str, language_hint: str | None,
                 stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, downloads: Path | None = None) -> None:
        """`downloads`: where files sent to the resident (calendar entries) are saved."""
        self.downloads = downloads
        self.conversation = conversation
        self.user = user
        self.language_hint = language_hint
        self.stdin = stdin
        self.stdout = stdout

    async def send(self, text: str) -> list[Reply]:
        incoming = parse_text(CHANNEL, self.user, text, language_hint=self.language_hint)
        return await self.conversation.handle(incoming)

    def _print(self, replies: list[Reply]) -> None:
        for reply in replies:
            saved_as = None
            if reply.attachment is not None and self.downloads is not None:
                saved_as = private_dir(self.downloads) / Path(reply.attachment.filename).name
                write_private(saved_as, reply.attachment.content)  # a resident's appointment: theirs alone
            print(render(reply, saved_as), file=self.stdout)
            print(file=self.stdout)
        self.stdout.flush()

    async def send_proactive(self, user_id: str, key: str, replies: list[Reply],
                             address: str | None = None, first: int = 0) -> Delivery:
        """A message from the outbox (a call to the desk, a reminder), printed between the turns."""
        if user_id != self.user:
            return Delivery("retry", retry_after=60.0, error="not this terminal's resident")
        print("🔔", file=self.stdout)
        self._print(replies)
        return Delivery("sent")

    async def run(self, interactive: bool, pulse: Callable[[], Awaitable[None]] | None = None) -> None:
        """`pulse` delivers what is due (the outbox): every few seconds on a terminal, after each line
        when scripted, so a scripted chat shows its messages in a fixed order."""
        ticking = asyncio.create_task(self._tick(pulse)) if interactive and pulse else None
        try:
            if interactive:
                print("Quartiersbot  ·  /start  ·  Ctrl-D ⏏\n", file=self.stdout)
            while True:
                line = await asyncio.to_thread(self._read_line, interactive)
                if line is None:
                    return
                if not line.strip():
                    continue
                if not interactive:
                    print(f"> {line}", file=self.stdout)
                self._print(await self.send(line))
                if pulse is not None and not interactive:
                    await pulse()
        finally:
            if ticking is not None:
                ticking.cancel()

    @staticmethod
    async def _tick(pulse: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(PULSE_SECONDS)
            try:
                await pulse()
            except Exception:
                log.exception("delivering due messages to the terminal failed; trying again")

    def _read_line(self, interactive: bool) -> str | None:
        try:
            if interactive:
                return input("› ")
            line = self.stdin.readline()
            return line.rstrip("\r\n") if line else None
        except EOFError:
            return None
