"""The customer's wallet: balance."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.config import Settings
from storage.users import UserRepo

router = Router(name=__name__)


@router.message(Command("balance"))
@router.message(F.text == texts.BTN_BALANCE)
async def cmd_balance(message: Message, users: UserRepo, settings: Settings) -> None:
    """Show the balance with its currency."""
    assert message.from_user is not None
    amount = await users.balance(message.from_user.id)
    await message.answer(texts.balance(amount, settings.currency))
