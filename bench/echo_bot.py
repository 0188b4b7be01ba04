"""The reference: a bare aiogram bot answering every message with a fixed text, no database.

`python -m bench.echo_bot` runs it as its own process (BOT_TOKEN, TELEGRAM_API_URL), importing nothing
but aiogram, so its memory is what aiogram alone costs.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import Message

ECHO_TEXT = "ok"


async def echo(message: Message) -> None:
    """Answer with the fixed text."""
    await message.answer(ECHO_TEXT)


def echo_dispatcher() -> Dispatcher:
    """A Dispatcher with one message handler answering a fixed text."""
    router = Router(name="echo")
    router.message.register(echo)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def main() -> None:
    """Poll until SIGTERM or SIGINT, with the same client settings as the shop's Bot factory."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(
        token=os.environ["BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    asyncio.run(echo_dispatcher().start_polling(bot))


if __name__ == "__main__":
    main()
