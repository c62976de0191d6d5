"""The Matrix channel in the tests: bot accounts on the test's Synapse, the bot serving on its own task, and
a resident starting an encrypted chat with it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

from bot.app import App
from bot.channels.matrix import MatrixChannel
from bot.config import Settings
from tests.support.databases import Database, settings_for
from tests.support.matrix_resident import MatrixResident
from tests.support.synapse import Synapse

PASSWORD = "a-long-test-password"
BOT = "quartiersbot"


async def new_bot_account(synapse: Synapse) -> str:
    user_id = await synapse.register(f"{BOT}-{uuid.uuid4().hex[:8]}", PASSWORD)
    await synapse.lift_ratelimit(user_id)
    return user_id


def matrix_settings(database: Database, folder: Path, synapse: Synapse, bot_user: str) -> Settings:
    return settings_for(database, folder, matrix_homeserver=synapse.base_url, matrix_user_id=bot_user,
                        matrix_password=PASSWORD)


class RunningBot:
    def __init__(self, app: App, settings: Settings) -> None:
        self.app = app
        self.user_id = settings.matrix_user_id
        self.channel = MatrixChannel(app.conversation, settings)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.channel.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 60)


async def start_in_encrypted_dm(resident: MatrixResident, bot_account: str, language: str) -> int:
    """A new resident opens an encrypted chat and picks a language; the number of replies so far."""
    await resident.open_dm(bot_account, encrypted=True)
    await resident.wait_for_member(bot_account)
    await resident.say("!start")
    await resident.replies(1, bot_account)
    await resident.say(language)
    return len(await resident.replies(3, bot_account))


async def until_sent(bot: RunningBot) -> None:
    """The channel may still be starting (no rooms known yet): the dispatcher then retries."""
    while not (await bot.app.dispatcher.run_until_idle()).sent:
        bot.app.clock.advance(dt.timedelta(seconds=10))  # type: ignore[attr-defined]
        await asyncio.sleep(0.2)


async def person(synapse: Synapse, folder: Path, name: str) -> MatrixResident:
    """A new account on the homeserver, logged in with its own key store under `folder`."""
    user_id = await synapse.register(f"{name}-{uuid.uuid4().hex[:8]}", PASSWORD)
    account = MatrixResident(synapse.base_url, user_id, PASSWORD, folder / name)
    await account.login()
    return account


async def choose(account: MatrixResident, bot: str, received: int, fragment: str) -> int:
    """Type the number of the listed choice containing `fragment`; the number of replies after the answer."""
    body = (await account.replies(received, bot))[-1].body
    numbers = {line.split(".", 1)[1]: line.split(".", 1)[0].strip() for line in body.splitlines()
               if "." in line and line.split(".", 1)[0].strip().isdigit()}
    number = next((number for label, number in numbers.items() if fragment in label), None)
    assert number is not None, f"no choice with {fragment!r} in {body!r}"
    await account.say(number)
    return len(await account.replies(received + 1, bot))
