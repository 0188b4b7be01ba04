"""Composition root: the only module that knows every part. Tests build the bot with the same factories."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import BotCommand

from bot import texts
from bot.config import Settings
from bot.fsm_storage import SQLiteStorage
from bot.middlewares import RegisterUser
from bot.notifier import Notifier
from handlers import get_routers
from storage.database import Database
from storage.fsm import FsmRepo
from storage.ledger import LedgerRepo
from storage.outbox import OutboxRepo
from storage.users import UserRepo

logger = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    """Build the Bot client, pointed at TELEGRAM_API_URL when one is set."""
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(settings: Settings, bot: Bot) -> Dispatcher:
    """Build the dispatcher with every dependency in its workflow data and lifecycle hooks registered."""
    db = Database(settings.database_path)
    users = UserRepo(db)
    outbox = OutboxRepo(db)
    notifier = Notifier(bot, outbox, users)
    db.on_commit(notifier.wake)
    storage = SQLiteStorage(FsmRepo(db), DefaultKeyBuilder(with_bot_id=True, with_destiny=True))
    dp = Dispatcher(
        storage=storage,
        fsm_strategy=FSMStrategy.USER_IN_CHAT,
        # Updates of one user run one at a time, so a double tap cannot race through a conversation.
        events_isolation=SimpleEventIsolation(),
        settings=settings,
        db=db,
        users=users,
        ledger=LedgerRepo(db),
        outbox=outbox,
        notifier=notifier,
    )
    registration = RegisterUser(users)
    dp.message.outer_middleware(registration)
    dp.callback_query.outer_middleware(registration)
    dp.include_routers(*get_routers())
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def on_startup(bot: Bot, db: Database, notifier: Notifier) -> None:
    """Open the database, publish the command list and start background work."""
    await db.connect()
    await bot.set_my_commands([BotCommand(command=name, description=text) for name, text in texts.COMMANDS])
    notifier.start()
    logger.info("Bot started")


async def on_shutdown(db: Database, notifier: Notifier) -> None:
    """Stop background work and close resources."""
    await notifier.stop()
    await db.close()
    logger.info("Bot stopped")


async def run(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    bot = create_bot(settings)
    dp = create_dispatcher(settings, bot)
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot)
