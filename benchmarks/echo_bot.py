"""A bare python-telegram-bot echo bot, the yardstick of benchmarks/telegram_throughput.py.

Reads QB_TELEGRAM_TOKEN and QB_TELEGRAM_API_URL like the real bot and runs until SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram import CONCURRENT_UPDATES


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def main() -> None:
    api = os.environ["QB_TELEGRAM_API_URL"]
    application = (ApplicationBuilder().token(os.environ["QB_TELEGRAM_TOKEN"]).base_url(api)
                   .base_file_url(api.rsplit("/bot", 1)[0] + "/file/bot")
                   .concurrent_updates(CONCURRENT_UPDATES).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await application.start()
        await stop.wait()
        await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
