"""/start and /help."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.i18n import locale_for
from handlers.filters import Command, CommandStart, TextIs
from handlers.keyboards import main_menu
from handlers.routing import Router
from storage.users import UserRepo


async def cmd_start(message: Message, state: FSMContext, users: UserRepo) -> None:
    """Register the user (or refresh their profile), greet them and show the menu."""
    await state.clear()
    sender = message.from_user
    if sender is None:
        return
    await users.upsert(
        sender.id,
        username=sender.username,
        first_name=sender.first_name,
        last_name=sender.last_name,
        language=sender.language_code,
        locale=locale_for(sender.language_code),
    )
    await message.answer(texts.welcome(sender.full_name), reply_markup=main_menu())


async def cmd_help(message: Message) -> None:
    """Explain how the shop works."""
    await message.answer(texts.HELP, reply_markup=main_menu())


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, TextIs(*texts.every_language("BTN_HELP")))
    return router
