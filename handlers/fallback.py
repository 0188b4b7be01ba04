"""Last resort for messages no other router took."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot import texts
from handlers.keyboards import main_menu

router = Router(name=__name__)


@router.message()
async def unknown_message(message: Message) -> None:
    """Point the user back to the menu."""
    await message.answer(texts.UNKNOWN_INPUT, reply_markup=main_menu())


@router.callback_query()
async def unknown_callback(callback: CallbackQuery) -> None:
    """Answer buttons nobody handles (old keyboards) so the client stops spinning."""
    await callback.answer(texts.STALE_BUTTON, show_alert=False)
