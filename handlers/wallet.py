"""The customer's wallet: balance."""

from __future__ import annotations

from aiogram.types import Message

from bot import texts
from bot.config import Settings
from handlers.filters import Command, TextIs
from handlers.routing import Router
from storage.users import UserRepo


async def cmd_balance(message: Message, users: UserRepo, settings: Settings) -> None:
    """Show the balance with its currency."""
    assert message.from_user is not None
    amount = await users.balance(message.from_user.id)
    await message.answer(texts.balance(amount, settings.currency))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_balance, Command("balance"))
    router.message.register(cmd_balance, TextIs(*texts.every_language("BTN_BALANCE")))
    return router
